"""One full ingest cycle without Airflow (fetch → parse → stage → load) over the demo
sources on a local replay server, cold (empty warehouse) and warm (all 304).

The host gate's politeness sleeps (TICKERLAKE_HOST_INTERVAL between request starts on
one host; the demo sources share the replay host) are part of what a cycle costs but
not work: `<label>_politeness_sleep_seconds` is their sum over all fetch threads, and
`<label>_busiest_thread_sleep_seconds` the most one thread slept (the least of the wall
time the sleeps can account for). Recorded by wrapping the system clock's sleep in this
process only."""

from __future__ import annotations

import tempfile
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock

from pipeline.cycle import run_cycle
from pipeline.demo import sources as demo_sources
from pipeline.demo.replay import ReplayServer
from pipeline.fetch.politeness import SystemClock
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
            slept: defaultdict[int, float] = defaultdict(float)
            with mock.patch.object(SystemClock, "sleep", _recording(slept)):
                started = time.perf_counter()
                now = datetime.now(UTC)
                report = run_cycle(sources, settings, run_id=f"bench-{label}", now=now)
                timings[f"{label}_seconds"] = round(time.perf_counter() - started, 3)
            timings[f"{label}_entry_rows"] = report.entry_rows
            timings[f"{label}_politeness_sleep_seconds"] = round(sum(slept.values()), 3)
            timings[f"{label}_busiest_thread_sleep_seconds"] = round(
                max(slept.values(), default=0), 3
            )
    return {"sources": len(sources), **timings}


def _recording(slept: defaultdict[int, float]) -> Any:
    real = SystemClock.sleep

    def sleep(clock: SystemClock, seconds: float) -> None:
        slept[threading.get_ident()] += seconds
        real(clock, seconds)

    return sleep
