"""The bodies of the ingest, watch and maintain DAGs' tasks (ingest and watch share
theirs): each reads the run-time settings and calls the pipeline. Imports of `pipeline`
stages happen inside the functions, so a DAG-file parse loads none of them."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tickerlake_airflow import config

log = logging.getLogger(__name__)


def discover(run_id: str, now_param: str | None) -> dict[str, Any]:
    """The outlets' discovery step: its staged batch (None without outlets), every
    ticker of the outlets, the ids of the new ones (already fetched) and the cycle time."""
    from pipeline.cycle import discover_stage
    from pipeline.sources import load_outlets

    settings = config.settings()
    now = config.cycle_time(now_param)
    outlets = load_outlets(config.sources_file(settings))
    if not outlets:
        return {"path": None, "now": now.isoformat(), "tickers": [], "new": []}
    path, tickers, new = discover_stage(outlets, settings, batch_id=f"{run_id}-discovery", now=now)
    return {
        "path": str(path),
        "now": now.isoformat(),
        "tickers": [t.to_dict() for t in tickers],
        "new": sorted(new),
    }


def plan_ingest(run_id: str, discovered: dict[str, Any]) -> list[dict[str, Any]]:
    """The due sources (configured, and the outlets' tickers not fetched by discovery)
    in shards, each with its batch id and the cycle time."""
    from pipeline.cycle import plan_shards
    from pipeline.sources import Source, load_sources
    from pipeline.warehouse.backend import read_state

    settings = config.settings()
    now = config.cycle_time(discovered["now"])
    tickers = [Source.from_dict(t) for t in discovered["tickers"]]
    sources = load_sources(config.sources_file(settings))
    sources += [t for t in tickers if t.source_id not in set(discovered["new"])]
    shards = plan_shards(sources, read_state(settings), now=now)
    if not shards and discovered["path"]:
        shards = [[]]  # with no shard mapped, Airflow would skip the load of discovery's batch
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


def load(
    staged: list[dict[str, str]], load_id: str, discovered: dict[str, Any] | None = None
) -> dict[str, int]:
    """Load the staged batches (discovery's first) in one writer; the load's counts. The
    batches are deleted once loaded and kept when the load fails (a later load takes
    them). Then, when TICKERLAKE_FAIL_ABOVE is set and more than that share of the
    sources failed, the task fails (SourcesFailedError, not retried): what was fetched
    is loaded all the same."""
    from pipeline.cycle import check_failures, outcome
    from pipeline.settings import fail_above
    from pipeline.warehouse.backend import load_staged

    if discovered and discovered["path"]:
        staged = [{"path": discovered["path"], "now": discovered["now"]}, *staged]
    if not staged:
        return {}
    paths = [Path(s["path"]) for s in staged]
    now = config.cycle_time(staged[0]["now"])
    sources, failures = outcome(paths)  # read before the load deletes the batches
    counts = load_staged(config.settings(), paths, load_id=load_id, now=now).counts()
    tolerated = fail_above()
    if tolerated is not None:
        check_failures(sources, failures, tolerated)
    return counts


def maintain(run_id: str) -> dict[str, int]:
    """`tickerlake maintain`: its lines in the task log, its counts as the result."""
    from pipeline.maintain import maintain as maintain_all

    now = datetime.now(UTC)
    report = maintain_all(config.settings(), load_id=f"{run_id}-maintain", now=now)
    for line in report.lines():
        log.info("%s", line)
    return report.counts()
