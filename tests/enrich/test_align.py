"""Alignment of ticker entries with the reference corpus, measured against hand labels
for the seed ticker's 17 entries and the four seed articles (000–003).

Labels (read from pipeline/data/seed-corpus): an entry is linked to an article when the
article reports a fact the entry reports.
- 5 (Putin on a nuclear arms deal) → 003 (Putin offers arms-control treaties)
- 8 (Putin praises US efforts) → 003 (same quote: "recht energische und aufrichtige …")
- 11 (Ushakov: agenda beyond Ukraine) → 003 (Ushakov: mainly Ukraine, other questions too)
- 12 (Trump proposes a quick second meeting with Zelensky) → 002 and 003
- 15 (Trump: territorial swap necessary, video conference) → 000 and 003
Borderline, left out of the measure: 1 → 002/003 (a second meeting mentioned in
passing), 4 → 003 (Ushakov presents the programme), 11 → 000 (Witkoff's visit to
Moscow, inside a quote), 15 → 001 (a heading and "er fordert eine Waffenruhe"),
15 → 002 (Trump: territorial integrity no obstacle to peace), 16 → 003 (Europe insists
that Kyiv sits at the table).
No article reports 0, 2, 3, 6, 7, 9, 10, 13, 14, 16. The seed ticker document (004) is
the ticker itself, not a report: no entry may be linked to it.
"""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import pytest

from pipeline.enrich.align import AlignConfig, align, rebuild_fts
from pipeline.enrich.corpus import BUNDLED, load_corpus
from pipeline.enrich.stories import build_stories
from tests.support.enrich_fixtures import insert_entry, insert_seed_ticker

NOW = datetime(2025, 8, 14, 19, 30, tzinfo=UTC)
POSITIVE = {(5, "003"), (8, "003"), (11, "003"), (12, "002"), (12, "003"), (15, "000"), (15, "003")}
BORDERLINE = {
    (1, "002"),
    (1, "003"),
    (4, "003"),
    (11, "000"),
    (15, "001"),
    (15, "002"),
    (16, "003"),
}


def _links(con: duckdb.DuckDBPyConnection, source: str) -> set[tuple[int, str]]:
    rows = con.execute(
        "SELECT l.entry_id, d.source_file FROM entry_document_links l "
        "JOIN documents d USING (document_id) JOIN entries e USING (entry_id) "
        "WHERE e.source_id = ?",
        [source],
    ).fetchall()
    return {(int(entry.split("/")[1]), file[:3]) for entry, file in rows}


@pytest.fixture
def seeded(warehouse: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    load_corpus(warehouse, BUNDLED, corpus="seed", now=NOW)
    insert_seed_ticker(warehouse, "alaska-text", NOW, timed=False)
    insert_seed_ticker(warehouse, "alaska-jsonld", NOW)
    rebuild_fts(warehouse)
    align(warehouse, now=NOW)
    return warehouse


@pytest.mark.parametrize("source", ["alaska-text", "alaska-jsonld"])
def test_seed_ticker_links_against_hand_labels(
    seeded: duckdb.DuckDBPyConnection, source: str
) -> None:
    found = _links(seeded, source)
    assert not {doc for _, doc in found} & {"004"}, "linked to the ticker's own copy"
    measured = found - BORDERLINE
    true_links = measured & POSITIVE
    precision = len(true_links) / len(measured) if measured else 1.0
    recall = len(true_links) / len(POSITIVE)
    labelled_entries = {n for n, _ in POSITIVE}
    linked_entries = {n for n, _ in measured}
    entry_precision = len(linked_entries & labelled_entries) / max(1, len(linked_entries))
    entry_recall = len(linked_entries & labelled_entries) / len(labelled_entries)
    print(
        f"{source}: link precision {precision:.2f} recall {recall:.2f}; "
        f"entries linked precision {entry_precision:.2f} recall {entry_recall:.2f}"
    )
    # Measured 1.00 / 0.86 (entry 11 → 003, a paraphrase sharing only "Uschakow" and
    # "Ukraine-Konflikt", is missed); see docs/alignment.md.
    assert precision >= 0.9
    assert recall >= 0.8


def test_a_copy_with_a_typo_fixed_counts_as_the_same_entry(
    seeded: duckdb.DuckDBPyConnection,
) -> None:
    """As in the demo: a third outlet whose copy of entry 7 differs by one letter. The
    stories make the two texts one entry for the topic discount, so the links stay."""
    before = _links(seeded, "alaska-jsonld")
    insert_seed_ticker(seeded, "alaska-html", NOW)
    seeded.execute(
        "UPDATE entries SET body = replace(body, 'Laut eine ', 'Laut einer ') "
        "WHERE entry_id = 'alaska-html/7'"
    )
    rebuild_fts(seeded)
    build_stories(seeded, now=NOW)
    align(seeded, now=NOW)
    assert _links(seeded, "alaska-jsonld") == before


def test_links_record_paragraph_score_and_method(seeded: duckdb.DuckDBPyConnection) -> None:
    row = seeded.execute(
        "SELECT p.text, l.method, l.score >= ?, l.hours_apart FROM entry_document_links l "
        "JOIN document_paragraphs p USING (document_id, paragraph_no) "
        "WHERE l.entry_id = 'alaska-jsonld/8'",
        [AlignConfig().threshold],
    ).fetchone()
    assert row is not None
    text, method, above, hours = row
    assert "recht energische und aufrichtige Anstrengungen" in text
    assert (method, above) == ("sentence-evidence", True)
    assert hours == pytest.approx(10.25)


def test_documents_outside_the_time_window_are_not_linked(
    seeded: duckdb.DuckDBPyConnection,
) -> None:
    align(seeded, now=NOW, config=AlignConfig(window_hours=1))
    # 003 is dated 2025-08-14 (a day); entry 8 of alaska-jsonld is 10 h from its start
    assert (8, "003") in _links(seeded, "alaska-jsonld")
    # every document dated five days later (an undated one is never excluded)
    seeded.execute(
        "UPDATE documents SET published_at = coalesce(published_at, TIMESTAMPTZ '2025-08-14') "
        "+ INTERVAL 5 DAY"
    )
    align(seeded, now=NOW, config=AlignConfig(window_hours=1))
    assert _links(seeded, "alaska-jsonld") == set()


def test_a_copied_paragraph_is_linked_as_copy(warehouse: duckdb.DuckDBPyConnection) -> None:
    load_corpus(warehouse, BUNDLED, corpus="seed", now=NOW)
    text = warehouse.execute(
        "SELECT p.text FROM document_paragraphs p JOIN documents d USING (document_id) "
        "WHERE d.source_file LIKE '003%' AND p.paragraph_no = 2"
    ).fetchone()
    assert text is not None
    insert_entry(warehouse, "wire/1", "wire", "Washington (dpa) - " + text[0],
                 published_at=NOW, seen_at=NOW)  # fmt: skip
    rebuild_fts(warehouse)
    assert align(warehouse, now=NOW) >= 1
    row = warehouse.execute(
        "SELECT paragraph_no, method FROM entry_document_links l JOIN documents d "
        "USING (document_id) WHERE entry_id = 'wire/1' AND d.source_file LIKE '003%'"
    ).fetchone()
    assert row == (2, "copy")
