"""Entries written straight into a warehouse for the enrichment tests: the seed ticker's
17 entries under any source id, or a few texts of our own."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import duckdb

from pipeline.demo.sources import seed_entries


def insert_entry(
    con: duckdb.DuckDBPyConnection,
    entry_id: str,
    source_id: str,
    body: str,
    *,
    published_at: datetime | None,
    seen_at: datetime,
    headline: str | None = None,
) -> None:
    digest = hashlib.sha256(body.encode()).hexdigest()
    con.execute(
        "INSERT INTO entries VALUES (?, ?, ?, ?, NULL, NULL, ?, NULL, ?, ?, NULL, 'de', "
        "false, false, false, 0, ?, ?, ?, 0, false, NULL)",
        [
            entry_id, source_id, f"https://example.invalid/{source_id}", published_at,
            "minute" if published_at else "none", headline, body, digest, seen_at, seen_at,
        ],
    )  # fmt: skip


def insert_seed_ticker(
    con: duckdb.DuckDBPyConnection, source_id: str, seen_at: datetime, *, timed: bool = True
) -> list[str]:
    """The seed ticker's entries as `source_id`; ids are `source_id/number`. With
    `timed=False` only the first carries a time, as in the plain-text seed."""
    ids = []
    for e in seed_entries():
        entry_id = f"{source_id}/{e.number}"
        stamp = e.published if timed or e.number == 0 else None
        when = stamp - timedelta(0) if stamp else None
        insert_entry(
            con, entry_id, source_id, e.body, published_at=when, seen_at=seen_at,
            headline=e.headline,
        )  # fmt: skip
        ids.append(entry_id)
    return ids
