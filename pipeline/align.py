"""Alignment with the reference corpus: for each ticker entry, the documents (and the
paragraph) that report the same facts.

Three signals, because none suffices alone on short texts about one event, where every
candidate shares "Trump", "Putin" and "Alaska":
- BM25 of each paragraph for the entry text as query (DuckDB `fts`, German stemmer and
  stopwords): ranks the candidates and saturates to 0..1 as bm25 / (bm25 + bm25_half);
- term overlap: IDF-weighted share of stemmed terms entry and paragraph have in common,
  relative to the smaller side, so names and numbers count and filler does not;
- shingle overlap: word 3-gram containment, which is high for copied text and quotes.
Only documents published within `window_hours` of the entry are compared (a document
without a date is not excluded; a date-only one gets a day of slack). The best paragraph
per (entry, document) is kept when its weighted score reaches `threshold`; an entry that
no document reports gets no link.

A document into which one ticker's entries were copied wholesale (the seed corpus holds
the seed ticker itself) is that ticker, not an independent report: when at least
`mirror_min_entries` entries of a source match one document as copies, that source's
links to it are dropped.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import duckdb

from pipeline.stories import normalise, shingles
from pipeline.warehouse.db import load_extension

_TOKEN = re.compile(r"[^\W\d_]{3,}")


@dataclass(frozen=True, slots=True)
class AlignConfig:
    threshold: float = 0.35
    window_hours: float = 72.0
    candidates_per_entry: int = 30
    bm25_half: float = 15.0
    weight_bm25: float = 0.4
    weight_terms: float = 0.4
    weight_shingles: float = 0.2
    copy_min: float = 0.8
    mirror_min_entries: int = 3
    # A side with fewer distinct content terms (a heading, a one-line question) would
    # be "covered" by any entry on the topic.
    min_terms: int = 10


@dataclass(frozen=True, slots=True)
class Candidate:
    entry_id: str
    source_id: str
    document_id: str
    paragraph_no: int
    bm25: float
    hours_apart: float | None
    entry_text: str
    paragraph_text: str


@dataclass(frozen=True, slots=True)
class Link:
    entry_id: str
    source_id: str
    document_id: str
    paragraph_no: int
    score: float
    method: str
    bm25: float
    term_overlap: float
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
)
SELECT e.entry_id, e.source_id, p.document_id, p.paragraph_no, bm.bm25,
       abs(epoch(d.published_at) - epoch(e.at)) / 3600.0 AS hours_apart, e.query, p.text
FROM bm
JOIN e USING (entry_id)
JOIN fts_paragraphs p USING (paragraph_key)
JOIN documents d USING (document_id)
WHERE d.published_at IS NULL
   OR abs(epoch(d.published_at) - epoch(e.at)) / 3600.0
      <= ? + CASE d.time_precision WHEN 'day' THEN 24 ELSE 0 END
QUALIFY row_number() OVER (PARTITION BY e.entry_id ORDER BY bm.bm25 DESC, p.document_id,
                           p.paragraph_no) <= ?
"""


def candidates(con: duckdb.DuckDBPyConnection, config: AlignConfig) -> list[Candidate]:
    rows = con.execute(
        _CANDIDATES_SQL, [config.window_hours, config.candidates_per_entry]
    ).fetchall()
    return [Candidate(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]) for r in rows]


class TermWeights:
    """Stemmed terms per text and their IDF over the collection of texts given."""

    def __init__(self, con: duckdb.DuckDBPyConnection, texts: Iterable[str]) -> None:
        unique = list(dict.fromkeys(texts))
        words = {t: _TOKEN.findall(t.casefold()) for t in unique}
        vocabulary = sorted({w for ws in words.values() for w in ws})
        stem = dict(
            con.execute(
                "SELECT w, stem(w, 'german') FROM unnest(?::VARCHAR[]) t(w)", [vocabulary]
            ).fetchall()
        )
        stop = {r[0] for r in con.execute("SELECT sw FROM fts_stopwords_de").fetchall()}
        self.terms = {t: frozenset(stem[w] for w in ws if w not in stop) for t, ws in words.items()}
        df = Counter(term for terms in self.terms.values() for term in terms)
        count = len(unique)
        self.idf = {term: math.log((count + 1) / (n + 0.5)) for term, n in df.items()}

    def overlap(self, a: str, b: str, min_terms: int) -> float:
        ta, tb = self.terms[a], self.terms[b]
        if min(len(ta), len(tb)) < min_terms:
            return 0.0
        smaller = min(self._mass(ta), self._mass(tb))
        return self._mass(ta & tb) / smaller if smaller else 0.0

    def _mass(self, terms: Iterable[str]) -> float:
        return sum(self.idf[t] for t in terms)


def shingle_overlap(a: str, b: str) -> float:
    sa, sb = shingles(a), shingles(b)
    smaller = min(len(sa), len(sb))
    return len(sa & sb) / smaller if smaller and len(normalise(a)) >= 3 else 0.0


def score(c: Candidate, weights: TermWeights, config: AlignConfig) -> Link:
    terms = weights.overlap(c.entry_text, c.paragraph_text, config.min_terms)
    copied = shingle_overlap(c.entry_text, c.paragraph_text)
    rank = c.bm25 / (c.bm25 + config.bm25_half)
    total = (
        config.weight_bm25 * rank + config.weight_terms * terms + config.weight_shingles * copied
    )
    method = "copy" if copied >= config.copy_min else "fts+overlap"
    return Link(
        c.entry_id, c.source_id, c.document_id, c.paragraph_no, total, method, c.bm25,
        terms, copied, c.hours_apart,
    )  # fmt: skip


def best_links(links: Iterable[Link], config: AlignConfig) -> list[Link]:
    """The best paragraph per (entry, document) at or above the threshold, without the
    links of a source to a document that mirrors it."""
    best: dict[tuple[str, str], Link] = {}
    for link in links:
        key = (link.entry_id, link.document_id)
        if link.score >= config.threshold and (key not in best or link.score > best[key].score):
            best[key] = link
    mirrors = _mirrors(best.values(), config)
    return [x for x in best.values() if (x.source_id, x.document_id) not in mirrors]


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
    weights = TermWeights(con, _collection(con))
    links = best_links((score(c, weights, config) for c in found), config)
    con.execute("DELETE FROM entry_document_links")
    if links:
        con.executemany(
            "INSERT INTO entry_document_links VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [_row(x, now) for x in links],
        )
    return len(links)


def _collection(con: duckdb.DuckDBPyConnection) -> Sequence[str]:
    """Every entry query text and paragraph: the collection the IDF is taken over."""
    rows = con.execute(
        "SELECT concat_ws(E'\\n', headline, body) FROM entries WHERE NOT is_deleted "
        "UNION ALL SELECT text FROM fts_paragraphs"
    ).fetchall()
    return [r[0] for r in rows]


def _row(link: Link, now: datetime) -> list[object]:
    return [
        link.entry_id, link.document_id, link.paragraph_no, link.score, link.method,
        link.bm25, link.term_overlap, link.shingle_overlap, link.hours_apart, now,
    ]  # fmt: skip
