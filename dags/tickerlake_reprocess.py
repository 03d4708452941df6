"""tickerlake_reprocess: re-parse archived pages with the current parser, offline."""

from __future__ import annotations

from datetime import UTC, datetime

from airflow.sdk import Param, dag, get_current_context, task
from tickerlake_airflow import assets, config, retries

DOC = """
### tickerlake_reprocess
The backfill after a parser fix: re-parses every archived changed fetch of the chosen
sources (`source`: a list of ids, empty for all) in `[since, until)` (ISO-8601 with
offset, empty for no bound) from the raw archive, with no network, and rebuilds their
entries and history. A window rebuilds them as if only its fetches had happened: when
that would drop history observed outside it the run fails with the counts, unless
`truncate` is set. Updates the `tickerlake_warehouse` asset. Manual runs only.
"""


@dag(
    dag_id="tickerlake_reprocess",
    schedule=None,
    start_date=datetime(2025, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    tags=["tickerlake", "reprocess"],
    doc_md=DOC,
    default_args=retries.default_args(),
    params={
        "source": Param([], type="array", items={"type": "string"}, description="source ids"),
        "since": Param(None, type=["null", "string"], description="from, ISO-8601"),
        "until": Param(None, type=["null", "string"], description="until, ISO-8601"),
        "truncate": Param(False, type="boolean", description="a window may drop history"),
    },
)
def tickerlake_reprocess() -> None:
    @task(pool="duckdb_writer", outlets=[assets.WAREHOUSE])
    def reprocess() -> dict[str, int]:
        from pipeline.reprocess import Selection
        from pipeline.reprocess import reprocess as reprocess_archive

        context = get_current_context()
        params = context["params"]
        since, until = (
            config.utc_param(k, params[k]) if params.get(k) else None for k in ("since", "until")
        )
        selection = Selection(
            tuple(params.get("source") or ()), since, until, bool(params.get("truncate"))
        )
        report = reprocess_archive(
            config.settings(),
            selection,
            load_id=f"reprocess-{context['run_id']}",
            now=datetime.now(UTC),
        )
        return report.counts()

    reprocess()


tickerlake_reprocess()
