"""Shared fixtures: an aware fetch time, a fresh, migrated warehouse in tmp_path, and a
replay server of the demo snapshots (one per module)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from pipeline import demo_sources
from pipeline.replay import ReplayServer
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


@pytest.fixture(scope="module")
def replay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReplayServer]:
    root = tmp_path_factory.mktemp("replay")
    demo_sources.generate(root)
    with ReplayServer(root) as server:
        yield server
