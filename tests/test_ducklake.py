"""The DuckLake backend against the local PostgreSQL (a fresh catalog database per test):
same schema and views, same versions as the DuckDB file, and 4 concurrent writer
processes plus a reader with no lost commits and no blocked reads."""

from __future__ import annotations

import functools
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipeline import cycle, stage
from pipeline.errors import WarehouseMissingError
from pipeline.settings import LakeConfig, from_env
from pipeline.warehouse import connect
from pipeline.warehouse.lake import connect_lake, with_retries
from pipeline.warehouse.load import load_batches
from tests.test_stage_load import T, observation

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
    again = cycle.load(tmp_path / "unused.duckdb", paths, load_id="again", now=T[-1], lake=lake)
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
    assert cycle.read_state(Path("unused"), lake) == {}
    with pytest.raises(WarehouseMissingError, match="no warehouse here yet"):
        connect_lake(lake, read_only=True)
