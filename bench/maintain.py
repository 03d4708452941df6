"""Maintenance figures: what `tickerlake maintain` does to a DuckLake and a DuckDB file
after a run of 2-minute cycles, each loaded as production loads it (`load_staged`: a
fresh connection, the batch deleted once loaded).

Each cycle stages one batch of BENCH_MAINTAIN_SOURCES live tickers (a new entry on each
every other cycle, an edit every seventh), loaded into a DuckLake whose catalog is a
fresh database on the local PostgreSQL (BENCH_MAINTAIN_PG, libpq, of a user that may
create databases) and into a DuckDB file. Then one maintenance run on each. Reported:
the Parquet files and bytes under the lake's data path before and after, the files
written per cycle (and so per day on the default schedule), snapshots expired, the
DuckDB file's size before and after its CHECKPOINT, the seconds each took, and that
entries and entry_versions read the same before and after maintenance.

Snapshot retention 0 here (every snapshot but the newest expired: the steady state of a
daily run with the default 24 hours, minus the last day's snapshots).

Scale with BENCH_MAINTAIN_CYCLES (default 60) and BENCH_MAINTAIN_SOURCES (default 20).
"""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import psycopg

from pipeline import stage
from pipeline.maintain import maintain
from pipeline.parse.identity import content_hash
from pipeline.settings import LakeConfig, Retention, Settings, from_env
from pipeline.warehouse import backend

START = datetime(2025, 8, 14, 6, 0, tzinfo=UTC)
ADMIN = os.environ.get(
    "BENCH_MAINTAIN_PG", "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
)
CYCLES_PER_DAY = 720  # the default schedule, */2 * * * *
CHECK = (
    "SELECT count(*), sum(hash(entry_id, content_hash, is_deleted)) FROM entries",
    "SELECT count(*), sum(hash(entry_id, valid_from, valid_to, content_hash)) FROM entry_versions",
)


def cycle_batch(number: int, sources: int) -> stage.Batch:
    """One cycle: every source fetched and parsed once."""
    at = START + timedelta(minutes=2 * number)
    batch = stage.Batch(f"cycle-{number:05d}")
    for s in range(sources):
        source_id = f"ticker-{s:03d}"
        url = f"https://ticker.example/{source_id}"
        entries = {
            k: f"Text {k}, Stand {number // 7 if k == 0 else 0}." for k in range(number // 2 + 1)
        }
        sha = content_hash(None, repr(sorted(entries.items())))
        batch.add(
            "sources", {"source_id": source_id, "url": url, "kind": "auto", "timezone": "UTC"}
        )
        batch.add(
            "fetches",
            {"source_id": source_id, "url": url, "fetched_at": at, "attempt": 1, "status": 200,
             "sha256": sha, "changed": True},
        )  # fmt: skip
        batch.add(
            "pages",
            {"source_id": source_id, "fetched_at": at, "sha256": sha, "url": url,
             "is_liveblog": True, "parser": "bench", "entry_count": len(entries)},
        )  # fmt: skip
        for position, (k, body) in enumerate(entries.items()):
            batch.add(
                "entries",
                {"source_id": source_id, "fetched_at": at, "entry_id": f"{source_id}-{k}",
                 "url": f"{url}#{k}", "published_at": at, "time_precision": "minute",
                 "headline": f"Meldung {k}",
                 "body": body, "position": position, "pinned": False, "key_event": False,
                 "summary": False,
                 "content_hash": content_hash(f"Meldung {k}", body)},
            )  # fmt: skip
    return batch


def load_cycles(settings: Settings, cycles: int, sources: int) -> float:
    """Seconds per cycle's load, median-free: the mean (every load pays the same)."""
    started = time.perf_counter()
    for number in range(cycles):
        path = stage.write_batch(settings.staging_dir, cycle_batch(number, sources))
        at = START + timedelta(minutes=2 * number)
        backend.load_staged(settings, [path], load_id=f"load-{number:05d}", now=at)
    return (time.perf_counter() - started) / cycles


def checks(settings: Settings) -> list[tuple[Any, ...]]:
    with backend.reading(settings) as con:
        return [con.execute(sql).fetchone() or () for sql in CHECK]


def measure(settings: Settings, cycles: int, sources: int) -> dict[str, Any]:
    per_load = load_cycles(settings, cycles, sources)
    before = checks(settings)
    started = time.perf_counter()
    report = maintain(settings, load_id="bench-maintain", now=datetime.now(UTC))
    seconds = time.perf_counter() - started
    w = report.warehouse
    return {
        "load_seconds_per_cycle": round(per_load, 3),
        "files_before": w.files_before,
        "files_after": w.files_after,
        "bytes_before": w.bytes_before,
        "bytes_after": w.bytes_after,
        "files_merged": w.files_merged,
        "snapshots_expired": w.snapshots_expired,
        "files_deleted": w.files_deleted,
        "maintain_seconds": round(seconds, 3),
        "staged_batches_left": len(list(settings.staging_dir.iterdir())),
        "nothing_lost": checks(settings) == before,
        "lines": report.lines(),
    }


def run() -> dict[str, Any]:
    cycles = int(os.environ.get("BENCH_MAINTAIN_CYCLES", "60"))
    sources = int(os.environ.get("BENCH_MAINTAIN_SOURCES", "20"))
    name = f"tickerlake_bench_{uuid.uuid4().hex[:12]}"
    with tempfile.TemporaryDirectory() as tmp, psycopg.connect(ADMIN, autocommit=True) as admin:
        root = Path(tmp)
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            catalog = ADMIN.replace("dbname=postgres", f"dbname={name}")
            lake = LakeConfig(catalog=catalog, data_path=str(root / "lake-data"))
            base = replace(
                from_env({}), data_dir=root / "var", retention=Retention(snapshot_hours=0)
            )
            on_lake = measure(
                replace(base, lake=lake, warehouse=root / "unused.duckdb"), cycles, sources
            )
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        on_file = measure(
            replace(base, warehouse=root / "wh" / "tickerlake.duckdb"), cycles, sources
        )
    per_cycle = on_lake["files_before"] / cycles
    return {
        "cycles": cycles,
        "sources": sources,
        "duckdb": duckdb.__version__,
        "ducklake": {**on_lake, "files_per_cycle": round(per_cycle, 1),
                     "files_per_day_unmaintained": round(per_cycle * CYCLES_PER_DAY)},
        "duckdb_file": on_file,
    }  # fmt: skip
