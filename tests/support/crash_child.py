"""A loader process for the crash trials (tests/support/crashload.py) and the concurrent-reader
test: the single writer, killed at chosen phases or loading while readers query.

It imports only the warehouse modules (start-up dominates a trial), prints `ready`, then
for every JSON line [target, load_id, now, batch...] on stdin runs what
`pipeline.warehouse.backend.load` runs and prints `done`. It ends at end of input. The
target is the DuckDB file's path, or `{"catalog": ..., "data_path": ...}` for DuckLake.

With TICKERLAKE_CRASH_HOLD=<seconds> (the crash trials only) it prints the name of each
phase as the phase begins (`FILE_PHASES`, `LAKE_PHASES`, then `close` once the load's work
is done) and then holds that long before doing it, so that a
kill aimed at a phase lasting microseconds (the rename) still lands in it. The phases are
seen from outside production code: a connection wrapper notices the COMMIT and CHECKPOINT
statements, and the snapshot's file copy and rename are wrapped in this process only.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, cast
from unittest import mock

import duckdb

from pipeline.settings import LakeConfig
from pipeline.warehouse import connect, publish_reader, snapshot
from pipeline.warehouse.lake import connect_lake, with_retries
from pipeline.warehouse.load import load_batches

FILE_PHASES = ("open", "load", "commit", "checkpoint", "copy", "rename")
LAKE_PHASES = ("open", "load", "commit")
_STATEMENT_PHASES = {"COMMIT": "commit", "CHECKPOINT": "checkpoint"}
Announce = Callable[[str], None]


def main() -> int:
    hold = float(os.environ.get("TICKERLAKE_CRASH_HOLD", "-1"))
    announce = _announcer(hold) if hold >= 0 else _silent
    print("ready", flush=True)
    for line in sys.stdin:
        target, load_id, now, *batches = json.loads(line)
        paths = [Path(b) for b in batches]
        at = datetime.fromisoformat(now)
        if isinstance(target, dict):
            load_lake(LakeConfig(**target), paths, load_id, at, announce)
        else:
            load(Path(target), paths, load_id, at, announce)
        print("done", flush=True)
    return 0


def _silent(phase: str) -> None:
    pass


def _announcer(hold: float) -> Announce:
    def announce(phase: str) -> None:
        print(phase, flush=True)
        time.sleep(hold)

    return announce


class _Watched:
    """A connection that announces the statements that begin a phase."""

    def __init__(self, con: duckdb.DuckDBPyConnection, announce: Announce) -> None:
        self._con = con
        self._announce = announce

    def execute(self, sql: str, *args: Any) -> duckdb.DuckDBPyConnection:
        if sql in _STATEMENT_PHASES:
            self._announce(_STATEMENT_PHASES[sql])
        return self._con.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


@contextlib.contextmanager
def _watched_snapshot(announce: Announce) -> Iterator[None]:
    def copyfile(source: Path, target: Path) -> object:
        announce("copy")
        return shutil.copyfile(source, target)

    real_replace = Path.replace

    def replace(self: Path, target: Path) -> Path:
        announce("rename")
        return real_replace(self, target)

    with (
        mock.patch.object(snapshot, "shutil", mock.Mock(copyfile=copyfile)),
        mock.patch.object(Path, "replace", replace),
    ):
        yield


def load(
    warehouse: Path, batches: list[Path], load_id: str, now: datetime, announce: Announce = _silent
) -> None:
    """What `backend.load` runs on the DuckDB file, each phase announced."""
    announce("open")
    with connect(warehouse) as con:
        watched = cast(duckdb.DuckDBPyConnection, _Watched(con, announce))
        announce("load")
        load_batches(watched, batches, load_id=load_id, now=now)
        with _watched_snapshot(announce):
            publish_reader(watched, warehouse)
        announce("close")


def load_lake(
    lake: LakeConfig, batches: list[Path], load_id: str, now: datetime, announce: Announce = _silent
) -> None:
    """What `backend.load` runs on DuckLake, each phase announced."""
    announce("open")
    with connect_lake(lake) as con:
        watched = cast(duckdb.DuckDBPyConnection, _Watched(con, announce))
        announce("load")
        with_retries(lambda: load_batches(watched, batches, load_id=load_id, now=now))
        announce("close")


if __name__ == "__main__":
    sys.exit(main())
