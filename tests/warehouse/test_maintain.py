"""Maintenance: staged batches deleted once loaded and kept (then loaded) after a failed
load, the DuckLake file count held down by `tickerlake maintain`, the archive held to its
retention, and nothing lost on the way."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import duckdb
import pytest

from pipeline import stage
from pipeline.fetch import archive
from pipeline.maintain import maintain
from pipeline.settings import LakeConfig, Retention, Settings
from pipeline.warehouse import backend, connect, lake, snapshot
from pipeline.warehouse import maintain as warehouse_maintain
from pipeline.warehouse.lake import connect_lake
from pipeline.warehouse.load import load_batches
from tests.support.settings import on_file
from tests.warehouse.test_stage_load import observation

START = datetime(2025, 8, 14, 6, 0, tzinfo=UTC)
SOURCES = ("alpha", "beta", "gamma")
CYCLES = 30  # 2-minute cycles, accelerated: loaded back to back
MAINTAIN_EVERY = 10
HISTORY = "SELECT * EXCLUDE (load_id) FROM entry_versions ORDER BY entry_id, valid_from"
ENTRIES = "SELECT * FROM entries ORDER BY entry_id"


def cycle_time(number: int) -> datetime:
    return START + timedelta(minutes=2 * number)


def entries_at(number: int, source_id: str) -> dict[str, str]:
    """A live ticker: an entry every other cycle, the first one edited every seventh, the
    second one gone from cycle 20 on (deleted after two misses)."""
    ids = [k for k in range(number // 2 + 1) if not (k == 1 and number >= 20)]
    return {f"{source_id}-{k}": f"Text {k}, Stand {number // 7 if k == 0 else 0}." for k in ids}


def cycle_batch(number: int) -> stage.Batch:
    """One cycle's batch: every source fetched once, as a shard stages them."""
    batch = stage.Batch(f"cycle-{number:04d}")
    at = cycle_time(number)
    for source_id in SOURCES:
        one = observation(at, entries_at(number, source_id), source_id=source_id)
        for table, rows in one.rows.items():
            batch.rows[table].extend(rows)
    return batch


def staged_batches(settings: Settings) -> list[Path]:
    """Complete batches still in staging (whatever their age)."""
    return stage.leftovers(settings.staging_dir, before=time.time() + 3600)


def run_cycle(settings: Settings, number: int) -> None:
    path = stage.write_batch(settings.staging_dir, cycle_batch(number))
    backend.load_staged(settings, [path], load_id=f"load-{number:04d}", now=cycle_time(number))


def age(path: Path, seconds: float) -> None:
    """Make a staged batch look written `seconds` ago."""
    marker = path / stage.COMPLETE
    then = time.time() - seconds
    os.utime(marker, (then, then))


def rows(settings: Settings, sql: str) -> list[tuple[Any, ...]]:
    with backend.reading(settings) as con:
        return con.execute(sql).fetchall()


@pytest.fixture
def on_disk(tmp_path: Path) -> Settings:
    return on_file(tmp_path / "wh" / "tickerlake.duckdb")


# --- staging -----------------------------------------------------------------------------


def test_a_loaded_batch_is_deleted_after_the_reader_snapshot(on_disk: Settings) -> None:
    run_cycle(on_disk, 0)
    assert list(on_disk.staging_dir.iterdir()) == []
    assert snapshot.reader_path(on_disk.warehouse).exists()
    assert rows(on_disk, "SELECT count(*) FROM loaded_batches") == [(1,)]


def test_a_failed_load_keeps_its_batch_and_a_later_load_takes_it(on_disk: Settings) -> None:
    """The commit happened but the snapshot copy failed: the batch stays; the next load
    finds it already loaded and only deletes it. A batch whose load never ran is loaded
    by the next load, in a load of its own."""
    with (
        mock.patch.object(backend, "publish_reader", side_effect=OSError("disk full")),
        pytest.raises(OSError, match="disk full"),
    ):
        run_cycle(on_disk, 0)
    (committed,) = staged_batches(on_disk)
    never_loaded = stage.write_batch(on_disk.staging_dir, cycle_batch(1))
    for path in (committed, never_loaded):
        age(path, backend.LEFTOVER_AGE + 1)
    run_cycle(on_disk, 2)
    assert staged_batches(on_disk) == []
    assert rows(on_disk, "SELECT load_id, batches FROM loads ORDER BY load_id") == [
        ("load-0000", ["cycle-0000"]),
        ("load-0002", ["cycle-0002"]),
        ("load-0002+cycle-0001", ["cycle-0001"]),
    ]


