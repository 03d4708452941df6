"""Keeping the warehouse small: what `tickerlake maintain` and the tickerlake_maintain DAG
run on the configured backend (pipeline.maintain adds the staging and archive steps).

DuckLake writes at least one Parquet file per table a load touches (data inlining is
off, see pipeline.warehouse.lake), about 5,500 a day on the 2-minute schedule
(bench/results/maintain.json), and keeps every snapshot for time travel. Maintenance
merges the small files
(`ducklake_merge_adjacent_files`, after `ducklake_rewrite_data_files` for files mostly
deleted), expires snapshots older than the retention (`ducklake_expire_snapshots`), and
deletes the files no snapshot needs any more (`ducklake_cleanup_old_files`) and those
no commit ever recorded (`ducklake_delete_orphaned_files`: a crashed load's). Merging
keeps every snapshot readable; expiring is what makes old files deletable, and it only
ends time travel to before the cutoff: tickerlake's own history is `entry_versions`.

The DuckDB file needs less: CHECKPOINT writes the WAL into the file and vacuums deleted
rows, so their blocks are reused (the file does not shrink; DuckDB's VACUUM statement
is a no-op for space and is not run). The reader snapshot is published afterwards.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import fsspec

from pipeline.errors import WarehouseMissingError
from pipeline.settings import LakeConfig, Settings
from pipeline.warehouse.backend import reading
from pipeline.warehouse.db import connect
from pipeline.warehouse.lake import ALIAS, connect_lake, with_retries
from pipeline.warehouse.snapshot import publish_reader

# A data file no commit recorded may be a load's that has not committed yet: orphans are
# deleted only when older than this.
ORPHAN_AGE = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Compaction:
    """What maintenance did to the warehouse: its files and bytes before and after."""

    files_before: int
    files_after: int
    bytes_before: int
    bytes_after: int
    files_merged: int = 0  # data files merged or rewritten into fewer
    snapshots_expired: int = 0
    files_deleted: int = 0  # files no snapshot (or no commit) refers to

    def counts(self) -> dict[str, int]:
        return asdict(self)


def compact(settings: Settings, *, now: datetime) -> Compaction:
    """Maintain the configured backend; snapshots older than the retention before `now`
    are expired (DuckLake). A warehouse not created yet is left alone (not created)."""
    try:
        reading(settings).close()
    except WarehouseMissingError:
        return Compaction(0, 0, 0, 0)
    if settings.lake is not None:
        keep = timedelta(hours=settings.retention.snapshot_hours)
        return compact_lake(
            settings.lake, expire_before=now - keep, orphans_before=now - ORPHAN_AGE
        )
    return checkpoint_file(settings.warehouse)


def compact_lake(
    lake: LakeConfig, *, expire_before: datetime, orphans_before: datetime
) -> Compaction:
    """Merge, expire and clean up, each step one DuckLake commit rerun after a write
    conflict with a concurrent load."""
    files_before, bytes_before = data_files(lake.data_path)
    with connect_lake(lake) as con:
        rewritten = _processed(con, f"CALL ducklake_rewrite_data_files('{ALIAS}')")
        merged = _processed(con, f"CALL ducklake_merge_adjacent_files('{ALIAS}')")
        expired = _rows(
            con, f"CALL ducklake_expire_snapshots('{ALIAS}', older_than => ?)", [expire_before]
        )
        # Only expired snapshots' files are scheduled for deletion, and no reader of a
        # live snapshot reads them: all of them can go at once.
        deleted = _rows(con, f"CALL ducklake_cleanup_old_files('{ALIAS}', cleanup_all => true)")
        deleted += _rows(
            con,
            f"CALL ducklake_delete_orphaned_files('{ALIAS}', older_than => ?)",
            [orphans_before],
        )
    files_after, bytes_after = data_files(lake.data_path)
    return Compaction(
        files_before, files_after, bytes_before, bytes_after, rewritten + merged, expired, deleted
    )


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> int:
    return with_retries(lambda: len(con.execute(sql, params or []).fetchall()))


def _processed(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    """The input files a merge or rewrite replaced (its `files_processed` column)."""
    rows = with_retries(lambda: con.execute(sql).fetchall())
    return sum(int(r[2]) for r in rows)


def data_files(data_path: str) -> tuple[int, int]:
    """Number and total size of the files under a lake's data path (folder or URL)."""
    fs, base = fsspec.core.url_to_fs(data_path)
    if not fs.exists(base):
        return 0, 0
    found = fs.find(base, detail=True).values()
    return len(found), sum(int(info.get("size") or 0) for info in found)


def checkpoint_file(warehouse: Path) -> Compaction:
    """CHECKPOINT the DuckDB file, then publish its reader snapshot."""
    before = _file_bytes(warehouse)
    with connect(warehouse) as con:
        con.execute("CHECKPOINT")
        publish_reader(con, warehouse)
    return Compaction(1, 1, before, _file_bytes(warehouse))


def _file_bytes(warehouse: Path) -> int:
    wal = warehouse.with_name(warehouse.name + ".wal")
    return sum(p.stat().st_size for p in (warehouse, wal) if p.exists())
