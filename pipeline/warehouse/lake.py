"""The DuckLake backend: the same tables, views and loader, with the catalog in PostgreSQL
and the table data as Parquet files under a data path.

Chosen by configuration (TICKERLAKE_BACKEND=ducklake, see pipeline.settings). Several
processes may load at once: DuckLake commits optimistically, and every load rewrites the
one `load_token` row, so two loads that overlap in time always conflict; the later one is
rolled back and run again here, and it re-reads `loaded_batches`, so a batch is applied
once however many writers were given it.
Readers attach the catalog READ_ONLY and see the last committed snapshot: they never
wait for writers, so no reader copy is published.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TypeVar

import duckdb

from pipeline.errors import (
    PermanentError,
    TickerlakeError,
    TransientError,
    WarehouseMissingError,
)
from pipeline.settings import LakeConfig
from pipeline.warehouse.db import check_version, load_extension, migrate
from pipeline.warehouse.load import LoadReport, load_batches

log = logging.getLogger(__name__)
ALIAS = "lake"
MAX_ATTEMPTS = 20
_T = TypeVar("_T")


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def connect_lake(lake: LakeConfig, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the lake attached as the default database; writers migrate."""
    con = duckdb.connect(
        config={
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
        }
    )
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")
    load_extension(con, "ducklake")
    load_extension(con, "postgres")
    # No data inlining: updates of inlined rows conflict with every concurrent insert into
    # the same table, while Parquet files written by one load are only touched by loads
    # of the same sources. Small files are merged by `tickerlake maintain` (warehouse.maintain).
    options = (
        "READ_ONLY"
        if read_only
        else f"DATA_PATH {_quote(lake.data_path)}, DATA_INLINING_ROW_LIMIT 0"
    )
    try:
        con.execute(f"ATTACH {_quote('ducklake:postgres:' + lake.catalog)} AS {ALIAS} ({options})")
    except duckdb.Error as exc:
        raise _attach_error(lake, exc, read_only=read_only) from exc
    con.execute(f"USE {ALIAS}")
    where = f"ducklake catalog {lake.catalog!r}"
    check_version(con, where) if read_only else migrate(con, where, lake=True)
    return con


def _attach_error(lake: LakeConfig, exc: duckdb.Error, *, read_only: bool) -> TickerlakeError:
    """What went wrong attaching the catalog, in one line: a server that does not answer
    may answer on the next try; a missing database or a bad connection string will not."""
    where = f"ducklake catalog {lake.catalog!r}"
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    reason = first.rsplit(": ", 1)[-1]
    if "does not exist" in first and 'database "' in first:
        return PermanentError(f"{where}: the catalog database does not exist ({reason})")
    if read_only and "does not exist" in first:
        return WarehouseMissingError(f"{where}: no warehouse here yet; a load creates it")
    if "Unable to connect" in first:
        return TransientError(f"{where}: the catalog server does not answer ({reason})")
    return PermanentError(f"{where}: cannot attach: {first}")


def is_conflict(exc: duckdb.Error) -> bool:
    """A commit DuckLake could not reconcile with a concurrent one (worth a rerun)."""
    text = str(exc).lower()
    return isinstance(exc, duckdb.TransactionException) or "conflict" in text


def with_retries(work: Callable[[], _T], *, attempts: int = MAX_ATTEMPTS, wait: float = 0.05) -> _T:
    """Run `work` (one whole transaction) again after a write conflict, with jittered
    exponential backoff; other errors pass through."""
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except duckdb.Error as exc:
            if not is_conflict(exc):
                raise
            if attempt == attempts:
                raise TransientError(f"DuckLake write conflict, {attempt} attempts: {exc}") from exc
            log.info("DuckLake write conflict (attempt %d), retrying: %s", attempt, exc)
            time.sleep(wait * (2 ** min(attempt, 6)) * random.uniform(0.5, 1.5))
    raise AssertionError("unreachable")


def load_lake(lake: LakeConfig, batches: list[Path], *, load_id: str, now: datetime) -> LoadReport:
    """`load_batches` against the lake, rerun after a write conflict."""
    with connect_lake(lake) as con:
        return with_retries(lambda: load_batches(con, batches, load_id=load_id, now=now))
