"""The reader snapshot: a copy of the warehouse that analysts query while loads run.

DuckDB lets one process hold a file for writing and then no other process may open it,
not even read-only. So after every write the writer publishes a copy next to the live
file (`tickerlake.reader.duckdb` beside `tickerlake.duckdb`): CHECKPOINT (every committed
change in the main file, the WAL empty), copy under a temporary name while the writer
still holds the lock (no other writer can change the file mid-copy), rename over the
old snapshot. The rename is atomic, and readers that still have the old snapshot open
keep reading it until they reconnect.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb


def reader_path(warehouse: Path) -> Path:
    """Where the reader snapshot of `warehouse` is published."""
    return warehouse.with_name(f"{warehouse.stem}.reader{warehouse.suffix}")


def publish_reader(con: duckdb.DuckDBPyConnection, warehouse: Path) -> Path:
    """Publish the snapshot of `warehouse`, open for writing on `con`; returns its path."""
    con.execute("CHECKPOINT")
    target = reader_path(warehouse)
    partial = target.with_name(target.name + ".partial")
    shutil.copyfile(warehouse, partial)
    partial.replace(target)
    return target


def query_path(warehouse: Path, *, live: bool = False) -> Path:
    """The file a reader should open: the snapshot when one was published, else (a
    warehouse written before snapshots existed, or `live`) the live file."""
    snapshot = reader_path(warehouse)
    return warehouse if live or not snapshot.exists() else snapshot
