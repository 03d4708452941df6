"""`tickerlake report`: the whole command (process start, reading the reader snapshot,
rendering, writing the file) after the demo, and on a warehouse of 100,000 entries.

The large warehouse (BENCH_REPORT_ENTRIES, default 100,000): 100 sources, each a ticker
of three days (the sources' days staggered over a month), 10 % of entries without a time,
5 % edited and 1 % withdrawn, hourly fetches with 2 % failing (and the newest fetch of
every tenth source), 300 stories of five members and 3,000 entry ↔ document links:
every section of the report has rows to aggregate.
`render_*` is render_report alone on an open connection (median of 3); `cli_*` the whole
command in a fresh process, as a user runs it. The report's SQL aggregates in DuckDB, so
the page stays a few hundred KiB whatever the warehouse holds."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dev.docs_queries import build_demo_warehouse
from pipeline.cli.report import render_report
from pipeline.warehouse import connect, publish_reader
from pipeline.warehouse.db import transaction

SOURCES = 100
T0 = "TIMESTAMPTZ '2025-08-01 00:00:00+00'"
NOW = datetime(2025, 9, 15, tzinfo=UTC)

# Entry i: source i % 100, its ticker starting on day (source % 30), the entry at a second
# within its three days; every tenth untimed (its first fetch then stands in).
SEED = {
    "sources": f"""
        INSERT INTO sources BY NAME
        SELECT 's' || s AS source_id, 'https://t.example/' || s AS url, 'auto' AS kind,
               'Europe/Berlin' AS timezone, 'de' AS language, {T0} AS first_seen_at,
               'live' AS status
        FROM range({SOURCES}) r(s)""",
    "entries": f"""
        INSERT INTO entries BY NAME
        SELECT 'e' || i AS entry_id, 's' || (i % {SOURCES}) AS source_id,
               'https://t.example/' || (i % {SOURCES}) || '#e' || i AS url,
               CASE WHEN i % 10 = 3 THEN NULL ELSE moment END AS published_at,
               CASE WHEN i % 10 = 3 THEN 'none' ELSE 'minute' END AS time_precision,
               'Meldung ' || i AS headline,
               'Der Gipfel in Alaska dauerte an, Meldung ' || i AS body,
               false AS pinned, false AS key_event, false AS summary,
               (i // {SOURCES})::INTEGER AS position, md5(i::VARCHAR) AS content_hash,
               date_trunc('hour', moment) + INTERVAL 1 HOUR AS first_seen_at,
               {T0} + INTERVAL 40 DAY AS last_seen_at, 0 AS missing_count,
               i % 100 = 7 AS is_deleted
        FROM (SELECT i, {T0} + to_days(((i % {SOURCES}) % 30)::INTEGER)
                     + to_seconds((i * 7919) % 259200) AS moment
              FROM range(?) r(i))""",
    "entry_versions": """
        INSERT INTO entry_versions BY NAME
        SELECT entry_id, first_seen_at AS valid_from, 'new' AS change_kind, content_hash,
               headline, body, published_at, 'seed' AS load_id FROM entries
        UNION ALL
        SELECT entry_id, first_seen_at + INTERVAL 3 HOUR, 'edited', content_hash, headline,
               body, published_at, 'seed' FROM entries WHERE hash(entry_id) % 20 = 0
        UNION ALL
        SELECT entry_id, first_seen_at + INTERVAL 5 HOUR, 'deleted', content_hash,
               headline, body, published_at, 'seed' FROM entries WHERE is_deleted""",
    "fetches": f"""
        INSERT INTO fetches BY NAME
        SELECT source_id, fetched_at, 1 AS attempt, url, CASE WHEN failed THEN 503 ELSE 200 END
                   AS status, true AS changed,
               CASE WHEN failed THEN 'TransientHTTPError' END AS error_class,
               CASE WHEN failed THEN 'HTTP 503 from ' || url END AS error, 'seed' AS load_id
        FROM (SELECT 's' || s AS source_id, 'https://t.example/' || s AS url,
                     {T0} + to_days((s % 30)::INTEGER) + to_hours(h) AS fetched_at,
                     (s * 72 + h) % 50 = 0 OR (h = 71 AND s % 10 = 0) AS failed
              FROM range({SOURCES}) a(s), range(72) b(h))""",
    "pages": """
        INSERT INTO pages BY NAME
        SELECT source_id, fetched_at, md5(source_id || fetched_at) AS sha256, url,
               true AS is_liveblog, 'jsonld' AS parser, 100 AS entry_count, 90 AS timed_count,
               'seed' AS load_id
        FROM fetches WHERE error_class IS NULL""",
    "documents": f"""
        INSERT INTO documents BY NAME
        SELECT 'd' || d AS document_id, 'bench' AS corpus, 'doc' || d || '.txt' AS source_file,
               {T0} + to_days(d::INTEGER) AS published_at, 'day' AS time_precision,
               'Bericht ' || d AS title, 'Der Gipfel in Alaska.' AS body, 'de' AS language,
               {T0} AS loaded_at
        FROM range(30) r(d)""",
    "document_paragraphs": """
        INSERT INTO document_paragraphs
        SELECT document_id, 0, 'Der Gipfel in Alaska dauerte an, so der Bericht.'
        FROM documents""",
    "entry_document_links": """
        INSERT INTO entry_document_links BY NAME
        SELECT entry_id, 'd' || (hash(entry_id) % 30) AS document_id, 0 AS paragraph_no,
               0.5 + (hash(entry_id) % 50) / 100 AS score, 'sentence-evidence' AS method,
               1.0 AS bm25, 0.5 AS evidence, 0.5 AS shingle_overlap, now() AS computed_at
        FROM entries WHERE hash(entry_id) % 33 = 0 LIMIT 3000""",
    "story_members": """
        INSERT INTO story_members BY NAME
        SELECT 'st' || (n // 5) AS story_id, 'entry' AS member_kind, entry_id AS member_key,
               entry_id, source_id AS source, coalesce(published_at, first_seen_at)
                   AS published_at, 0.9 AS similarity
        FROM (SELECT *, row_number() OVER (ORDER BY entry_id) - 1 AS n FROM entries
              WHERE hash(entry_id) % 50 = 1) WHERE n < 1500""",
    "stories": """
        INSERT INTO stories BY NAME
        SELECT story_id, count(*) AS member_count, count(*) AS entry_count,
               0 AS paragraph_count, count(DISTINCT source) AS source_count,
               min(published_at) AS first_published_at, max(published_at) AS last_published_at,
               'Story ' || story_id AS title, now() AS computed_at
        FROM story_members GROUP BY story_id""",
}


def seed(path: Path, entries: int) -> None:
    with connect(path) as con:
        with transaction(con):
            for table, sql in SEED.items():
                con.execute(sql, [entries] if table == "entries" else [])
        publish_reader(con, path)


def cli_seconds(warehouse: Path, out: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pipeline.cli.main", "--warehouse", str(warehouse),
         "report", "--out", str(out)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    return time.perf_counter() - started


def render_runs(warehouse: Path, runs: int = 3) -> tuple[list[float], int]:
    seconds, size = [], 0
    with connect(warehouse, read_only=True) as con:
        for _ in range(runs):
            started = time.perf_counter()
            page = render_report(con, generated_at=NOW)
            seconds.append(round(time.perf_counter() - started, 3))
            size = len(page.encode())
    return seconds, size


def run() -> dict[str, Any]:
    work = Path(tempfile.mkdtemp())
    demo = build_demo_warehouse(work / "demo").with_name("tickerlake.duckdb")
    entries = int(os.environ.get("BENCH_REPORT_ENTRIES", "100000"))
    large = work / "large" / "tickerlake.duckdb"
    started = time.perf_counter()
    seed(large, entries)
    seeded = time.perf_counter() - started
    runs, size = render_runs(large)
    demo_cli = cli_seconds(demo, work / "demo.html")
    large_cli = cli_seconds(large, work / "large.html")
    return {
        "demo_cli_seconds": round(demo_cli, 3),
        "demo_report_kib": (work / "demo.html").stat().st_size // 1024,
        "large_entries": entries,
        "large_sources": SOURCES,
        "large_seed_seconds": round(seeded, 1),
        "large_render_median_s": statistics.median(runs),
        "large_render_runs_s": runs,
        "large_cli_seconds": round(large_cli, 3),
        "large_report_kib": size // 1024,
        "target_seconds": 10,
    }
