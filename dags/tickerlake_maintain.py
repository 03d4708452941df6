"""tickerlake_maintain: keep the warehouse, staging and the raw archive small, daily."""

from __future__ import annotations

from datetime import UTC, datetime

from airflow.sdk import dag, get_current_context, task
from tickerlake_airflow import assets, config, retries, tasks

DOC = """
### tickerlake_maintain
Daily by default (`TICKERLAKE_MAINTAIN_SCHEDULE`: a cron expression, a preset or
`none`), one task, `maintain` (pool `duckdb_writer`, so never beside a load), the same
as `tickerlake maintain`:

- **staging**: loads the batches failed loads kept (older than ten minutes) and
  deletes their folders, and deletes dead partial writes;
- **warehouse**: on DuckLake merges small Parquet files, expires snapshots older than
  `TICKERLAKE_SNAPSHOT_RETENTION_HOURS` (default 24) and deletes the files nothing
  needs any more; on the DuckDB file a CHECKPOINT and a fresh reader snapshot;
- **archive**: with `TICKERLAKE_ARCHIVE_RETENTION_DAYS` set, deletes raw bodies older
  than that which no fetch since brought (`reprocess` then starts at that cutoff).

Its log line says what it did: files and bytes before and after, snapshots expired.
Unpaused at creation, like `tickerlake_enrich`: on a warehouse not created yet it does
nothing.
"""


@dag(
    dag_id="tickerlake_maintain",
    schedule=config.maintain_schedule(),
    start_date=datetime(2025, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    is_paused_upon_creation=False,
    tags=["tickerlake", "maintain"],
    doc_md=DOC,
    default_args=retries.default_args(),
)
def tickerlake_maintain() -> None:
    # Leftover batches it loads change the warehouse: the asset then schedules enrich.
    @task(pool="duckdb_writer", outlets=[assets.WAREHOUSE])
    def maintain() -> dict[str, int]:
        return tasks.maintain(get_current_context()["run_id"])

    maintain()


tickerlake_maintain()
