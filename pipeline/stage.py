"""Parquet batches: one folder per (run, shard), written without touching the warehouse.

A batch folder holds `sources`, `fetches`, `pages` and `entries` Parquet files and a
`_COMPLETE` marker. It is written under a temporary name and renamed into place, so the
loader only ever sees complete batches.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from pipeline.errors import BatchError

# Column order and DuckDB types of each staged table; the loader reads them by name.
SCHEMAS: dict[str, dict[str, str]] = {
    "sources": {
        "source_id": "VARCHAR",
        "url": "VARCHAR",
        "kind": "VARCHAR",
        "timezone": "VARCHAR",
        "language": "VARCHAR",
        "outlet_id": "VARCHAR",
        "status": "VARCHAR",
        "ended_at": "TIMESTAMPTZ",
        "coverage_end_at": "TIMESTAMPTZ",
        # Rendering (pipeline.fetch.render); NULL when this fetch decided nothing new.
        "render_mode": "VARCHAR",
        "render_checked_at": "TIMESTAMPTZ",
        "render_sha256": "VARCHAR",
    },
    # Discovery (pipeline.discover): verdicts on new item URLs and the feeds' validators.
    "discovered_items": {
        "outlet_id": "VARCHAR",
        "url": "VARCHAR",
        "source_id": "VARCHAR",
        "verdict": "VARCHAR",
        "reason": "VARCHAR",
        "checked_at": "TIMESTAMPTZ",
    },
    "outlet_feeds": {
        "outlet_id": "VARCHAR",
        "feed_url": "VARCHAR",
        "fetched_at": "TIMESTAMPTZ",
        "etag": "VARCHAR",
        "last_modified": "VARCHAR",
        "sha256": "VARCHAR",
    },
    "fetches": {
        "source_id": "VARCHAR",
        "url": "VARCHAR",
        "final_url": "VARCHAR",
        "fetched_at": "TIMESTAMPTZ",
        "attempt": "INTEGER",
        "page_no": "INTEGER",  # 1: the source's own URL; 2, 3 …: older pages followed
        "status": "INTEGER",
        "elapsed_ms": "INTEGER",
        "bytes": "BIGINT",
        "etag": "VARCHAR",
        "last_modified": "VARCHAR",
        "sha256": "VARCHAR",
        "changed": "BOOLEAN",
        "error_class": "VARCHAR",
        "error": "VARCHAR",
    },
    "pages": {
        "source_id": "VARCHAR",
        "fetched_at": "TIMESTAMPTZ",
        "sha256": "VARCHAR",
        "url": "VARCHAR",
        "title": "VARCHAR",
        "canonical_url": "VARCHAR",
        "published_at": "TIMESTAMPTZ",
        "modified_at": "TIMESTAMPTZ",
        "language": "VARCHAR",
        "is_liveblog": "BOOLEAN",
        "parser": "VARCHAR",
        "entry_count": "INTEGER",
        "warnings": "VARCHAR[]",
        "timed_count": "INTEGER",
        "structured_count": "INTEGER",
        "rendered_count": "INTEGER",
        "matched_count": "INTEGER",
        "tz": "VARCHAR",
        "tz_source": "VARCHAR",
        # The observation's extent: ticker pages read, and whether to the ticker's end.
        "page_count": "INTEGER",
        "whole_ticker": "BOOLEAN",
    },
    "entries": {
        "source_id": "VARCHAR",
        "fetched_at": "TIMESTAMPTZ",
        "entry_id": "VARCHAR",
        "url": "VARCHAR",
        "published_at": "TIMESTAMPTZ",
        "updated_at": "TIMESTAMPTZ",
        "time_text": "VARCHAR",
        "time_precision": "VARCHAR",
        "time_flags": "VARCHAR[]",
        "headline": "VARCHAR",
        "body": "VARCHAR",
        "authors": "VARCHAR[]",
        "language": "VARCHAR",
        "pinned": "BOOLEAN",
        "key_event": "BOOLEAN",
        "summary": "BOOLEAN",
        "position": "INTEGER",
        "content_hash": "VARCHAR",
        "tz_source": "VARCHAR",
    },
}
_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")
COMPLETE = "_COMPLETE"  # the marker of a batch written whole
PARTIAL = ".partial"  # suffix of a batch folder being written


@dataclass(slots=True)
class Batch:
    """Rows of one shard, keyed by staged table name."""

    batch_id: str
    rows: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {name: [] for name in SCHEMAS}
    )

    def add(self, table: str, row: dict[str, Any]) -> None:
        self.rows[table].append(row)


def batch_dir(staging_dir: Path, batch_id: str) -> Path:
    return staging_dir / _SAFE.sub("_", batch_id)


def write_batch(staging_dir: Path, batch: Batch) -> Path:
    """Write the batch atomically; rewriting an existing batch id replaces it whole."""
    final = batch_dir(staging_dir, batch.batch_id)
    tmp = final.with_name(final.name + PARTIAL)
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    with duckdb.connect() as con:
        for table, columns in SCHEMAS.items():
            _write_table(con, tmp / f"{table}.parquet", columns, batch.rows[table])
    (tmp / COMPLETE).write_text(json.dumps({"batch_id": batch.batch_id}))
    shutil.rmtree(final, ignore_errors=True)
    tmp.rename(final)
    return final


def _write_table(
    con: duckdb.DuckDBPyConnection, path: Path, columns: dict[str, str], rows: list[dict[str, Any]]
) -> None:
    # Rows go through newline-delimited JSON: DuckDB's executemany converts Python values
    # one by one at about a millisecond per row, which dominated a cycle's time.
    if not rows:
        nulls = ", ".join(f"NULL::{t} AS {c}" for c, t in columns.items())
        con.execute(f"COPY (SELECT {nulls} LIMIT 0) TO ? (FORMAT parquet)", [str(path)])
        return
    source = path.with_suffix(".jsonl")
    with source.open("w", encoding="utf-8") as out:
        for row in rows:
            record = {c: row.get(c) for c in columns}
            out.write(json.dumps(record, default=_json_value) + "\n")
    types = ", ".join(f"'{c}': '{t}'" for c, t in columns.items())
    con.execute(
        "CREATE OR REPLACE TEMP TABLE t AS SELECT * FROM "
        f"read_json(?, format = 'newline_delimited', columns = {{{types}}})",
        [str(source)],
    )
    con.execute("COPY t TO ? (FORMAT parquet)", [str(path)])
    source.unlink()


def _json_value(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot stage {type(value).__name__} {value!r}")


def final_attempts(paths: list[Path]) -> list[tuple[str, str, str | None, str | None]]:
    """(source_id, url, error_class, error) of each source's last fetch attempt of its
    page 1 in the batches, by source id (an older page that failed does not fail it)."""
    if not paths:
        return []
    files = [str(p / "fetches.parquet") for p in paths]
    with duckdb.connect() as con:
        rows = con.execute(
            """
            SELECT source_id, url, error_class, error FROM read_parquet(?, union_by_name = true)
            WHERE coalesce(page_no, 1) = 1
            QUALIFY row_number() OVER (PARTITION BY source_id
                                       ORDER BY fetched_at DESC, attempt DESC) = 1
            ORDER BY source_id
            """,
            [files],
        ).fetchall()
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def read_batch_id(path: Path) -> str:
    """The batch id of a complete batch folder, or BatchError."""
    marker = path / COMPLETE
    if not marker.is_file():
        raise BatchError(f"{path}: not a complete staged batch (no _COMPLETE marker)")
    return str(json.loads(marker.read_text())["batch_id"])


def remove(paths: list[Path]) -> None:
    """Delete staged batch folders (their load has committed); a missing one is fine."""
    for path in paths:
        shutil.rmtree(path, ignore_errors=True)


def leftovers(staging_dir: Path, *, before: float) -> list[Path]:
    """Complete batches in `staging_dir` written before `before` (seconds since the
    epoch: file times are wall-clock times), oldest first: what failed loads kept."""
    if not staging_dir.is_dir():
        return []
    found = [
        (marker.stat().st_mtime, marker.parent)
        for marker in staging_dir.glob(f"*/{COMPLETE}")
        if not marker.parent.name.endswith(PARTIAL)
    ]
    return [path for written, path in sorted(found) if written < before]


def abandoned_partials(staging_dir: Path, *, before: float) -> list[Path]:
    """Batches whose writer died mid-write (`.partial` folders last changed before
    `before`): never loadable, safe to delete."""
    if not staging_dir.is_dir():
        return []
    return sorted(
        p for p in staging_dir.glob(f"*{PARTIAL}") if p.is_dir() and p.stat().st_mtime < before
    )
