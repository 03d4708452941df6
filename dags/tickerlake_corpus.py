"""tickerlake_corpus: load or refresh a reference corpus."""

from __future__ import annotations

from datetime import UTC, datetime

from airflow.sdk import Param, dag, get_current_context, task
from tickerlake_airflow import assets, config, retries

DOC = """
### tickerlake_corpus
Loads (or refreshes) a reference corpus: every `*.txt` in the folder `path` (a path the
workers see; empty: the bundled seed corpus) becomes a `documents` row with its
paragraphs. `name` defaults to the folder name. Updates the `tickerlake_warehouse`
asset, so `tickerlake_enrich` aligns entries with the new documents. Manual runs only.
"""


@dag(
    dag_id="tickerlake_corpus",
    schedule=None,
    start_date=datetime(2025, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    tags=["tickerlake", "corpus"],
    doc_md=DOC,
    default_args=retries.default_args(),
    params={
        "path": Param(None, type=["null", "string"], description="folder of *.txt documents"),
        "name": Param(None, type=["null", "string"], description="corpus name"),
    },
)
def tickerlake_corpus() -> None:
    @task(pool="duckdb_writer", outlets=[assets.WAREHOUSE])
    def load_corpus() -> int:
        from pathlib import Path

        from pipeline.enrich.corpus import BUNDLED, load_into

        params = get_current_context()["params"]
        directory = Path(params["path"]) if params.get("path") else BUNDLED
        name = params.get("name") or ("seed" if directory == BUNDLED else directory.name)
        return load_into(config.settings(), directory, corpus=name, now=datetime.now(UTC))

    load_corpus()


tickerlake_corpus()
