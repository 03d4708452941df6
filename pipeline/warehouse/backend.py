"""The configured backend: the one place that decides between the DuckDB file
(`settings.warehouse`) and DuckLake (`settings.lake`, see pipeline.settings). Every
caller, the DAGs, the CLI and the enrich stage alike, goes through these functions."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path

import duckdb

from pipeline import stage
from pipeline.errors import BatchError, WarehouseMissingError
from pipeline.models import DiscoveryState, SourceState, Validators
from pipeline.settings import Settings
from pipeline.warehouse.db import connect, transaction
from pipeline.warehouse.lake import ALIAS, connect_lake, load_lake, with_retries
from pipeline.warehouse.load import LoadReport, load_batches
from pipeline.warehouse.snapshot import publish_reader, query_path

log = logging.getLogger(__name__)
WORKSPACE = "workspace"
# Seconds after which a staged batch nobody loaded counts as kept by a failed load. A
# load follows its batches within a cycle (retries included); younger batches may be
# waiting for a load under way elsewhere (a watch cycle, an overlapping run).
LEFTOVER_AGE = 600.0
ENTRY_TIMES = 20  # newest entry times read per source, for adaptive polling


def reading(settings: Settings) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the live data of the configured backend."""
    if settings.lake is not None:
        return connect_lake(settings.lake, read_only=True)
    return connect(settings.warehouse, read_only=True)


def reader(settings: Settings, *, live: bool = False) -> duckdb.DuckDBPyConnection:
    """What analysts read: the DuckLake catalog, else the reader snapshot of the file
    (`live`: the file itself, which fails while a load holds it)."""
    if settings.lake is not None:
        return connect_lake(settings.lake, read_only=True)
    return connect(query_path(settings.warehouse, live=live), read_only=True)


