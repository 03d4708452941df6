"""The DuckLake backend against the local PostgreSQL (a fresh catalog database per test):
same schema and views, same versions as the DuckDB file, 4 concurrent writer processes
plus a reader with no lost commits and no blocked reads, and corpus load, enrich and
reprocess giving the rows they give on the DuckDB file."""

from __future__ import annotations

import functools
import json
import logging
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipeline import stage
from pipeline.cli.main import main
from pipeline.demo.replay import ReplayServer
from pipeline.enrich.corpus import BUNDLED, load_into
from pipeline.enrich.run import DERIVED, enrich_warehouse
from pipeline.errors import WarehouseMissingError
from pipeline.reprocess import Selection, reprocess
from pipeline.settings import LakeConfig, Settings, from_env
from pipeline.warehouse import backend, connect
from pipeline.warehouse.backend import reading, writing
from pipeline.warehouse.db import transaction
from pipeline.warehouse.lake import connect_lake, with_retries
from pipeline.warehouse.load import load_batches
from tests.support.enrich_fixtures import insert_seed_ticker
from tests.support.settings import on_file
from tests.test_reprocess import ENTRY_VIEW, TIMES, make_settings, run_all_snapshots
from tests.warehouse.test_stage_load import T, observation

pytestmark = [pytest.mark.services, pytest.mark.integration]
WRITERS = 4
LOADS_PER_WRITER = 3  # new, edited, one miss: every load updates tables the others insert into
# Per source: an edit, a deletion (two misses), a restoration.
HISTORY: list[dict[str, str]] = [
    {"a": "A.", "b": "B.", "c": "C.", "d": "D."},
    {"a": "A, korrigiert.", "b": "B.", "c": "C.", "d": "D."},
    {"a": "A, korrigiert.", "b": "B.", "c": "C."},
    {"a": "A, korrigiert.", "b": "B.", "c": "C."},
    {"a": "A, korrigiert.", "b": "B.", "c": "C.", "d": "D."},
]
VERSIONS = "SELECT entry_id, change_kind, valid_from, valid_to, content_hash FROM entry_versions"


def staged_history(staging: Path, source_id: str, loads: int = len(HISTORY)) -> list[Path]:
    return [
        stage.write_batch(
            staging,
            observation(
                at,
                {f"{source_id}-{k}": v for k, v in bodies.items()},
                source_id=source_id,
                batch_id=f"{source_id}-{number}",
            ),
        )
        for number, (at, bodies) in enumerate(zip(T, HISTORY[:loads], strict=False))
    ]


def write_all(lake: LakeConfig, paths: list[Path]) -> int:
    """A writer process: one load transaction per batch, on one connection."""
    with connect_lake(lake) as con:
        for path in paths:
            load = functools.partial(load_batches, con, [path], load_id=path.name, now=T[-1])
            with_retries(load)
    return len(paths)


def read_until(lake: LakeConfig, done: Path) -> list[int]:
    """A reader process: count committed loads until the writers are done."""
    seen: list[int] = []
    with connect_lake(lake, read_only=True) as con:
        while not done.exists() and len(seen) < 100_000:
            seen.append(_count(con, "SELECT count(*) FROM loads"))
            time.sleep(0.05)  # pacing only: leave the two CPUs to the writers
        seen.append(_count(con, "SELECT count(*) FROM loads"))
    return seen


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row else 0


@pytest.fixture
def lake(postgres_dsn: str, tmp_path: Path) -> LakeConfig:
    config = LakeConfig(catalog=postgres_dsn, data_path=str(tmp_path / "lake-data"))
    connect_lake(config).close()  # migrate once, as a deployment does before the writers
    return config


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[Any, ...]]:
    return con.execute(sql + " ORDER BY ALL").fetchall()


