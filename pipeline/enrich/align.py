"""Alignment with the reference corpus: for each ticker entry, the documents (and the
paragraph) that report the same facts. The method and its measured quality are in
docs/alignment.md.

A ticker and the articles about one event all share "Trump", "Putin" and "Alaska"; what
marks a shared fact is a sentence of the entry and a passage of the document that share
telling words. So:
- candidates: BM25 of each paragraph for the entry text as query (DuckDB `fts`, German
  stemmer and stopwords); the documents of an entry's best paragraphs are scored, when
  published within `window_hours` of the entry (a document without a date is not
  excluded; a date-only one gets a day of slack);
- evidence: every sentence of the entry is matched with its best window of
  `sentence_window` consecutive sentences of a document paragraph; a pair counts the
  weights of the stems they share, less `sentence_floor`, and the document's evidence is
  the sum over the entry's `evidence_sentences` best-matched sentences;
- a stem's weight is how rare its word is in general German (wordfreq Zipf frequency
  below `rarity_ceiling`), discounted by how many of the loaded entries use it (the
  ticker's own topic words), to the power `topic_power`;
- score = evidence / (evidence + `evidence_half`), 0..1; a link needs `threshold`.
An entry that no document reports gets no link.

A document into which one ticker's entries were copied wholesale (the seed corpus holds
the seed ticker itself) is that ticker, not an independent report: when at least
`mirror_min_entries` entries of a source match one document as copies (word 3-gram
containment ≥ `copy_min`), that source's links to it are dropped.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import duckdb
from wordfreq import zipf_frequency

from pipeline.enrich.stories import normalise, shingles
from pipeline.warehouse.db import load_extension

_WORD = re.compile(r"[^\W\d_]+|\d+(?:[.,]\d+)*")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


@dataclass(frozen=True, slots=True)
class AlignConfig:
    """Defaults measured on the seed ticker's hand labels (tests/enrich/test_align.py)."""

    threshold: float = 0.5
    window_hours: float = 72.0
    candidates_per_entry: int = 30
    rarity_ceiling: float = 7.5
    topic_power: float = 0.5
    sentence_window: int = 2
    sentence_floor: float = 3.0
    evidence_sentences: int = 3
    # the evidence at which score = 0.5 = threshold
    evidence_half: float = 19.3
    copy_min: float = 0.8
    mirror_min_entries: int = 3


@dataclass(frozen=True, slots=True)
class Candidate:
    """A document worth scoring for an entry: its best BM25 paragraph and time gap."""

    entry_id: str
    source_id: str
    document_id: str
    bm25: float
    hours_apart: float | None


@dataclass(frozen=True, slots=True)
class Link:
    entry_id: str
    source_id: str
    document_id: str
    paragraph_no: int
    score: float
    method: str
    bm25: float
    evidence: float
    shingle_overlap: float
    hours_apart: float | None


FTS_INDEXES = (
    ("entries", "entry_id", ("headline", "body")),
    ("documents", "document_id", ("title", "body")),
    ("fts_paragraphs", "paragraph_key", ("text",)),
)


def rebuild_fts(con: duckdb.DuckDBPyConnection) -> None:
    """Refresh the paragraph search table and (re)build the three fts indexes."""
    load_extension(con, "fts")
    con.execute("DELETE FROM fts_paragraphs")
    con.execute(
        "INSERT INTO fts_paragraphs SELECT document_id || '#' || paragraph_no, "
        "document_id, paragraph_no, text FROM document_paragraphs"
    )
    for table, key, columns in FTS_INDEXES:
        fields = ", ".join(f"'{c}'" for c in columns)
        con.execute(
            f"PRAGMA create_fts_index('{table}', '{key}', {fields}, stemmer = 'german', "
            "stopwords = 'fts_stopwords_de', strip_accents = 0, overwrite = 1)"
        )


