"""tickerlake_enrich: recompute what derives from the loaded entries, after each load."""

from __future__ import annotations

from datetime import UTC, datetime

from airflow.sdk import dag, task
from tickerlake_airflow import assets, config, retries

DOC = """
### tickerlake_enrich
Scheduled on the `tickerlake_warehouse` asset, so it runs after every load (ingest,
watch, corpus, reprocess). In one transaction it rebuilds the full-text indexes, the
near-duplicate stories and the entry ↔ corpus document links, then publishes the
reader snapshot analysts query. On DuckLake it computes in an in-memory workspace and
replaces stories and links in one lake transaction; the full-text indexes are not
stored in the lake (it holds no macros). Running it twice on the same data gives the
same rows. Pool `duckdb_writer`: it writes the warehouse.
"""


@dag(
    dag_id="tickerlake_enrich",
    schedule=[assets.WAREHOUSE],
    start_date=datetime(2025, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    # Unpaused from the start: it runs only when a load updates the warehouse asset, so
    # it is live exactly where ingest (or corpus, reprocess) is.
    is_paused_upon_creation=False,
    tags=["tickerlake", "enrich"],
    doc_md=DOC,
    default_args=retries.default_args(),
)
def tickerlake_enrich() -> None:
    @task(pool="duckdb_writer")
    def enrich() -> dict[str, int]:
        from pipeline.enrich.run import enrich_warehouse

        return enrich_warehouse(config.settings(), now=datetime.now(UTC)).counts()

    enrich()


tickerlake_enrich()
