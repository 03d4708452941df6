"""The configured backend (pipeline.settings: the DuckDB file, or DuckLake when
`settings.lake` is set), opened the same way for every writer that is not the loader."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import duckdb

from pipeline.settings import Settings
from pipeline.warehouse.db import connect
from pipeline.warehouse.lake import connect_lake
from pipeline.warehouse.snapshot import publish_reader


def reading(settings: Settings) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the live data of the configured backend."""
    if settings.lake is not None:
        return connect_lake(settings.lake, read_only=True)
    return connect(settings.warehouse, read_only=True)


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