# match_bm25's formula (k = 1.2, b = 0.75, distinct query terms, log = log10) set-based over
# the index tables: the macro re-tokenises its query for every row it scores, which took
# seconds per entry against a few hundred paragraphs.
_CANDIDATES_SQL = """
WITH e AS (
    SELECT entry_id, source_id, concat_ws(E'\\n', headline, body) AS query,
           coalesce(published_at, first_seen_at) AS at
    FROM entries WHERE NOT is_deleted
), words AS (
    SELECT entry_id, unnest(fts_main_fts_paragraphs.tokenize(query)) AS word FROM e
), q AS (
    SELECT DISTINCT entry_id, stem(word, 'german') AS term FROM words
), tf AS (
    SELECT termid, docid, count(*) AS tf FROM fts_main_fts_paragraphs.terms GROUP BY ALL
), bm AS (
    SELECT q.entry_id, docs.name AS paragraph_key,
           sum(log((st.num_docs - dict.df + 0.5) / (dict.df + 0.5) + 1)
               * tf.tf * 2.2 / (tf.tf + 1.2 * (0.25 + 0.75 * docs.len / st.avgdl))) AS bm25
    FROM q
    JOIN fts_main_fts_paragraphs.dict dict ON dict.term = q.term
    JOIN tf USING (termid)
    JOIN fts_main_fts_paragraphs.docs docs USING (docid)
    CROSS JOIN fts_main_fts_paragraphs.stats st
    GROUP BY ALL
), ranked AS (
    SELECT e.entry_id, e.source_id, p.document_id, bm.bm25,
           abs(epoch(d.published_at) - epoch(e.at)) / 3600.0 AS hours_apart
    FROM bm
    JOIN e USING (entry_id)
    JOIN fts_paragraphs p USING (paragraph_key)
    JOIN documents d USING (document_id)
    WHERE d.published_at IS NULL
       OR abs(epoch(d.published_at) - epoch(e.at)) / 3600.0
          <= ? + CASE d.time_precision WHEN 'day' THEN 24 ELSE 0 END
    QUALIFY row_number() OVER (PARTITION BY e.entry_id ORDER BY bm.bm25 DESC, p.document_id,
                               p.paragraph_no) <= ?
)
SELECT entry_id, any_value(source_id), document_id, max(bm25), any_value(hours_apart)
FROM ranked GROUP BY entry_id, document_id ORDER BY entry_id, document_id
"""


def candidates(con: duckdb.DuckDBPyConnection, config: AlignConfig) -> list[Candidate]:
    rows = con.execute(
        _CANDIDATES_SQL, [config.window_hours, config.candidates_per_entry]
    ).fetchall()
    return [Candidate(*r) for r in rows]


def sentences(text: str) -> list[str]:
    """Sentences (and lines) of `text` with at least three words."""
    return [s for s in _SENTENCE_END.split(text) if len(_WORD.findall(s)) >= 3]


def windows(paragraph: str, size: int) -> list[str]:
    """Runs of `size` consecutive sentences: a fact is often told over two sentences."""
    found = sentences(paragraph)
    return [" ".join(found[i : i + size]) for i in range(len(found))]


class Vocabulary:
    """German stems of the words in a collection of texts and the weight of each stem."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        texts: Iterable[str],
        entries: Iterable[tuple[str, str]],
    ) -> None:
        """`entries` are (key, text): texts with one key count as one entry."""
        words = sorted({w.casefold() for t in texts for w in _WORD.findall(t)})
        pairs = con.execute(
            "SELECT w, stem(w, 'german') FROM unnest(?::VARCHAR[]) t(w)", [words]
        ).fetchall()
        # Transliterations differ in y/i (Selenskyj, Selenskij): fold them into one stem.
        self._stem = {w: s.replace("y", "i") for w, s in pairs}
        zipf: dict[str, float] = {}
        for word, stem in self._stem.items():
            zipf[stem] = max(zipf.get(stem, 0.0), zipf_frequency(word, "de"))
        self._zipf = zipf
        distinct = dict(entries)
        self._entries = len(distinct)
        self._df = Counter(s for t in distinct.values() for s in self.stems(t))

    def stems(self, text: str) -> frozenset[str]:
        return frozenset(self._stem[w.casefold()] for w in _WORD.findall(text))

    def weights(self, config: AlignConfig) -> dict[str, float]:
        n = self._entries
        return {
            stem: max(0.0, config.rarity_ceiling - zipf)
            * (math.log((n + 1) / max(1, self._df[stem])) / math.log(n + 1)) ** config.topic_power
            for stem, zipf in self._zipf.items()
        }


@dataclass(frozen=True, slots=True)
class Passage:
    """One sentence window of a document paragraph, as weighted stems."""

    paragraph_no: int
    stems: frozenset[str]


def evidence(
    entry: Sequence[frozenset[str]],
    passages: Sequence[Passage],
    weight: dict[str, float],
    config: AlignConfig,
) -> tuple[float, int]:
    """The document's evidence for the entry and the paragraph that carries most of it."""
    per_sentence: list[tuple[float, int]] = []
    for stems in entry:
        best = max(
            ((sum(weight[s] for s in stems & p.stems), p.paragraph_no) for p in passages),
            default=(0.0, -1),
        )
        per_sentence.append((max(0.0, best[0] - config.sentence_floor), best[1]))
    per_sentence.sort(reverse=True)
    top = per_sentence[: config.evidence_sentences]
    return sum(e for e, _ in top), top[0][1] if top else -1


def shingle_overlap(a: str, b: str) -> float:
    sa, sb = shingles(a), shingles(b)
    smaller = min(len(sa), len(sb))
    return len(sa & sb) / smaller if smaller and len(normalise(a)) >= 3 else 0.0


