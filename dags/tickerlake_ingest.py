"""tickerlake_ingest: discover (outlets) → plan shards → fetch and parse each shard →
load in one writer.

Declarations only; every step calls `pipeline`. Nothing at module level does I/O.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from airflow.sdk import Param, dag, get_current_context, task
from tickerlake_airflow import assets, config, retries, tasks

DOC = """
### tickerlake_ingest
One ingest cycle over every source in the sources file (Airflow Variable
`tickerlake_sources`, else `TICKERLAKE_SOURCES`), every 2 minutes by default
(`TICKERLAKE_INGEST_SCHEDULE`: a cron expression, a preset or `none`):

0. **discover** (pool `ticker_http`) reads the outlets' feeds and news sitemaps with
   conditional GET, classifies new item URLs once and stages each new ticker's first
   fetch, so a ticker is loaded in the cycle it appears (docs/sources.md);
1. **plan** reads each source's validators (ETag, Last-Modified, body hash) and last
   fetch time from the warehouse, leaves out sources whose `poll_interval` has not
   passed yet, and cuts the rest into shards of 50;
2. **fetch_parse** (one mapped task per shard, pool `ticker_http`) fetches with
   conditional GET, archives changed bodies, splits pages into entries and stages them;
3. **load** (pool `duckdb_writer`, one slot) is the single writer: it applies the staged
   batches in one transaction and updates the `tickerlake_warehouse` asset, which
   schedules `tickerlake_enrich`.

Runs are keyed on the run id and the fetch times, never on the logical date, so manual
and API runs work alike. Param `now` (ISO-8601 with offset) replays a cycle at a chosen
time; the demo uses it. Transient errors are retried with backoff, permanent ones fail.
"""


@dag(
    dag_id="tickerlake_ingest",
    schedule=config.ingest_schedule(),
    start_date=datetime(2025, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    tags=["tickerlake", "ingest"],
    doc_md=DOC,
    default_args=retries.default_args(),
    params={"now": Param(None, type=["null", "string"], description="cycle time, ISO-8601")},
)
def tickerlake_ingest() -> None:
    @task(pool="ticker_http")
    def discover() -> dict[str, Any]:
        context = get_current_context()
        return tasks.discover(context["run_id"], context["params"].get("now"))

    @task
    def plan(discovered: dict[str, Any]) -> list[dict[str, Any]]:
        return tasks.plan_ingest(get_current_context()["run_id"], discovered)

    @task(pool="ticker_http")
    def fetch_parse(shard: dict[str, Any]) -> dict[str, str]:
        now = config.cycle_time(shard["now"])
        return tasks.fetch_parse(shard["specs"], shard["batch_id"], now)

    @task(pool="duckdb_writer", outlets=[assets.WAREHOUSE])
    def load(staged: list[dict[str, str]], discovered: dict[str, Any]) -> dict[str, int]:
        # One slice read of the mapped XComs: iterating would ask for one past the end,
        # and the 404 for it is logged at error level in every successful run.
        return tasks.load(list(staged[:]), get_current_context()["run_id"], discovered)

    # At run time the mapped XComArg resolves to the list of staged batches.
    discovered = discover()
    load(fetch_parse.expand(shard=plan(discovered)), discovered)  # type: ignore[arg-type]


tickerlake_ingest()
