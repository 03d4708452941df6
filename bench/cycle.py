"""One full ingest cycle without Airflow (fetch → parse → stage → load) over the demo
sources on a local replay server, cold (empty warehouse) and warm (all 304)."""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeline.cycle import run_cycle
from pipeline.demo import sources as demo_sources
from pipeline.demo.replay import ReplayServer
from pipeline.settings import from_env
from pipeline.sources import load_sources


def run() -> dict[str, Any]:
    work = Path(tempfile.mkdtemp())
    demo_sources.generate(work / "replay")
    env = {"TICKERLAKE_WAREHOUSE": str(work / "w.duckdb"), "TICKERLAKE_DATA_DIR": str(work)}
    settings = from_env(env)
    timings: dict[str, Any] = {}
    with ReplayServer(work / "replay", at=demo_sources.snapshot_times()[-1]) as server:
        (work / "s.yaml").write_text(demo_sources.sources_yaml(server.url))
        sources = load_sources(work / "s.yaml")
        for label in ("cold", "warm"):
            started = time.perf_counter()
            now = datetime.now(UTC)
            report = run_cycle(sources, settings, run_id=f"bench-{label}", now=now)
            timings[f"{label}_seconds"] = round(time.perf_counter() - started, 3)
            timings[f"{label}_entry_rows"] = report.entry_rows
    return {"sources": len(sources), **timings}
