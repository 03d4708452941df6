"""Fixtures for tests that need a running service (PostgreSQL, Redis).

Without the service they skip with the reason; with TICKERLAKE_REQUIRE_SERVICES=1 (CI)
a missing service is a failure. Every test gets its own uniquely named database and
drops it afterwards, because the services persist between runs.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest

PG_ADMIN = os.environ.get(
    "TICKERLAKE_TEST_PG", "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
)


def _unavailable(what: str, exc: Exception) -> None:
    reason = f"{what} not reachable ({type(exc).__name__}: {exc})"
    if os.environ.get("TICKERLAKE_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason}, but TICKERLAKE_REQUIRE_SERVICES=1")
    pytest.skip(reason)


@pytest.fixture
def postgres_dsn() -> Iterator[str]:
    """A libpq DSN of a fresh database that is dropped after the test."""
    name = f"tickerlake_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        _unavailable(f"PostgreSQL at {PG_ADMIN!r}", exc)
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield PG_ADMIN.replace("dbname=postgres", f"dbname={name}")
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
