"""Analyst views and example queries: every object described, every query runs."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipeline import stage
from pipeline.enrich.corpus import BUNDLED, load_corpus
from pipeline.settings import PROJECT_ROOT
from pipeline.warehouse import connect
from tests.warehouse.test_stage_load import SOURCE, T, bodies, load, observation, rows

QUERIES = sorted((PROJECT_ROOT / "warehouse" / "queries").glob("*.sql"))
VIEWS = ["entry_history", "source_health", "timeline"]


@pytest.fixture
def loaded(warehouse: duckdb.DuckDBPyConnection, tmp_path: Path) -> duckdb.DuckDBPyConnection:
    """Three fetches with an edit and a deletion, a 304, a failed fetch, the seed corpus."""
    staging = tmp_path / "staging"
    load(warehouse, staging, observation(T[0], bodies("a", "b", "c")))
    load(warehouse, staging, observation(T[1], bodies("a", "b", a="Korrigiert.")))
    load(warehouse, staging, observation(T[2], bodies("a", "b", a="Korrigiert.")))
    load(warehouse, staging, fetch_only("not-modified", T[3], status=304))
    load(warehouse, staging, fetch_only("failed", T[4], status=503, error="ServerError"))
    load_corpus(warehouse, BUNDLED, corpus="seed", now=T[5])
    return warehouse


def fetch_only(batch_id: str, at: object, *, status: int, error: str | None = None) -> stage.Batch:
    batch = stage.Batch(batch_id)
    batch.rows["sources"] = observation(T[0], {}).rows["sources"]
    batch.add(
        "fetches",
        {"source_id": SOURCE, "url": "u", "fetched_at": at, "attempt": 1, "status": status}
        | {"changed": False, "error_class": error},
    )
    return batch


def test_views_have_stable_names(warehouse: duckdb.DuckDBPyConnection) -> None:
    names = rows(warehouse, "SELECT view_name FROM duckdb_views() WHERE NOT internal ORDER BY 1")
    assert [n for (n,) in names if n in VIEWS] == VIEWS
    assert rows(warehouse, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'entries'")


def test_every_table_view_and_column_has_a_comment(warehouse: duckdb.DuckDBPyConnection) -> None:
    missing = rows(
        warehouse,
        """
        SELECT 'table ' || table_name FROM duckdb_tables()
        WHERE NOT internal AND database_name <> 'temp' AND coalesce(comment, '') = ''
        UNION ALL
        SELECT 'view ' || view_name FROM duckdb_views()
        WHERE NOT internal AND database_name <> 'temp' AND coalesce(comment, '') = ''
        UNION ALL
        SELECT 'column ' || table_name || '.' || column_name FROM duckdb_columns()
        WHERE NOT internal AND database_name <> 'temp' AND coalesce(comment, '') = ''
        """,
    )
    assert missing == []


@pytest.mark.parametrize("query", QUERIES, ids=[q.stem for q in QUERIES])
def test_example_query_runs_and_finds_rows(loaded: duckdb.DuckDBPyConnection, query: Path) -> None:
    assert loaded.execute(query.read_text(encoding="utf-8")).fetchall()


def test_source_health(loaded: duckdb.DuckDBPyConnection) -> None:
    health = loaded.execute(
        """
        SELECT source_id, last_fetched_at, last_success_at, last_change_at, fetches_24h,
               error_rate_24h, not_modified_rate_24h, newest_entry_at
        FROM source_health
        """
    ).fetchall()
    assert health == [(SOURCE, T[4], T[3], T[2], 5, 0.2, 0.2, T[0])]


def test_timeline_has_entries_and_documents(loaded: duckdb.DuckDBPyConnection) -> None:
    kinds = rows(loaded, "SELECT kind, count(*) FROM timeline GROUP BY 1 ORDER BY 1")
    assert kinds == [("document", 5), ("entry", 2)]
    columns = [d[0] for d in loaded.execute("SELECT * FROM timeline LIMIT 0").description or []]
    assert columns[:1] + columns[2:4] + columns[5:] == [
        "kind",
        "source",
        "published_at",
        "title",
        "body",
        "url",
        "language",
    ]


def test_entry_history_numbers_versions(loaded: duckdb.DuckDBPyConnection) -> None:
    history = rows(
        loaded,
        "SELECT entry_id, version_no, change_kind FROM entry_history ORDER BY entry_id, 2",
    )
    assert history == [
        ("a", 1, "new"),
        ("a", 2, "edited"),
        ("b", 1, "new"),
        ("c", 1, "new"),
        ("c", 2, "deleted"),
    ]


def test_committed_warehouse_docs_are_current() -> None:
    from dev.warehouse_docs import DOCS_FILE, generate

    assert DOCS_FILE.read_text(encoding="utf-8") == generate(), (
        "docs/warehouse.md is stale: run `python -m dev.warehouse_docs`"
    )


def test_upgrading_a_001_warehouse_keeps_its_rows(tmp_path: Path) -> None:
    """A warehouse as tickerlake's first schema left it (rows written in plain SQL, as
    today's loader no longer fits that schema) is migrated and loads on."""
    from pipeline.warehouse.db import migration_files

    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as old:
        old.execute("CREATE TABLE _migrations (name VARCHAR PRIMARY KEY, applied_at TIMESTAMPTZ)")
        old.execute(migration_files()[0].read_text(encoding="utf-8"))
        old.execute("INSERT INTO _migrations VALUES ('001_initial', now())")
        old.execute(
            "INSERT INTO sources (source_id, url, kind, first_seen_at, last_fetched_at, etag)"
            " VALUES (?, 'u', 'auto', ?, ?, 'old-etag')",
            [SOURCE, T[0], T[0]],
        )
    with connect(path) as con:
        assert rows(con, "SELECT etag, validated_at FROM sources") == [("old-etag", T[0])]
        load(con, tmp_path / "staging", observation(T[1], bodies("a", a="Neu.")))
        assert rows(con, "SELECT count(*) FROM entry_versions") == [(1,)]
        names = rows(con, "SELECT name FROM _migrations ORDER BY 1")
        assert names == [(f.stem,) for f in migration_files()]
