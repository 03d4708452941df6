"""Staged batches → warehouse: versions, deletions, idempotence, migrations, extensions."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipeline import cycle, stage
from pipeline.demo.replay import ReplayServer, snapshot_name
from pipeline.errors import BatchError, WarehouseVersionError
from pipeline.parse.identity import content_hash
from pipeline.settings import from_env
from pipeline.sources import Source
from pipeline.warehouse import backend, connect, load_extension, migrate
from pipeline.warehouse.db import migration_files
from pipeline.warehouse.load import LoadReport, load_batches
from tests.support.settings import on_file

SOURCE = "alpha"
PAGE = "https://ticker.example/live"
T = [datetime(2025, 8, 14, 12, 0, tzinfo=UTC) + timedelta(minutes=10 * i) for i in range(8)]
_load_ids = itertools.count()


def observation(
    at: datetime, entries: dict[str, str], *, source_id: str = SOURCE, batch_id: str | None = None
) -> stage.Batch:
    """One parsed fetch of `source_id` at `at`: entry id → body."""
    batch = stage.Batch(batch_id or f"{source_id}-{at:%H%M}")
    batch.add(
        "sources",
        {"source_id": source_id, "url": PAGE, "kind": "auto", "timezone": "UTC", "language": "de"},
    )
    sha = content_hash(None, repr(sorted(entries.items())))
    batch.add(
        "fetches",
        {
            "source_id": source_id,
            "url": PAGE,
            "final_url": PAGE,
            "fetched_at": at,
            "attempt": 1,
            "status": 200,
            "elapsed_ms": 3,
            "bytes": 100,
            "etag": f'"{sha}"',
            "last_modified": None,
            "sha256": sha,
            "changed": True,
        },
    )
    batch.add(
        "pages",
        {
            "source_id": source_id,
            "fetched_at": at,
            "sha256": sha,
            "url": PAGE,
            "title": "Ticker",
            "is_liveblog": True,
            "parser": "jsonld",
            "entry_count": len(entries),
            "warnings": [],
        },
    )
    for position, (entry_id, body) in enumerate(entries.items()):
        batch.add("entries", entry_row(source_id, at, entry_id, body, position))
    return batch


def entry_row(
    source_id: str, at: datetime, entry_id: str, body: str, position: int
) -> dict[str, Any]:
    headline = f"Meldung {entry_id}"
    return {
        "source_id": source_id,
        "fetched_at": at,
        "entry_id": entry_id,
        "url": f"{PAGE}#{entry_id}",
        "published_at": T[0],
        "time_text": T[0].isoformat(),
        "time_precision": "second",
        "time_flags": [],
        "headline": headline,
        "body": body,
        "authors": ["Redaktion"],
        "language": "de",
        "pinned": False,
        "key_event": False,
        "summary": False,
        "position": position,
        "content_hash": content_hash(headline, body),
    }


def bodies(*ids: str, **edited: str) -> dict[str, str]:
    return {i: edited.get(i, f"Text {i}.") for i in ids}


def load(con: duckdb.DuckDBPyConnection, staging: Path, *batches: stage.Batch) -> LoadReport:
    paths = [stage.write_batch(staging, b) for b in batches]
    return load_batches(con, paths, load_id=f"load-{next(_load_ids)}", now=T[-1])


def rows(con: duckdb.DuckDBPyConnection, sql: str, *params: object) -> list[tuple[Any, ...]]:
    return con.execute(sql, list(params)).fetchall()


def versions(con: duckdb.DuckDBPyConnection, entry_id: str) -> list[tuple[Any, ...]]:
    return rows(
        con,
        "SELECT change_kind, valid_from, valid_to FROM entry_versions "
        "WHERE entry_id = ? ORDER BY valid_from",
        entry_id,
    )


def live_ids(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in rows(con, "SELECT entry_id FROM entries WHERE NOT is_deleted ORDER BY 1")]


def table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    tables = ("sources", "fetches", "pages", "entries", "entry_versions", "loads")
    return {t: rows(con, f"SELECT count(*) FROM {t}")[0][0] for t in tables}


def assert_history_is_consistent(con: duckdb.DuckDBPyConnection) -> None:
    """Every entry has exactly one open version; an entry's versions never overlap and
    follow each other without gaps."""
    open_counts = rows(
        con,
        """
        SELECT e.entry_id, count(v.entry_id) FILTER (WHERE v.valid_to IS NULL)
        FROM entries e LEFT JOIN entry_versions v USING (entry_id)
        GROUP BY e.entry_id HAVING count(v.entry_id) FILTER (WHERE v.valid_to IS NULL) <> 1
        """,
    )
    assert open_counts == []
    broken = rows(
        con,
        """
        SELECT entry_id, valid_from, valid_to, next_from FROM (
            SELECT entry_id, valid_from, valid_to,
                   lead(valid_from) OVER (PARTITION BY entry_id ORDER BY valid_from) AS next_from
            FROM entry_versions)
        WHERE valid_to <= valid_from
           OR (next_from IS NULL AND valid_to IS NOT NULL)
           OR (next_from IS NOT NULL AND valid_to IS DISTINCT FROM next_from)
        """,
    )
    assert broken == []
    deleted_mismatch = rows(
        con,
        """
        SELECT e.entry_id FROM entries e JOIN entry_versions v USING (entry_id)
        WHERE v.valid_to IS NULL AND e.is_deleted <> (v.change_kind = 'deleted')
        """,
    )
    assert deleted_mismatch == []
    assert_keys_are_unique(con)


# The loader, not an index, keeps these keys unique (see migration 002_warehouse).
KEYS = {
    "entries": "entry_id",
    "entry_versions": "entry_id, valid_from",
    "fetches": "source_id, fetched_at, attempt",
    "pages": "source_id, fetched_at",
}


def assert_keys_are_unique(con: duckdb.DuckDBPyConnection) -> None:
    for table, key in KEYS.items():
        duplicates = rows(con, f"SELECT {key} FROM {table} GROUP BY ALL HAVING count(*) > 1")
        assert duplicates == [], f"duplicate keys in {table}"


@pytest.fixture
def staging(tmp_path: Path) -> Path:
    return tmp_path / "staging"


# --- staging --------------------------------------------------------------------------------


def test_write_batch_is_complete_and_readable(staging: Path) -> None:
    path = stage.write_batch(staging, observation(T[0], bodies("a", "b"), batch_id="run/1"))
    assert path == staging / "run_1"
    assert stage.read_batch_id(path) == "run/1"
    assert sorted(p.name for p in path.iterdir()) == [
        "_COMPLETE",
        "discovered_items.parquet",
        "entries.parquet",
        "fetches.parquet",
        "outlet_feeds.parquet",
        "pages.parquet",
        "sources.parquet",
    ]
    count = duckdb.sql(f"SELECT count(*) FROM '{path / 'entries.parquet'}'").fetchone()
    assert count == (2,)
    assert not path.with_name("run_1.partial").exists()


def test_rewriting_a_batch_replaces_it(staging: Path) -> None:
    stage.write_batch(staging, observation(T[0], bodies("a", "b"), batch_id="b"))
    path = stage.write_batch(staging, observation(T[0], bodies("a"), batch_id="b"))
    count = duckdb.sql(f"SELECT count(*) FROM '{path / 'entries.parquet'}'").fetchone()
    assert count == (1,)


def test_incomplete_batch_is_refused(tmp_path: Path) -> None:
    (tmp_path / "half").mkdir()
    with pytest.raises(BatchError, match="_COMPLETE"):
        stage.read_batch_id(tmp_path / "half")


# --- loading --------------------------------------------------------------------------------


def test_new_entries_get_one_new_version_each(
    warehouse: duckdb.DuckDBPyConnection, staging: Path
) -> None:
    report = load(warehouse, staging, observation(T[0], bodies("a", "b", "c")))
    assert report.counts() == {
        "batches": 1,
        "fetch_rows": 1,
        "page_rows": 1,
        "entry_rows": 3,
        "new_versions": 3,
    }
    assert rows(warehouse, "SELECT entry_id, change_kind FROM entry_versions ORDER BY 1") == [
        ("a", "new"),
        ("b", "new"),
        ("c", "new"),
    ]
    seen = "SELECT first_seen_at, last_seen_at FROM entries WHERE entry_id = 'a'"
    assert rows(warehouse, seen) == [(T[0], T[0])]
    assert rows(warehouse, "SELECT last_observed_at, etag FROM sources") == [
        (T[0], rows(warehouse, "SELECT etag FROM fetches")[0][0])
    ]
    assert_history_is_consistent(warehouse)


def test_loading_the_same_batch_twice_changes_nothing(
    warehouse: duckdb.DuckDBPyConnection, staging: Path
) -> None:
    batch = observation(T[0], bodies("a", "b"))
    load(warehouse, staging, batch)
    before = table_counts(warehouse)
    again = load(warehouse, staging, batch)
    assert again.batches == 0
    assert again.counts() == dict.fromkeys(again.counts(), 0)
    assert table_counts(warehouse) == before
    assert_keys_are_unique(warehouse)


def test_unchanged_entries_add_no_versions(
    warehouse: duckdb.DuckDBPyConnection, staging: Path
) -> None:
    load(warehouse, staging, observation(T[0], bodies("a", "b")))
    report = load(warehouse, staging, observation(T[1], bodies("a", "b")))
    assert (report.entry_rows, report.new_versions) == (2, 0)
    assert rows(warehouse, "SELECT last_seen_at FROM entries WHERE entry_id = 'a'") == [(T[1],)]
    assert len(versions(warehouse, "a")) == 1


def test_unchanged_entries_take_the_new_position_and_metadata(
    warehouse: duckdb.DuckDBPyConnection, staging: Path
) -> None:
    load(warehouse, staging, observation(T[0], bodies("a", "b")))
    later = observation(T[1], bodies("z", "a", "b"))  # z is posted on top
    later.rows["entries"][2]["authors"] = ["Redaktion", "dpa"]
    load(warehouse, staging, later)
    assert rows(
        warehouse,
        "SELECT entry_id, position, authors, first_seen_at, last_seen_at FROM entries "
        "ORDER BY position",
    ) == [
        ("z", 0, ["Redaktion"], T[1], T[1]),
        ("a", 1, ["Redaktion"], T[0], T[1]),
        ("b", 2, ["Redaktion", "dpa"], T[0], T[1]),
    ]
    assert [len(versions(warehouse, i)) for i in "zab"] == [1, 1, 1]
    assert_history_is_consistent(warehouse)


def test_an_entry_id_twice_on_one_page_keeps_the_top_most(
    warehouse: duckdb.DuckDBPyConnection, staging: Path
) -> None:
    page = observation(T[0], bodies("a", "b"))
    page.rows["entries"].append(entry_row(SOURCE, T[0], "a", "Weiter unten.", 2))
    report = load(warehouse, staging, page)
    assert (report.entry_rows, report.new_versions) == (2, 2)
    assert rows(warehouse, "SELECT body FROM entries WHERE entry_id = 'a'") == [("Text a.",)]
    assert_history_is_consistent(warehouse)


def test_edit_closes_the_old_version_and_opens_an_edited_one(
    warehouse: duckdb.DuckDBPyConnection, staging: Path
) -> None:
    load(warehouse, staging, observation(T[0], bodies("a", "b")))
    report = load(warehouse, staging, observation(T[1], bodies("a", "b", a="Korrigiert.")))
    assert report.new_versions == 1
    assert versions(warehouse, "a") == [("new", T[0], T[1]), ("edited", T[1], None)]
    assert rows(
        warehouse, "SELECT body, first_seen_at, last_seen_at FROM entries WHERE entry_id = 'a'"
    ) == [("Korrigiert.", T[0], T[1])]
    assert rows(
        warehouse, "SELECT body FROM entry_versions WHERE entry_id = 'a' ORDER BY valid_from"
    ) == [("Text a.",), ("Korrigiert.",)]
    assert versions(warehouse, "b") == [("new", T[0], None)]
    assert_history_is_consistent(warehouse)


def test_entry_missing_twice_is_deleted_and_restored_when_back(
    warehouse: duckdb.DuckDBPyConnection, staging: Path
) -> None:
    load(warehouse, staging, observation(T[0], bodies("a", "b", "c")))
    load(warehouse, staging, observation(T[1], bodies("a", "b")))
    assert rows(warehouse, "SELECT missing_count, is_deleted FROM entries WHERE entry_id='c'") == [
        (1, False)
    ]
    assert_history_is_consistent(warehouse)

    report = load(warehouse, staging, observation(T[2], bodies("a", "b")))
    assert report.new_versions == 1
    assert rows(warehouse, "SELECT is_deleted FROM entries WHERE entry_id = 'c'") == [(True,)]
    assert versions(warehouse, "c") == [("new", T[0], T[2]), ("deleted", T[2], None)]
    assert live_ids(warehouse) == ["a", "b"]
    assert_history_is_consistent(warehouse)

    load(warehouse, staging, observation(T[3], bodies("a", "b", "c")))
    assert versions(warehouse, "c") == [
        ("new", T[0], T[2]),
        ("deleted", T[2], T[3]),
        ("restored", T[3], None),
    ]
    assert rows(warehouse, "SELECT missing_count, is_deleted FROM entries WHERE entry_id='c'") == [
        (0, False)
    ]
    assert_history_is_consistent(warehouse)


def test_misses_must_be_consecutive(warehouse: duckdb.DuckDBPyConnection, staging: Path) -> None:
    for at, ids in zip(T, [("a", "b", "c"), ("a", "b"), ("a", "b", "c"), ("a", "b")], strict=False):
        load(warehouse, staging, observation(at, bodies(*ids)))
    assert live_ids(warehouse) == ["a", "b", "c"]
    assert rows(warehouse, "SELECT missing_count FROM entries WHERE entry_id = 'c'") == [(1,)]


def test_deletion_threshold_is_configurable(
    warehouse: duckdb.DuckDBPyConnection, staging: Path
) -> None:
    load(warehouse, staging, observation(T[0], bodies("a", "b")))
    path = stage.write_batch(staging, observation(T[1], bodies("a")))
    load_batches(warehouse, [path], load_id="one-miss", now=T[1], deletion_threshold=1)
    assert live_ids(warehouse) == ["a"]


def test_suspect_page_that_lost_most_entries_deletes_nothing(
    warehouse: duckdb.DuckDBPyConnection, staging: Path
) -> None:
    everything = bodies("a", "b", "c", "d", "e", "f")
    load(warehouse, staging, observation(T[0], everything))
    for at in T[1:4]:
        report = load(warehouse, staging, observation(at, bodies("a", "b")))
        assert report.new_versions == 0
    assert live_ids(warehouse) == sorted(everything)
    assert rows(warehouse, "SELECT max(missing_count) FROM entries") == [(0,)]
    assert_history_is_consistent(warehouse)


def test_page_keeping_half_its_entries_is_not_suspect(
    warehouse: duckdb.DuckDBPyConnection, staging: Path
) -> None:
    load(warehouse, staging, observation(T[0], bodies("a", "b", "c", "d", "e", "f")))
    load(warehouse, staging, observation(T[1], bodies("a", "b", "c")))
    load(warehouse, staging, observation(T[2], bodies("a", "b", "c")))
    assert live_ids(warehouse) == ["a", "b", "c"]
    assert_history_is_consistent(warehouse)


def test_observation_older_than_the_watermark_is_ignored(
    warehouse: duckdb.DuckDBPyConnection, staging: Path
) -> None:
    load(warehouse, staging, observation(T[2], bodies("a", a="Neu.")))
    report = load(warehouse, staging, observation(T[1], bodies("a", "b", a="Alt.")))
    assert (report.batches, report.fetch_rows, report.page_rows) == (1, 1, 1)
    assert (report.entry_rows, report.new_versions) == (0, 0)
    assert rows(warehouse, "SELECT entry_id, body FROM entries") == [("a", "Neu.")]
    assert versions(warehouse, "a") == [("new", T[2], None)]
    assert rows(warehouse, "SELECT last_observed_at FROM sources") == [(T[2],)]


def test_batches_in_one_load_apply_in_fetch_time_order(
    warehouse: duckdb.DuckDBPyConnection, staging: Path
) -> None:
    later = observation(T[1], bodies("a", a="Zweite Fassung."))
    earlier = observation(T[0], bodies("a"))
    report = load(warehouse, staging, later, earlier)
    assert (report.batches, report.new_versions) == (2, 2)
    assert versions(warehouse, "a") == [("new", T[0], T[1]), ("edited", T[1], None)]
    assert rows(warehouse, "SELECT last_observed_at FROM sources") == [(T[1],)]
    assert_history_is_consistent(warehouse)


def test_sources_are_independent(warehouse: duckdb.DuckDBPyConnection, staging: Path) -> None:
    load(
        warehouse,
        staging,
        observation(T[0], bodies("a1", "a2"), source_id="alpha"),
        observation(T[0], bodies("b1", "b2"), source_id="beta"),
    )
    for at in T[1:3]:
        load(warehouse, staging, observation(at, bodies("a1"), source_id="alpha"))
    assert live_ids(warehouse) == ["a1", "b1", "b2"]
    assert_history_is_consistent(warehouse)


def test_not_modified_fetch_keeps_validators(
    warehouse: duckdb.DuckDBPyConnection, staging: Path
) -> None:
    load(warehouse, staging, observation(T[0], bodies("a")))
    (etag,) = rows(warehouse, "SELECT etag FROM sources")[0]
    not_modified = stage.Batch("not-modified")
    not_modified.rows["sources"] = observation(T[1], {}).rows["sources"]
    not_modified.add(
        "fetches",
        {"source_id": SOURCE, "url": PAGE, "fetched_at": T[1], "attempt": 1, "status": 304},
    )
    report = load(warehouse, staging, not_modified)
    assert (report.fetch_rows, report.page_rows, report.entry_rows) == (1, 0, 0)
    # A 304 writes only its fetch row: the validators still come from the 200 at T[0].
    assert rows(warehouse, "SELECT etag, validated_at, last_observed_at FROM sources") == [
        (etag, T[0], T[0])
    ]
    assert live_ids(warehouse) == ["a"]


def test_duplicate_staging_of_one_observation_counts_one_miss(
    warehouse: duckdb.DuckDBPyConnection, staging: Path
) -> None:
    load(warehouse, staging, observation(T[0], bodies("a", "b", "c")))
    load(
        warehouse,
        staging,
        observation(T[1], bodies("a", "b"), batch_id="attempt-1"),
        observation(T[1], bodies("a", "b"), batch_id="attempt-2"),
    )
    assert live_ids(warehouse) == ["a", "b", "c"]


def test_page_staged_twice_in_one_load_takes_the_later_batch(
    warehouse: duckdb.DuckDBPyConnection, staging: Path
) -> None:
    first = observation(T[0], bodies("a", "b"), batch_id="attempt-1")
    second = observation(T[0], bodies("a", a="Spätere Fassung."), batch_id="attempt-2")
    second.rows["fetches"][0]["elapsed_ms"] = 99
    report = load(warehouse, staging, first, second)
    assert (report.fetch_rows, report.page_rows, report.entry_rows) == (1, 1, 1)
    assert rows(warehouse, "SELECT entry_id, body FROM entries") == [("a", "Spätere Fassung.")]
    assert rows(
        warehouse,
        "SELECT elapsed_ms, entry_count FROM fetches JOIN pages USING (source_id, fetched_at)",
    ) == [(99, 1)]
    assert_history_is_consistent(warehouse)


def test_empty_page_deletes_nothing_even_on_a_small_ticker(
    warehouse: duckdb.DuckDBPyConnection, staging: Path
) -> None:
    load(warehouse, staging, observation(T[0], bodies("a", "b")))
    for at in T[1:4]:
        load(warehouse, staging, observation(at, {}))
    assert live_ids(warehouse) == ["a", "b"]
    assert rows(warehouse, "SELECT max(missing_count) FROM entries") == [(0,)]


def test_load_records_its_id_batches_and_counts(
    warehouse: duckdb.DuckDBPyConnection, staging: Path
) -> None:
    paths = [stage.write_batch(staging, observation(T[0], bodies("a", "b")))]
    load_batches(warehouse, paths, load_id="run-1", now=T[1])
    assert rows(warehouse, "SELECT * FROM loads") == [("run-1", T[1], ["alpha-1200"], 1, 1, 2, 2)]
    assert rows(warehouse, "SELECT DISTINCT load_id FROM entry_versions") == [("run-1",)]
    assert rows(warehouse, "SELECT * FROM loaded_batches") == [("alpha-1200", "run-1")]


def test_fetch_parse_shard_against_a_replay_server(
    warehouse_path: Path, tmp_path: Path, fetched_at: datetime
) -> None:
    root = tmp_path / "replay" / SOURCE
    root.mkdir(parents=True)
    first = "<h2>Donnerstag, 14. August 2025</h2><h2>21.15 Uhr: Eins</h2><p>Text eins.</p>"
    second = "<h2>Donnerstag, 14. August 2025</h2><h2>21.15 Uhr: Eins</h2><p>Text neu.</p>"
    (root / snapshot_name(T[0], "html")).write_text(f"<html><body>{first}</body></html>")
    (root / snapshot_name(T[1], "html")).write_text(f"<html><body>{second}</body></html>")
    settings = replace(from_env({}), warehouse=warehouse_path, data_dir=tmp_path / "data")
    with ReplayServer(tmp_path / "replay") as server:
        source = Source(
            SOURCE, server.source_url(SOURCE), timezone="Europe/Berlin", allow_private=True
        )
        for index, at in enumerate((fetched_at, fetched_at + timedelta(minutes=5))):
            shard = cycle.plan_shards([source], backend.read_state(settings), now=at)[0]
            path = cycle.fetch_parse_shard(shard, settings, batch_id=f"r{index}", now=at)
            backend.load(on_file(warehouse_path), [path], load_id=f"r{index}", now=at)
            server.clock.advance()
    with connect(warehouse_path, read_only=True) as con:
        assert rows(con, "SELECT status, changed FROM fetches ORDER BY fetched_at") == [
            (200, True),
            (200, True),
        ]
        assert rows(con, "SELECT change_kind FROM entry_versions ORDER BY valid_from") == [
            ("new",),
            ("edited",),
        ]
        assert rows(con, "SELECT headline, body, published_at FROM entries") == [
            ("Eins", "Text neu.", datetime(2025, 8, 14, 19, 15, tzinfo=UTC))
        ]
    assert len(list((tmp_path / "data" / "archive").rglob("*.gz"))) == 2


# --- migrations and extensions --------------------------------------------------------------


def test_migrations_are_recorded(warehouse: duckdb.DuckDBPyConnection) -> None:
    names = [(f.stem,) for f in migration_files()]
    assert names[0] == ("001_initial",)
    assert rows(warehouse, "SELECT name FROM _migrations ORDER BY 1") == names
    assert migrate(warehouse, Path("again")) == []
    assert rows(warehouse, "SELECT count(*) FROM _migrations") == [(len(names),)]
    views = rows(warehouse, "SELECT view_name FROM duckdb_views() WHERE NOT internal ORDER BY 1")
    assert {"entry_history", "source_health", "timeline", "story_timeline"} <= {v for (v,) in views}


def test_reconnecting_keeps_data(warehouse_path: Path) -> None:
    with connect(warehouse_path) as con:
        con.execute("INSERT INTO loaded_batches VALUES ('b', 'l')")
    with connect(warehouse_path, read_only=True) as con:
        assert rows(con, "SELECT batch_id FROM loaded_batches") == [("b",)]


@pytest.mark.parametrize("read_only", [False, True])
def test_unknown_migration_refuses_to_open(warehouse_path: Path, read_only: bool) -> None:
    with connect(warehouse_path) as con:
        con.execute("INSERT INTO _migrations VALUES ('999_from_the_future', now())")
    with pytest.raises(WarehouseVersionError, match="999_from_the_future"):
        connect(warehouse_path, read_only=read_only)


@pytest.mark.parametrize(
    ("name", "loaded_as"),
    [("fts", "fts"), ("ducklake", "ducklake"), ("postgres", "postgres_scanner")],
)
def test_extensions_load_offline_from_the_wheels(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path, name: str, loaded_as: str
) -> None:
    warehouse.execute(f"SET extension_directory = '{tmp_path / 'extensions'}'")
    load_extension(warehouse, name)
    loaded = rows(
        warehouse, "SELECT loaded FROM duckdb_extensions() WHERE extension_name = ?", loaded_as
    )
    assert loaded == [(True,)]
