"""Fixtures for tests that need a running service (PostgreSQL, Redis).

Without the service they skip with the reason; with TICKERLAKE_REQUIRE_SERVICES=1 (CI)
a missing service is a failure. Every test gets its own uniquely named database and
drops it afterwards, because the services persist between runs.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
import redis

PG_ADMIN = os.environ.get(
    "TICKERLAKE_TEST_PG", "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
)


def _unavailable(what: str, exc: Exception) -> None:
    reason = f"{what} not reachable ({type(exc).__name__}: {exc})"
    if os.environ.get("TICKERLAKE_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason}, but TICKERLAKE_REQUIRE_SERVICES=1")
    pytest.skip(reason)


REDIS_URL = os.environ.get("TICKERLAKE_TEST_REDIS", "redis://127.0.0.1:6379/0")


@contextmanager
def fresh_database(template: str | None = None) -> Iterator[str]:
    """The name of a fresh PostgreSQL database (a copy of `template` when given, which
    must have no open connections), dropped afterwards."""
    name = f"tickerlake_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        _unavailable(f"PostgreSQL at {PG_ADMIN!r}", exc)
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        try:
            yield name
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def dsn(database: str) -> str:
    """The libpq DSN of `database` on the test server."""
    return PG_ADMIN.replace("dbname=postgres", f"dbname={database}")


@pytest.fixture
def postgres_dsn() -> Iterator[str]:
    """A libpq DSN of a fresh database that is dropped after the test."""
    with fresh_database() as name:
        yield dsn(name)


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of its own on the local Redis; its keys are deleted afterwards."""
    prefix = f"tickerlake_test_{uuid.uuid4().hex[:12]}:"
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=5)
    try:
        client.ping()
    except redis.RedisError as exc:
        _unavailable(f"Redis at {REDIS_URL!r}", exc)
    try:
        yield prefix
    finally:
        for key in client.scan_iter(match=f"{prefix}*", count=1000):
            client.delete(key)
        client.close()