def tables(settings: Settings, names: tuple[str, ...]) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of `names`, floats to 12 digits: BM25 is a SQL sum, whose order of
    addition (so the last bit) depends on the threads."""
    with reading(settings) as con:
        return {t: [_rounded(r) for r in rows(con, f"SELECT * FROM {t}")] for t in names}


def _rounded(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(float(f"{v:.12g}") if isinstance(v, float) else v for v in row)


def backends(lake: LakeConfig, folder: Path) -> tuple[Settings, Settings]:
    """Settings of a DuckDB file and of the lake, same data folder."""
    file = make_settings(folder)
    return file, replace(file, lake=lake)


def test_backend_is_chosen_by_configuration(tmp_path: Path) -> None:
    env = {
        "TICKERLAKE_BACKEND": "ducklake",
        "TICKERLAKE_DUCKLAKE_CATALOG": "host=127.0.0.1 dbname=lake",
        "TICKERLAKE_DUCKLAKE_DATA": str(tmp_path),
    }
    assert from_env(env).lake == LakeConfig("host=127.0.0.1 dbname=lake", str(tmp_path))
    assert from_env({}).lake is None


def test_same_views_and_versions_as_the_duckdb_file(
    lake: LakeConfig, warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    paths = staged_history(tmp_path / "staging", "alpha")
    with connect_lake(lake) as con:
        for path in paths:
            load_batches(con, [path], load_id=path.name, now=T[-1])
            load_batches(warehouse, [path], load_id=path.name, now=T[-1])
        views = "SELECT view_name FROM duckdb_views() WHERE database_name = current_database()"
        assert rows(con, views) == rows(warehouse, views + " AND NOT internal")
        assert rows(con, VERSIONS) == rows(warehouse, VERSIONS)
        assert rows(con, "SELECT * FROM timeline") == rows(warehouse, "SELECT * FROM timeline")
        health = "SELECT * FROM source_health"
        assert rows(con, health) == rows(warehouse, health)
    again = backend.load(
        on_file(tmp_path / "unused.duckdb", lake), paths, load_id="again", now=T[-1]
    )
    assert again.batches == 0
    assert not (tmp_path / "unused.duckdb").exists()


def test_concurrent_writers_lose_no_commits_and_the_reader_never_blocks(
    lake: LakeConfig, tmp_path: Path
) -> None:
    sources = [f"writer{n}" for n in range(WRITERS)]
    staged = {s: staged_history(tmp_path / "staging", s, LOADS_PER_WRITER) for s in sources}
    done = tmp_path / "writers-done"
    with ProcessPoolExecutor(WRITERS + 1, mp_context=get_context("spawn")) as pool:
        reader = pool.submit(read_until, lake, done)
        writers = [pool.submit(write_all, lake, staged[s]) for s in sources]
        assert [w.result() for w in writers] == [LOADS_PER_WRITER] * WRITERS
        done.touch()
        seen = reader.result()
    assert seen == sorted(seen) and seen[-1] == WRITERS * LOADS_PER_WRITER

    # The same batches loaded one after another into a DuckDB file give the same history.
    with connect(tmp_path / "serial.duckdb") as serial:
        for paths in staged.values():
            for path in paths:
                load_batches(serial, [path], load_id=path.name, now=T[-1])
        with connect_lake(lake, read_only=True) as con:
            assert rows(con, VERSIONS) == rows(serial, VERSIONS)
            total = WRITERS * LOADS_PER_WRITER
            assert rows(con, "SELECT count(*) FROM loaded_batches") == [(total,)]
            assert rows(con, "SELECT change_kind, count(*) FROM entry_versions GROUP BY 1") == [
                ("edited", WRITERS),
                ("new", WRITERS * 4),
            ]
            assert rows(con, "SELECT sum(missing_count) FROM entries") == [(WRITERS,)]


def test_a_new_lake_has_no_state_and_readers_get_a_named_error(
    postgres_dsn: str, tmp_path: Path
) -> None:
    """Before the first load the catalog holds no DuckLake: planning sees no sources, an
    analyst gets WarehouseMissingError, not DuckDB's message."""
    lake = LakeConfig(catalog=postgres_dsn, data_path=str(tmp_path / "lake-data"))
    assert backend.read_state(on_file(Path("unused"), lake)) == {}
    with pytest.raises(WarehouseMissingError, match="no warehouse here yet"):
        connect_lake(lake, read_only=True)


def seed(settings: Settings, staging: Path) -> None:
    """The same batches, seed corpus (loaded twice: the refresh path) and seed ticker."""
    backend.load(settings, staged_history(staging, "alpha"), load_id="h", now=T[-1])
    for _ in range(2):
        assert load_into(settings, BUNDLED, corpus="seed", now=T[0]) == 5
    with writing(settings) as con:
        insert_seed_ticker(con, "alaska-jsonld", T[-1])


