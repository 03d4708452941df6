"""The bodies of the ingest and watch DAGs' tasks, shared by both: each reads the run-time
settings and calls the pipeline. Imports of `pipeline` stages happen inside the functions,
so a DAG-file parse loads none of them."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import Any

from tickerlake_airflow import config

log = logging.getLogger(__name__)


def plan_ingest(run_id: str, now_param: str | None) -> list[dict[str, Any]]:
    """The due sources in shards, each with its batch id and the cycle time."""
    from pipeline.cycle import plan_shards
    from pipeline.sources import load_sources
    from pipeline.warehouse.backend import read_state

    settings = config.settings()
    now = config.cycle_time(now_param)
    sources = load_sources(config.sources_file(settings))
    shards = plan_shards(sources, read_state(settings), now=now)
    return [
        {"batch_id": f"{run_id}-{i:04d}", "now": now.isoformat(), "specs": specs}
        for i, specs in enumerate(shards)
    ]


def plan_watch() -> list[dict[str, Any]]:
    """The hot sources' specs with their validators."""
    from pipeline.fetch.watch import watch_specs
    from pipeline.sources import load_sources
    from pipeline.warehouse.backend import read_state

    settings = config.settings()
    sources = load_sources(config.sources_file(settings))
    return watch_specs(sources, read_state(settings), config.watch_sources())


def fetch_parse(specs: list[dict[str, Any]], batch_id: str, now: datetime) -> dict[str, str]:
    """Fetch, parse and stage one shard; the staged batch's path and the cycle time. Each
    failed source is one warning in the task log."""
    from pipeline.cycle import fetch_parse_shard, outcome

    path = fetch_parse_shard(specs, config.settings(), batch_id=batch_id, now=now)
    for failure in outcome([path])[1]:
        log.warning(
            "source %s failed: %s: %s", failure.source_id, failure.error_class, failure.error
        )
    return {"path": str(path), "now": now.isoformat()}


def load(staged: list[dict[str, str]], load_id: str) -> dict[str, int]:
    """Load the staged batches in one writer; the load's counts. Then, when
    TICKERLAKE_FAIL_ABOVE is set and more than that share of the sources failed, the task
    fails (SourcesFailedError, not retried): what was fetched is loaded all the same."""
    from pipeline.cycle import check_failures, outcome
    from pipeline.settings import fail_above
    from pipeline.warehouse.backend import load as load_warehouse

    if not staged:
        return {}
    paths = [Path(s["path"]) for s in staged]
    now = config.cycle_time(staged[0]["now"])
    counts = load_warehouse(config.settings(), paths, load_id=load_id, now=now).counts()
    tolerated = fail_above()
    if tolerated is not None:
        check_failures(*outcome(paths), tolerated)
    return counts
