"""Shared fixtures: an aware fetch time and a fresh, migrated warehouse in tmp_path."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from pipeline.warehouse import connect

FETCHED_AT = datetime(2025, 8, 14, 19, 30, tzinfo=UTC)


@pytest.fixture
def fetched_at() -> datetime:
    """An aware UTC fetch time shortly after the seed ticker's newest entry."""
    return FETCHED_AT


@pytest.fixture
def warehouse_path(tmp_path: Path) -> Path:
    """A migrated warehouse file with no connection left open."""
    path = tmp_path / "warehouse" / "tickerlake.duckdb"
    connect(path).close()
    return path


@pytest.fixture
def warehouse(warehouse_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A writable connection to a fresh, migrated warehouse."""
    con = connect(warehouse_path)
    yield con
    con.close()


pytest_plugins = ["tests.services"]
