"""Shared fixtures: an aware fetch time, a fresh, migrated warehouse in tmp_path, and a
replay server of the demo snapshots (one per module); and the check that the real pages
are there when CI requires them (tests/support/realpages.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from pipeline.demo import sources as demo_sources
from pipeline.demo.replay import ReplayServer
from pipeline.warehouse import connect
from tests.support import realpages

FETCHED_AT = datetime(2025, 8, 14, 19, 30, tzinfo=UTC)


def pytest_sessionstart() -> None:
    """With TICKERLAKE_REQUIRE_REALPAGES=1 the real-page tests must run, not skip."""
    problems = realpages.problems() if realpages.required() else []
    if problems:
        raise pytest.UsageError(
            "TICKERLAKE_REQUIRE_REALPAGES=1 but the real pages cannot be used: "
            + "; ".join(problems)
            + " (set TICKERLAKE_REALPAGES to their folder)"
        )


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


pytest_plugins = ["tests.support.services"]


@pytest.fixture(scope="module")
def replay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReplayServer]:
    root = tmp_path_factory.mktemp("replay")
    demo_sources.generate(root)
    with ReplayServer(root) as server:
        yield server
