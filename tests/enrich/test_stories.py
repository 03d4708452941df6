"""Near-duplicate stories: shingles, exact confirmation, clustering, the labelled pairs'
precision/recall, and the stories written to the warehouse."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import UTC, datetime

import duckdb

from pipeline.enrich.corpus import BUNDLED, load_corpus
from pipeline.enrich.stories import (
    Match,
    StoryConfig,
    Unit,
    build_stories,
    clusters,
    find_matches,
    ngrams,
    normalise,
    shingles,
    similarity,
)
from pipeline.settings import PROJECT_ROOT
from tests.support.enrich_fixtures import insert_entry, insert_seed_ticker

NOW = datetime(2025, 8, 14, 19, 30, tzinfo=UTC)
PAIRS = PROJECT_ROOT / "tests" / "data" / "neardup_pairs.jsonl"
AGENCY = (
    "Kremlchef Putin stellte am Vortag der Gespräche in Alaska neue Rüstungskontrollverträge "
    "in Aussicht, wenn es denn gelinge, den Ukraine-Konflikt zu lösen. US-Präsident Trump "
    "hatte zuvor mit sehr schwerwiegenden Konsequenzen für Moskau gedroht."
)


def test_normalise_folds_case_punctuation_and_compatibility_forms() -> None:
    assert normalise("„Straße“ – ﬁnal, USA!") == ["strasse", "final", "usa"]


def test_normalise_finds_the_alphanumeric_runs_on_both_paths() -> None:
    latin1 = "".join(map(chr, range(256)))
    for text in (latin1, latin1 + "„Zitat“ – Łódź", "snake_case x²½ ÿ µ"):
        folded = unicodedata.normalize("NFKC", text).casefold()
        assert normalise(text) == re.findall(r"[^\W_]+", folded)


def test_ngrams_keep_order_and_repeats() -> None:
    assert ngrams(["a", "b", "a", "b", "a"]) == ["a b a", "b a b", "a b a"]
    assert ngrams(["kurz"]) == ["kurz"]
    assert ngrams([]) == []


def test_shingles_are_word_trigrams() -> None:
    assert shingles("Trump trifft Putin in Alaska") == frozenset(
        {"trump trifft putin", "trifft putin in", "putin in alaska"}
    )
    assert shingles("Kurz") == frozenset({"kurz"})
    assert shingles("") == frozenset()


def test_similarity_confirms_jaccard_or_containment() -> None:
    config = StoryConfig()
    full = shingles(AGENCY)
    assert similarity(full, shingles("Moskau (dpa) - " + AGENCY), config) is not None
    first_sentence = shingles(AGENCY.split(". ")[0])
    assert similarity(first_sentence, full, config) == 1.0  # contained
    assert similarity(shingles("Trump trifft Putin"), full, config) is None  # too short
    other = shingles("Die Europäer fordern eine Waffenruhe vor allen Verhandlungen über Gebiete.")
    assert similarity(other, full, config) is None


def test_clusters_join_confirmed_pairs_transitively() -> None:
    groups = clusters(5, [Match(0, 1, 0.9), Match(1, 3, 0.7)])
    assert groups == [{0: 0.9, 1: 0.9, 3: 0.7}]


def test_agency_copy_across_outlets_is_one_story_and_other_news_is_not() -> None:
    units = [
        Unit("a", AGENCY),
        Unit("b", "Washington/Moskau (AFP) – " + AGENCY.replace("Trump", "Donald Trump")),
        Unit("c", "Die Europäer fordern vor Verhandlungen eine Waffenruhe. " * 2),
    ]
    matches = find_matches(units, StoryConfig())
    assert [(m.a, m.b) for m in matches] == [(0, 1)]


def test_labelled_pairs_precision_and_recall() -> None:
    rows = [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines()]
    texts = sorted({t for r in rows for t in (r["a"], r["b"])})
    index = {t: i for i, t in enumerate(texts)}
    units = [Unit(str(i), t) for i, t in enumerate(texts)]
    story_of = {
        i: n for n, g in enumerate(clusters(len(units), find_matches(units, StoryConfig())))
        for i in g
    }  # fmt: skip
    predicted = [
        index[r["a"]] in story_of and story_of[index[r["a"]]] == story_of.get(index[r["b"]])
        for r in rows
    ]
    tp = sum(p and r["label"] == 1 for p, r in zip(predicted, rows, strict=True))
    precision, recall = tp / sum(predicted), tp / sum(r["label"] == 1 for r in rows)
    print(f"near-duplicate pairs: precision {precision:.3f}, recall {recall:.3f}, n={len(rows)}")
    assert len(rows) >= 500
    assert precision >= 0.95
    assert recall >= 0.90


def _story_of(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    rows = con.execute("SELECT member_key, story_id FROM story_members").fetchall()
    return dict(rows)


def test_seed_ticker_in_two_outlets_gives_one_story_per_entry(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    load_corpus(warehouse, BUNDLED, corpus="seed", now=NOW)
    insert_seed_ticker(warehouse, "outlet-a", NOW)
    insert_seed_ticker(warehouse, "outlet-b", NOW, timed=False)
    assert build_stories(warehouse, now=NOW) == 17
    story_of = _story_of(warehouse)
    for number in range(17):
        assert story_of[f"outlet-a/{number}"] == story_of[f"outlet-b/{number}"]
    assert len({story_of[f"outlet-a/{n}"] for n in range(17)}) == 17
    row = warehouse.execute(
        "SELECT member_count, source_count, title FROM stories s JOIN story_members m "
        "USING (story_id) WHERE m.member_key = 'outlet-a/4'"
    ).fetchone()
    # a one-paragraph entry also matches its paragraph in the seed ticker document
    assert row is not None and row[:2] == (3, 3) and row[2].startswith("Themenliste:")


def test_build_stories_replaces_previous_results(warehouse: duckdb.DuckDBPyConnection) -> None:
    insert_entry(warehouse, "x/1", "x", AGENCY, published_at=NOW, seen_at=NOW)
    insert_entry(warehouse, "y/1", "y", "Moskau (dpa) - " + AGENCY, published_at=NOW, seen_at=NOW)
    build_stories(warehouse, now=NOW)
    first = warehouse.execute("SELECT * FROM story_members ORDER BY ALL").fetchall()
    assert build_stories(warehouse, now=NOW) == 1
    assert warehouse.execute("SELECT * FROM story_members ORDER BY ALL").fetchall() == first
    warehouse.execute("UPDATE entries SET is_deleted = true WHERE entry_id = 'y/1'")
    assert build_stories(warehouse, now=NOW) == 0
    assert warehouse.execute("SELECT count(*) FROM stories").fetchone() == (0,)
