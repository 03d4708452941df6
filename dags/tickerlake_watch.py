"""tickerlake_watch: hot sources, fetched as soon as their page changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from airflow.sdk import dag, get_current_context, task
from tickerlake_airflow import assets, config, retries, tasks
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
        return tasks.plan_watch()

    changed = PageChangeSensor(
        task_id="wait_for_change",
        specs=plan(),
        interval=config.watch_interval(),
        timeout=timedelta(hours=1).total_seconds(),
        soft_fail=True,
    )

    @task(pool="ticker_http")
    def fetch_parse(specs: list[dict[str, Any]]) -> dict[str, str]:
        batch_id = f"{get_current_context()['run_id']}-watch"
        return tasks.fetch_parse(specs, batch_id, config.cycle_time(None))

    @task(pool="duckdb_writer", outlets=[assets.WAREHOUSE])
    def load(staged: dict[str, str]) -> dict[str, int]:
        return tasks.load([staged], get_current_context()["run_id"])

    # At run time the sensor's XComArg resolves to the changed sources' specs.
    load(fetch_parse(changed.output))  # type: ignore[arg-type]


tickerlake_watch()