@contextlib.contextmanager
def writing(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """A writer connection; on the DuckDB file the reader snapshot is published when the
    block succeeds (DuckLake readers see each commit and need none)."""
    if settings.lake is not None:
        with connect_lake(settings.lake) as con:
            yield con
        return
    with connect(settings.warehouse) as con:
        yield con
        publish_reader(con, settings.warehouse)


def check_writable(settings: Settings) -> None:
    """Open the warehouse for writing and close it again: a new one is created and
    migrated, and one that cannot be written (busy, not a warehouse, no permission, a
    catalog that does not answer) fails here, before a cycle fetches anything."""
    if settings.lake is not None:
        connect_lake(settings.lake).close()
    else:
        connect(settings.warehouse).close()


def read_state(settings: Settings) -> dict[str, SourceState]:
    """Validators, last fetch time and newest entry of every known source; empty before
    the first load."""
    try:
        con = reading(settings)
    except WarehouseMissingError:
        return {}
    with con:
        rows = con.execute(
            f"""
            SELECT s.source_id, s.etag, s.last_modified, s.last_sha256, f.last_fetched_at,
                   e.newest, s.status, e.times, s.render_mode, s.render_checked_at,
                   s.render_sha256
            FROM sources s LEFT JOIN (SELECT source_id, max(fetched_at) AS last_fetched_at
                                      FROM fetches GROUP BY source_id) f USING (source_id)
            LEFT JOIN (SELECT source_id, list(coalesce(published_at, first_seen_at)
                                              ORDER BY coalesce(published_at, first_seen_at)
                                              DESC)[:{ENTRY_TIMES}] AS times,
                              max(published_at) AS newest
                       FROM entries WHERE NOT is_deleted GROUP BY source_id) e USING (source_id)
            """
        )
        return {
            r[0]: SourceState(
                Validators(r[1], r[2], r[3], r[8], r[9] and r[9].isoformat(), r[10]),
                r[4],
                newest_entry_at=r[5],
                status=r[6],
                entry_times=tuple(r[7] or ()),
            )
            for r in rows.fetchall()
        }


def read_discovery(settings: Settings) -> DiscoveryState:
    """Discovered tickers, classified item URLs and listing validators of every outlet."""
    try:
        con = reading(settings)
    except WarehouseMissingError:
        return DiscoveryState()
    state = DiscoveryState()
    with con:
        for outlet, source_id, url in con.execute(
            "SELECT outlet_id, source_id, url FROM sources WHERE outlet_id IS NOT NULL"
        ).fetchall():
            state.tickers.setdefault(outlet, {})[source_id] = url
        for outlet, url in con.execute(
            "SELECT outlet_id, url FROM discovered_items WHERE verdict <> 'error'"
        ).fetchall():
            state.classified.setdefault(outlet, set()).add(url)
        for outlet, feed, etag, modified, sha in con.execute(
            "SELECT outlet_id, feed_url, etag, last_modified, sha256 FROM outlet_feeds"
        ).fetchall():
            state.feeds[(outlet, feed)] = Validators(etag, modified, sha)
    return state


def load(settings: Settings, batches: Iterable[Path], *, load_id: str, now: datetime) -> LoadReport:
    """Apply the staged batches, then publish the reader snapshot analysts query (the
    DuckLake load is rerun after a write conflict and needs no snapshot)."""
    if settings.lake is not None:
        return load_lake(settings.lake, list(batches), load_id=load_id, now=now)
    with connect(settings.warehouse) as con:
        report = load_batches(con, list(batches), load_id=load_id, now=now)
        publish_reader(con, settings.warehouse)
        return report


def load_staged(
    settings: Settings, batches: Iterable[Path], *, load_id: str, now: datetime
) -> LoadReport:
    """`load` the batches a cycle staged, then delete their folders: only once the load
    has committed (and on the DuckDB file its reader snapshot is published), so a load
    that fails keeps them for the next one. Leftovers of earlier failed loads are loaded
    first (`recover_leftovers`), so their fetches come before this cycle's."""
    paths = list(batches)
    recover_leftovers(settings, load_id=load_id, now=now, skip=paths)
    report = load(settings, paths, load_id=load_id, now=now)
    stage.remove(paths)
    return report


def recover_leftovers(
    settings: Settings, *, load_id: str, now: datetime, skip: Iterable[Path] = ()
) -> tuple[int, int]:
    """Load every staged batch older than LEFTOVER_AGE, each on its own, and delete it
    once loaded (one already loaded loads nothing and is just deleted); `skip` those
    being loaded now. A batch that cannot be read stays, with a warning, and does not
    block the load. Returns (batches loaded, folders deleted)."""
    # File ages are wall-clock times, not the cycle's `now` (which a replay sets).
    found = stage.leftovers(settings.staging_dir, before=time.time() - LEFTOVER_AGE)
    skipped = {p.resolve() for p in skip}
    loaded = removed = 0
    for path in (p for p in found if p.resolve() not in skipped):
        try:
            report = load(settings, [path], load_id=f"{load_id}+{path.name}", now=now)
        except (BatchError, duckdb.Error) as exc:
            log.warning("staged batch %s kept: it does not load: %s", path, exc)
            continue
        stage.remove([path])
        loaded, removed = loaded + report.batches, removed + 1
    if removed:
        log.info("%d staged batch(es) left by failed loads: %d loaded", removed, loaded)
    return loaded, removed


@contextlib.contextmanager
def workspace(
    settings: Settings, *, inputs: Iterable[str], outputs: Iterable[str]
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection on which derived tables (`outputs`) are rebuilt from `inputs`.

    On the file that is the warehouse itself, its snapshot published afterwards. On
    DuckLake it is an in-memory workspace: the inputs copied from one lake snapshot, the
    outputs empty; when the block succeeds one lake transaction (rerun after a write
    conflict) replaces the lake's outputs with the workspace's. DuckDB writes only one
    attached database per transaction, and some derived state (fts macros) cannot be
    stored in a lake at all, so it lives and dies with the workspace."""
    if settings.lake is None:
        with writing(settings) as con:
            yield con
        return
    derived = list(outputs)
    with connect_lake(settings.lake) as con:
        _open_workspace(con, list(inputs), derived)
        yield con
        with_retries(lambda: _replace(con, derived))


def _open_workspace(con: duckdb.DuckDBPyConnection, inputs: list[str], outputs: list[str]) -> None:
    con.execute(f"ATTACH ':memory:' AS {WORKSPACE}")
    with transaction(con):
        for table in inputs:
            con.execute(f"CREATE TABLE {WORKSPACE}.{table} AS FROM {ALIAS}.{table}")
        for table in outputs:
            con.execute(f"CREATE TABLE {WORKSPACE}.{table} AS FROM {ALIAS}.{table} LIMIT 0")
    con.execute(f"USE {WORKSPACE}")


def _replace(con: duckdb.DuckDBPyConnection, tables: list[str]) -> None:
    with transaction(con):
        for table in tables:
            con.execute(f"DELETE FROM {ALIAS}.{table}")
            con.execute(f"INSERT INTO {ALIAS}.{table} BY NAME FROM {WORKSPACE}.{table}")