def test_corpus_and_enrich_give_the_rows_of_the_duckdb_file(
    lake: LakeConfig, tmp_path: Path
) -> None:
    file, on_lake = backends(lake, tmp_path)
    for settings in (file, on_lake):
        seed(settings, tmp_path / "staging")
    corpus = ("documents", "document_paragraphs")
    assert tables(on_lake, corpus) == tables(file, corpus)
    report = enrich_warehouse(on_lake, now=T[-1])
    assert report == enrich_warehouse(file, now=T[-1])
    assert report.stories > 0 and report.links >= 2
    expected = tables(file, DERIVED)
    assert tables(on_lake, DERIVED) == expected
    assert enrich_warehouse(on_lake, now=T[-1]) == report  # replaced, not added to
    assert tables(on_lake, DERIVED) == expected


def test_cli_corpus_load_and_enrich_on_the_lake(
    lake: LakeConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setenv("TICKERLAKE_BACKEND", "ducklake")
    monkeypatch.setenv("TICKERLAKE_DUCKLAKE_CATALOG", lake.catalog)
    monkeypatch.setenv("TICKERLAKE_DUCKLAKE_DATA", lake.data_path)
    unused = tmp_path / "unused.duckdb"
    assert main(["--warehouse", str(unused), "corpus", "load"]) == 0
    with connect_lake(lake) as con:
        insert_seed_ticker(con, "alaska-jsonld", T[-1])
    assert main(["--warehouse", str(unused), "enrich"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "loaded 5 documents into corpus 'seed'"
    assert json.loads(lines[-1])["stories"] > 0
    assert not unused.exists()


def test_reprocess_on_the_lake_reproduces_the_original_run(
    lake: LakeConfig, replay: ReplayServer, tmp_path: Path
) -> None:
    _, on_lake = backends(lake, tmp_path)
    run_all_snapshots(replay, on_lake, tmp_path)
    state = {"entries": "SELECT * FROM entries", "versions": ENTRY_VIEW.split(" ORDER BY")[0],
             "pages": "SELECT * EXCLUDE (load_id) FROM pages"}  # fmt: skip
    with reading(on_lake) as con:
        before = {k: rows(con, sql) for k, sql in state.items()}
    report = reprocess(on_lake, Selection(), load_id="re-1", now=TIMES[-1])
    assert report.new_versions == len(before["versions"])
    with reading(on_lake) as con:
        assert {k: rows(con, sql) for k, sql in state.items()} == before
    assert not on_lake.warehouse.exists()


def test_a_forced_write_conflict_is_retried_and_counted(
    lake: LakeConfig, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Two writers update the same `sources` row; the one that commits second conflicts,
    is rolled back and run again by `with_retries`, and its change is the one kept."""
    with connect_lake(lake) as first, connect_lake(lake) as second:
        load_batches(first, staged_history(tmp_path, "alpha", 1), load_id="start", now=T[0])
        attempts: list[int] = []

        def work() -> None:
            attempts.append(len(attempts) + 1)
            with transaction(second):
                second.execute("UPDATE sources SET etag = 'second' WHERE source_id = 'alpha'")
                if len(attempts) == 1:  # a concurrent commit lands in between, once
                    first.execute("UPDATE sources SET etag = 'first' WHERE source_id = 'alpha'")

        with caplog.at_level(logging.INFO, logger="pipeline.warehouse.lake"):
            with_retries(work, wait=0.001)
        assert attempts == [1, 2]
        conflicts = [r for r in caplog.records if "write conflict (attempt 1)" in r.getMessage()]
        assert len(conflicts) == 1
        assert rows(second, "SELECT etag FROM sources WHERE source_id = 'alpha'") == [("second",)]


def test_two_writers_on_one_batch_list_equal_the_serial_result(
    lake: LakeConfig, tmp_path: Path
) -> None:
    paths = staged_history(tmp_path / "staging", "alpha")
    with ProcessPoolExecutor(2, mp_context=get_context("spawn")) as pool:
        writers = [pool.submit(write_all, lake, paths) for _ in range(2)]
        assert [w.result() for w in writers] == [len(paths)] * 2
    with connect(tmp_path / "serial.duckdb") as serial:
        for path in paths:
            load_batches(serial, [path], load_id=path.name, now=T[-1])
        with connect_lake(lake, read_only=True) as con:
            for table in (VERSIONS, "SELECT * FROM loads", "SELECT * FROM loaded_batches"):
                assert rows(con, table) == rows(serial, table)