def test_a_young_batch_is_left_to_its_own_load(on_disk: Settings) -> None:
    waiting = stage.write_batch(on_disk.staging_dir, cycle_batch(0))  # a watch run's, say
    run_cycle(on_disk, 1)
    assert staged_batches(on_disk) == [waiting]


def test_a_batch_that_cannot_be_read_stays_and_does_not_block_loads(
    on_disk: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    broken = stage.write_batch(on_disk.staging_dir, cycle_batch(0))
    (broken / "entries.parquet").write_bytes(b"not parquet")
    age(broken, backend.LEFTOVER_AGE + 1)
    with caplog.at_level(logging.WARNING):
        run_cycle(on_disk, 1)
    assert staged_batches(on_disk) == [broken]
    assert "kept: it does not load" in caplog.text
    assert rows(on_disk, "SELECT batches FROM loads") == [(["cycle-0001"],)]


def test_maintain_loads_leftovers_and_deletes_dead_partial_writes(on_disk: Settings) -> None:
    run_cycle(on_disk, 0)
    kept = stage.write_batch(on_disk.staging_dir, cycle_batch(1))
    age(kept, backend.LEFTOVER_AGE + 1)
    dead = on_disk.staging_dir / f"cycle-0002{stage.PARTIAL}"
    dead.mkdir()
    then = time.time() - backend.LEFTOVER_AGE - 1
    os.utime(dead, (then, then))
    report = maintain(on_disk, load_id="m", now=cycle_time(3))
    assert (report.batches_loaded, report.batches_removed) == (1, 2)
    assert list(on_disk.staging_dir.iterdir()) == []
    assert report.warehouse.files_after == 1
    assert report.lines()[0].startswith("warehouse: 1 -> 1 files, ")


def test_maintain_leaves_a_warehouse_not_created_yet_alone(on_disk: Settings) -> None:
    report = maintain(on_disk, load_id="m", now=cycle_time(0))
    assert report.warehouse.files_before == report.warehouse.files_after == 0
    assert not on_disk.warehouse.exists()


# --- the raw archive ---------------------------------------------------------------------


def archived(settings: Settings, body: bytes, *, days_ago: float) -> str:
    digest = archive.put(settings.archive_dir, body, "text/html")
    then = time.time() - days_ago * 86400
    for name in (f"{digest}.gz", f"{digest}.json"):
        path = Path(settings.archive_dir) / digest[:2] / name
        os.utime(path, (then, then))
    return digest


def test_archive_retention_keeps_what_recent_fetches_and_current_pages_need(
    on_disk: Settings,
) -> None:
    run_cycle(on_disk, 0)
    with connect(on_disk.warehouse) as con:
        now = datetime.now(UTC)
        old, refetched, current = (archived(on_disk, b, days_ago=40) for b in (b"o", b"r", b"c"))
        young = archived(on_disk, b"y", days_ago=1)
        con.execute(
            "UPDATE fetches SET sha256 = ?, fetched_at = ? WHERE source_id = 'alpha'",
            [refetched, now - timedelta(days=2)],
        )
        con.execute("UPDATE fetches SET fetched_at = ? WHERE source_id <> 'alpha'", [START])
        con.execute("UPDATE sources SET last_sha256 = ? WHERE source_id = 'beta'", [current])
    forever = maintain(on_disk, load_id="m1", now=now)
    assert forever.archive == archive.Pruned()
    thirty = replace(on_disk, retention=Retention(archive_days=30))
    report = maintain(thirty, load_id="m2", now=now)
    assert report.archive.bodies == 1 and report.archive.bytes > 0
    with pytest.raises(FileNotFoundError):
        archive.get(on_disk.archive_dir, old)
    assert archive.content_type(on_disk.archive_dir, old) is None
    for kept in (refetched, current, young):
        assert archive.get(on_disk.archive_dir, kept)


# --- a day of cycles ---------------------------------------------------------------------


class _Shared:
    """A lake connection that outlives `with` blocks: connecting to the catalog costs
    about a second here, so the accelerated day keeps one open (each call still runs
    the production load, commit and maintenance code on it)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def __enter__(self) -> duckdb.DuckDBPyConnection:
        return self.con

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self.con.execute("USE lake")  # as a fresh connection would be

    def execute(self, *args: Any) -> duckdb.DuckDBPyConnection:
        return self.con.execute(*args)


@pytest.fixture
def one_lake_connection(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    opened: dict[str, duckdb.DuckDBPyConnection] = {}

    def shared(config: LakeConfig, **_: bool) -> _Shared:
        if config.catalog not in opened:  # the writer serves the readers too
            opened[config.catalog] = connect_lake(config)
        return _Shared(opened[config.catalog])

    for module in (lake, backend, warehouse_maintain):
        monkeypatch.setattr(module, "connect_lake", shared)
    yield
    for con in opened.values():
        con.close()


def a_day(
    settings: Settings, *, maintain_every: int | None, cycles: int = CYCLES
) -> list[tuple[int, int]]:
    """`cycles` cycles, the middle one failing to load (its batch kept); maintenance
    every `maintain_every` cycles. The file counts before and after each maintenance."""
    counts = []
    for number in range(cycles):
        if number == cycles // 2:
            age(stage.write_batch(settings.staging_dir, cycle_batch(number)), 3600)
        else:
            run_cycle(settings, number)
        if maintain_every and (number + 1) % maintain_every == 0:
            report = maintain(settings, load_id=f"maintain-{number}", now=datetime.now(UTC))
            counts.append((report.warehouse.files_before, report.warehouse.files_after))
    return counts


def reference_day(warehouse: Path, *, cycles: int) -> Settings:
    """The same cycles without maintenance on one DuckDB file connection (the loader and
    its grouping of batches into loads, the kept batch loaded on its own before the next
    cycle, without the per-load reader snapshot)."""
    settings = on_file(warehouse)
    with connect(warehouse) as con:
        for number in range(cycles):
            path = stage.write_batch(settings.staging_dir, cycle_batch(number))
            if number == cycles // 2 + 1:
                kept = stage.batch_dir(settings.staging_dir, cycle_batch(number - 1).batch_id)
                load_batches(con, [kept], load_id="kept", now=cycle_time(number))
            if number != cycles // 2:
                load_batches(con, [path], load_id=f"load-{number:04d}", now=cycle_time(number))
    return settings


@pytest.mark.services
@pytest.mark.integration
@pytest.mark.usefixtures("one_lake_connection")
def test_a_day_of_cycles_leaves_no_batch_a_bounded_lake_and_loses_nothing(
    postgres_dsn: str, tmp_path: Path
) -> None:
    config = LakeConfig(catalog=postgres_dsn, data_path=str(tmp_path / "lake-data"))
    on_lake = replace(
        on_file(tmp_path / "unused.duckdb", config), retention=Retention(snapshot_hours=0)
    )
    counts = a_day(on_lake, maintain_every=MAINTAIN_EVERY)
    assert staged_batches(on_lake) == []
    assert len(counts) == CYCLES // MAINTAIN_EVERY
    per_cycle = (counts[1][0] - counts[0][1]) / MAINTAIN_EVERY
    assert per_cycle > 3  # every load writes files: unmaintained, the count grows
    after = [a for _, a in counts]
    assert max(after) <= after[0] + 10  # maintenance brings it back to the same bound
    assert max(after) < counts[0][0] / 4
    reference = reference_day(tmp_path / "reference.duckdb", cycles=CYCLES)
    for sql in (ENTRIES, HISTORY, "SELECT count(*), count(DISTINCT source_id) FROM fetches"):
        assert rows(on_lake, sql) == rows(reference, sql)
    assert rows(on_lake, "SELECT count(*) FROM loaded_batches") == [(CYCLES,)]


def test_a_day_on_the_duckdb_file_loses_nothing(tmp_path: Path) -> None:
    """Briefly (every load copies the file for the reader snapshot): 12 cycles."""
    maintained = on_file(tmp_path / "m" / "tickerlake.duckdb")
    counts = a_day(maintained, maintain_every=4, cycles=12)
    assert staged_batches(maintained) == []
    assert counts == [(1, 1)] * 3
    reference = reference_day(tmp_path / "reference.duckdb", cycles=12)
    for sql in (ENTRIES, HISTORY):
        assert rows(maintained, sql) == rows(reference, sql)
