"""`tickerlake demo`: the bundled demo sources and the outlet whose ticker discovery finds
(`pipeline.demo.outlet`) on a local replay server, ingested by the `tickerlake_ingest` DAG
under Airflow (SQLite metadata) for every snapshot in turn, the seed corpus loaded,
stories and corpus links computed (`enrich`), and a summary printed.

Cycle times are the replay clock's (synthetic, August 2025), so a second demo run sees
only fetches the warehouse already holds and changes no counts.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pipeline.cycle import run_cycle
from pipeline.demo import airflow_env
from pipeline.demo import sources as demo_sources
from pipeline.demo.replay import ReplayServer
from pipeline.enrich.corpus import BUNDLED, load_corpus
from pipeline.enrich.run import enrich_connection
from pipeline.settings import PROJECT_ROOT, Settings
from pipeline.sources import load_outlets, load_sources
from pipeline.warehouse import connect, publish_reader

SUMMARY_TABLES = (
    "sources", "fetches", "pages", "entries", "entry_versions", "documents", "stories",
    "entry_document_links",
)  # fmt: skip
SAMPLE_QUERY = """\
SELECT source_id, strftime(published_at, '%Y-%m-%d %H:%M') AS published_utc,
       left(headline, 60) AS headline
FROM entries WHERE NOT is_deleted
ORDER BY published_at DESC NULLS LAST LIMIT 5"""
# Every item the outlet's feed listed, as discovery classified it: the ticker is a source
# with entries, the article only a line in the fetch log.
DISCOVERY_QUERY = """\
SELECT d.outlet_id AS outlet, d.verdict, d.source_id, t.status, t.entries,
       regexp_extract(d.url, '[^/]+$') AS page
FROM discovered_items d LEFT JOIN tickers t USING (source_id)
ORDER BY d.verdict DESC, d.source_id"""


@dataclass(frozen=True, slots=True)
class DemoPaths:
    warehouse: Path
    data_dir: Path
    airflow_home: Path

    @property
    def log(self) -> Path:
        return self.data_dir / "logs" / "demo-airflow.log"


def default_paths(warehouse: Path, data_dir: Path) -> DemoPaths:
    return DemoPaths(
        warehouse=warehouse.resolve(),
        data_dir=data_dir.resolve(),
        airflow_home=PROJECT_ROOT / ".airflow",
    )


def run_demo(
    paths: DemoPaths,
    *,
    say: Callable[[str], None],
    now: datetime,
    advance: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Generate sources, run one DAG cycle per snapshot, load the corpus; return counts."""
    root = demo_sources.replay_root(paths.data_dir)
    demo_sources.generate(root)
    with ReplayServer(root) as server:
        sources = demo_sources.write_sources_file(paths.data_dir, server.url)
        env = airflow_env.environment(paths.airflow_home, _tickerlake_env(paths, sources))
        say(f"Airflow metadata (SQLite) in {paths.airflow_home}; log: {paths.log}")
        airflow_env.migrate_db(env, paths.log)
        times = demo_sources.snapshot_times()
        for number, at in enumerate(times, start=1):
            server.clock.set(at)
            started = time.monotonic()
            airflow_env.test_dag("tickerlake_ingest", env, paths.log, now=at)
            counts = summary(paths.warehouse)
            say(
                f"cycle {number}/{len(times)} at {at:%Y-%m-%d %H:%M} UTC: "
                f"{counts['entries']} entries, {counts['entry_versions']} versions "
                f"({time.monotonic() - started:.0f} s)"
            )
            if advance:
                advance(f"{at:%H:%M} UTC")
    with connect(paths.warehouse) as con:
        load_corpus(con, BUNDLED, corpus="seed", now=now)
        enrich_connection(con, now=now)
        publish_reader(con, paths.warehouse)
    return summary(paths.warehouse)


def build_local(
    settings: Settings, *, now: datetime, on_cycle: Callable[[datetime], None] | None = None
) -> dict[str, int]:
    """The demo warehouse without Airflow: `run_cycle` once per snapshot against an
    in-process replay server, then the seed corpus and `enrich`, all at replay-clock times
    (`now` is used only for the corpus and enrichment), so two builds hold the same rows
    apart from the URLs, which name the server's port."""
    root = demo_sources.replay_root(settings.data_dir)
    demo_sources.generate(root)
    with ReplayServer(root) as server:
        path = demo_sources.write_sources_file(settings.data_dir, server.url)
        sources, outlets = load_sources(path), load_outlets(path)
        for number, at in enumerate(demo_sources.snapshot_times(), start=1):
            server.clock.set(at)
            run_cycle(sources, settings, run_id=f"demo-cycle-{number}", now=at, outlets=outlets)
            if on_cycle:
                on_cycle(at)
    with connect(settings.warehouse) as con:
        load_corpus(con, BUNDLED, corpus="seed", now=now)
        enrich_connection(con, now=now)
        publish_reader(con, settings.warehouse)
    return summary(settings.warehouse)


def _tickerlake_env(paths: DemoPaths, sources: Path) -> dict[str, str]:
    return {
        "TICKERLAKE_SOURCES": str(sources),
        "TICKERLAKE_WAREHOUSE": str(paths.warehouse),
        "TICKERLAKE_DATA_DIR": str(paths.data_dir),
    }


def summary(warehouse: Path) -> dict[str, int]:
    with connect(warehouse, read_only=True) as con:
        return {
            t: _count(con.execute(f"SELECT count(*) FROM {t}").fetchone()) for t in SUMMARY_TABLES
        }


def _count(row: tuple[int, ...] | None) -> int:
    return int(row[0]) if row else 0
