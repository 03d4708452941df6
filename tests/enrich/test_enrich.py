"""`enrich`: fts indexes, stories and links recomputed in one go; running it twice on
the same data changes nothing; `tickerlake enrich` runs it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.cli.main import main
from pipeline.enrich.corpus import BUNDLED, load_corpus
from pipeline.enrich.run import enrich_warehouse
from pipeline.warehouse import connect
from tests.support.enrich_fixtures import insert_entry, insert_seed_ticker
from tests.support.settings import on_file

NOW = datetime(2025, 8, 14, 19, 30, tzinfo=UTC)
DERIVED = ("stories", "story_members", "entry_document_links")


def _seed(path: Path) -> None:
    with connect(path) as con:
        load_corpus(con, BUNDLED, corpus="seed", now=NOW)
        insert_seed_ticker(con, "alaska-jsonld", NOW)


def _snapshot(path: Path) -> dict[str, list[tuple[object, ...]]]:
    with connect(path, read_only=True) as con:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in DERIVED}


def test_enrich_twice_gives_the_same_rows(warehouse_path: Path) -> None:
    _seed(warehouse_path)
    report = enrich_warehouse(on_file(warehouse_path), now=NOW)
    assert report.stories > 0 and report.links >= 2
    first = _snapshot(warehouse_path)
    assert enrich_warehouse(on_file(warehouse_path), now=NOW) == report
    assert _snapshot(warehouse_path) == first


def test_a_corpus_without_entries_gives_no_links(warehouse_path: Path) -> None:
    with connect(warehouse_path) as con:
        load_corpus(con, BUNDLED, corpus="seed", now=NOW)
    assert enrich_warehouse(on_file(warehouse_path), now=NOW).links == 0


def test_fts_indexes_follow_the_data(warehouse_path: Path) -> None:
    _seed(warehouse_path)
    enrich_warehouse(on_file(warehouse_path), now=NOW)
    with connect(warehouse_path) as con:
        insert_entry(con, "new/1", "new", "Eisbären blockieren die Landebahn in Anchorage.",
                     published_at=NOW, seen_at=NOW)  # fmt: skip
    enrich_warehouse(on_file(warehouse_path), now=NOW)
    with connect(warehouse_path) as con:
        from pipeline.warehouse.db import load_extension

        load_extension(con, "fts")
        hits = con.execute(
            "SELECT entry_id FROM (SELECT entry_id, fts_main_entries.match_bm25(entry_id, "
            "'Eisbär') AS s FROM entries) WHERE s IS NOT NULL"
        ).fetchall()
        assert hits == [("new/1",)]
        docs = con.execute(
            "SELECT count(*) FROM (SELECT fts_main_documents.match_bm25(document_id, "
            "'Atomwaffen') AS s FROM documents) WHERE s IS NOT NULL"
        ).fetchone()
        assert docs is not None and docs[0] >= 1


def test_cli_enrich_prints_counts(warehouse_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _seed(warehouse_path)
    assert main(["--warehouse", str(warehouse_path), "enrich"]) == 0
    counts = json.loads(capsys.readouterr().out)
    assert counts["stories"] > 0 and counts["entry_document_links"] >= 2
