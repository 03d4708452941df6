"""tickerlake_watch: hot sources, fetched as soon as their page changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from airflow.sdk import dag, get_current_context, task
from tickerlake_airflow import assets, config, retries
from tickerlake_airflow.sensors import PageChangeSensor

DOC = """
### tickerlake_watch
For hot sources (Airflow Variable `tickerlake_watch_sources`, else
`TICKERLAKE_WATCH_SOURCES`: comma-separated source ids from the sources file).
Runs continuously, one run at a time:

1. **plan** reads the hot sources' validators from the warehouse;
2. **wait_for_change** defers to a trigger that polls every page with a conditional
   GET from the triggerer every `TICKERLAKE_WATCH_INTERVAL` seconds (default 15) and
   resumes only when one changed (a 200 with a new body); an hour without a change ends
   the run as skipped and the next run starts with fresh validators;
3. **fetch_parse** and **load** fetch, parse and load the changed sources exactly as
   `tickerlake_ingest` does, and update the `tickerlake_warehouse` asset.

Paused at creation: unpause it once hot sources are configured.
"""


@dag(
    dag_id="tickerlake_watch",
    schedule="@continuous",
    start_date=datetime(2025, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    is_paused_upon_creation=True,
    tags=["tickerlake", "watch"],
    doc_md=DOC,
    default_args=retries.default_args(),
)
def tickerlake_watch() -> None:
    @task
    def plan() -> list[dict[str, Any]]:
        from pipeline.cycle import read_state
        from pipeline.sources import load_sources
        from pipeline.watch import watch_specs

        settings = config.settings()
        sources = load_sources(config.sources_file(settings))
        state = read_state(settings.warehouse, settings.lake)
        return watch_specs(sources, state, config.watch_sources())

    changed = PageChangeSensor(
        task_id="wait_for_change",
        specs=plan(),
        interval=config.watch_interval(),
        timeout=timedelta(hours=1).total_seconds(),
        soft_fail=True,
    )

    @task(pool="ticker_http")
    def fetch_parse(specs: list[dict[str, Any]]) -> dict[str, str]:
        from pipeline.cycle import fetch_parse_shard

        now = datetime.now(UTC)
        batch_id = f"{get_current_context()['run_id']}-watch"
        path = fetch_parse_shard(specs, config.settings(), batch_id=batch_id, now=now)
        return {"path": str(path), "now": now.isoformat()}

    @task(pool="duckdb_writer", outlets=[assets.WAREHOUSE])
    def load(staged: dict[str, str]) -> dict[str, int]:
        from pathlib import Path

        from pipeline.cycle import load as load_warehouse

        settings = config.settings()
        report = load_warehouse(
            settings.warehouse,
            [Path(staged["path"])],
            load_id=get_current_context()["run_id"],
            now=config.cycle_time(staged["now"]),
            lake=settings.lake,
        )
        return report.counts()

    # At run time the sensor's XComArg resolves to the changed sources' specs.
    load(fetch_parse(changed.output))  # type: ignore[arg-type]


tickerlake_watch()