@dataclass(frozen=True, slots=True)
class Texts:
    """What the scoring reads: entry texts and document paragraphs, by id."""

    entries: dict[str, str]
    paragraphs: dict[str, dict[int, str]]
    # One entry carried by several outlets, re-fetched with other whitespace or with a
    # typo fixed in one copy is one text for the topic discount: entries of one story
    # (near-duplicates, pipeline.enrich.stories) share its id, others their normalised text.
    entry_keys: dict[str, str]

    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection) -> Texts:
        rows = con.execute(
            "SELECT e.entry_id, concat_ws(E'\\n', e.headline, e.body), any_value(m.story_id) "
            "FROM entries e LEFT JOIN story_members m "
            "ON m.entry_id = e.entry_id AND m.member_kind = 'entry' "
            "WHERE NOT e.is_deleted GROUP BY ALL"
        ).fetchall()
        paragraphs: dict[str, dict[int, str]] = defaultdict(dict)
        for document_id, paragraph_no, text in con.execute(
            "SELECT document_id, paragraph_no, text FROM document_paragraphs"
        ).fetchall():
            paragraphs[document_id][paragraph_no] = text
        entries = {r[0]: r[1] for r in rows}
        keys = {r[0]: r[2] or " ".join(normalise(r[1])) for r in rows}
        return cls(entries, dict(paragraphs), keys)


class Scorer:
    def __init__(self, con: duckdb.DuckDBPyConnection, texts: Texts, config: AlignConfig):
        every = [*texts.entries.values()] + [
            t for ps in texts.paragraphs.values() for t in ps.values()
        ]
        keyed = [(texts.entry_keys[i], t) for i, t in texts.entries.items()]
        vocabulary = Vocabulary(con, every, keyed)
        self._vocabulary, self._texts, self._config = vocabulary, texts, config
        self._weight = vocabulary.weights(config)
        self._passages: dict[str, list[Passage]] = {}

    def score(self, c: Candidate) -> Link:
        config, text = self._config, self._texts.entries[c.entry_id]
        entry = [self._vocabulary.stems(s) for s in sentences(text)]
        found, paragraph_no = evidence(entry, self.passages(c.document_id), self._weight, config)
        paragraphs = self._texts.paragraphs[c.document_id]
        paragraph_no = paragraph_no if paragraph_no in paragraphs else min(paragraphs)
        copied = shingle_overlap(text, paragraphs[paragraph_no])
        method = "copy" if copied >= config.copy_min else "sentence-evidence"
        total = found / (found + config.evidence_half)
        return Link(
            c.entry_id, c.source_id, c.document_id, paragraph_no, total, method, c.bm25,
            found, copied, c.hours_apart,
        )  # fmt: skip

    def passages(self, document_id: str) -> list[Passage]:
        if document_id not in self._passages:
            size = self._config.sentence_window
            self._passages[document_id] = [
                Passage(no, self._vocabulary.stems(w))
                for no, text in self._texts.paragraphs[document_id].items()
                for w in windows(text, size)
            ]
        return self._passages[document_id]


def best_links(links: Iterable[Link], config: AlignConfig) -> list[Link]:
    """The links at or above the threshold, without the links of a source to a document
    that mirrors it."""
    kept = [x for x in links if x.score >= config.threshold]
    mirrors = _mirrors(kept, config)
    return [x for x in kept if (x.source_id, x.document_id) not in mirrors]


def _mirrors(links: Iterable[Link], config: AlignConfig) -> set[tuple[str, str]]:
    copies: dict[tuple[str, str], set[str]] = defaultdict(set)
    for link in links:
        if link.method == "copy":
            copies[(link.source_id, link.document_id)].add(link.entry_id)
    return {key for key, ids in copies.items() if len(ids) >= config.mirror_min_entries}


def align(
    con: duckdb.DuckDBPyConnection, *, now: datetime, config: AlignConfig | None = None
) -> int:
    """Recompute `entry_document_links` (inside the caller's transaction, after
    `rebuild_fts`); returns the number of links."""
    config = config or AlignConfig()
    found = candidates(con, config)
    links = best_links(_scored(con, found, config), config)
    con.execute("DELETE FROM entry_document_links")
    if links:
        con.executemany(
            "INSERT INTO entry_document_links VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [_row(x, now) for x in links],
        )
    return len(links)


def _scored(
    con: duckdb.DuckDBPyConnection, found: list[Candidate], config: AlignConfig
) -> list[Link]:
    if not found:  # e.g. a corpus loaded before any entry: no stem weights to compute
        return []
    scorer = Scorer(con, Texts.load(con), config)
    return [scorer.score(c) for c in found]


def _row(link: Link, now: datetime) -> list[object]:
    return [
        link.entry_id, link.document_id, link.paragraph_no, link.score, link.method,
        link.bm25, link.evidence, link.shingle_overlap, link.hours_apart, now,
    ]  # fmt: skip
