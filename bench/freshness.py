"""Freshness (issue 6): how soon an entry that appears on a source is queryable through
the reader snapshot, with Airflow running for real (`airflow standalone`: LocalExecutor,
SQLite metadata, the DuckDB file; `tickerlake_enrich` unpaused as in a deployment).

Targets: within one schedule interval + 30 s in scheduled mode (`tickerlake_ingest` every
minute), within 30 s in watch mode (`tickerlake_watch`, every source hot, polled every
5 s). 20 sources on an in-process replay server; each has an initial page and one change
per mode, each change a new entry with a headline of its own. The replay clock only
moves forward, so source k's change is the k-th clock move of its mode.

Scheduled mode makes the 20 changes at random moments (seeded) over three intervals;
watch mode makes them one after another, each a random 0-5 s after the previous one
showed. A change's latency runs from the clock move until its entry is in the reader
snapshot (polled read-only every 0.5 s). The replay serves every source from one host,
where real sources are distinct publishers, so per-host request spacing is off.
"""

from __future__ import annotations

import math
import os
import random
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import yaml

from dev.topology import (
    START_TIMEOUT,
    AirflowApi,
    Processes,
    connect_api,
    free_port,
    standalone_environment,
    start_standalone,
)
from pipeline.demo.replay import ReplayServer, snapshot_name
from pipeline.demo.sources import DemoEntry, render_jsonld
from pipeline.warehouse import reader_path

SOURCES = 20
SEED = 6
SCHEDULE, INTERVAL = "* * * * *", 60.0
WATCH_INTERVAL = 5
MODES = ("scheduled", "watch")
TARGETS = {"scheduled": INTERVAL + 30.0, "watch": 30.0}
SPREAD = 3 * INTERVAL  # scheduled changes fall anywhere in three intervals
WATCH_PAUSE = 5.0
LOOK_EVERY = 0.5
T0 = datetime(2025, 1, 1, tzinfo=UTC)  # replay time of the initial pages
DAGS = ("tickerlake_ingest", "tickerlake_enrich")
WORDS = ["harbour", "summit", "talks", "delegation", "statement", "ceasefire", "minister",
         "press", "briefing", "vote", "council", "border", "convoy", "aid"]  # fmt: skip


# --- the replay sources ----------------------------------------------------------------------


def source_id(k: int) -> str:
    return f"fresh-{k:02d}"


def headline(stage: str, k: int) -> str:
    """The entry source k gains at `stage` ("initial" or a mode)."""
    return f"Freshness {stage} {k:02d}"


def snapshot_time(stage: int, k: int) -> datetime:
    """Replay time of source k's page at `stage` (0 initial, then one per mode): every
    source's change of a mode after the previous mode's, in source order."""
    return T0 if stage == 0 else T0 + timedelta(minutes=(stage - 1) * SOURCES + k + 1)


def entries(stage: int, k: int, published: datetime) -> list[DemoEntry]:
    """Source k's entries at `stage`, newest first, each body its own words."""
    stages = ("initial", *MODES)[: stage + 1]
    made = []
    for number, name in enumerate(stages):
        rng = random.Random(f"{name}-{k}")
        body = " ".join(rng.choice(WORDS) for _ in range(40)).capitalize() + "."
        made.append(
            DemoEntry(number, headline(name, k), body, published + timedelta(minutes=number))
        )
    return made[::-1]


def write_root(root: Path, published: datetime) -> None:
    """Every source's pages in the replay layout; `published` dates the initial entries."""
    for k in range(SOURCES):
        for stage in range(len(MODES) + 1):
            at = snapshot_time(stage, k)
            path = root / source_id(k) / snapshot_name(at, "html")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(render_jsonld(entries(stage, k, published), at), encoding="utf-8")


def write_sources(path: Path, base_url: str) -> Path:
    sources = [
        {"id": source_id(k), "url": f"{base_url}/{source_id(k)}", "timezone": "Europe/Berlin",
         "language": "de", "allow_private": True}
        for k in range(SOURCES)
    ]  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump({"sources": sources}), encoding="utf-8")
    return path


# --- statistics ------------------------------------------------------------------------------


def change_moments(count: int, spread: float, rng: random.Random) -> list[float]:
    """Seconds after the start at which to make `count` changes, ascending."""
    return sorted(rng.uniform(0, spread) for _ in range(count))


def percentile(values: Sequence[float | None], q: float) -> float | None:
    """Nearest-rank percentile of non-empty `values`; a miss (None) ranks above any time."""
    ordered = sorted(values, key=lambda v: math.inf if v is None else v)
    return ordered[max(1, math.ceil(q / 100 * len(ordered))) - 1]


def summarise(latencies: Sequence[float | None], target: float) -> dict[str, Any]:
    p50, p95, worst = (percentile(latencies, q) for q in (50, 95, 100))
    return {
        "target_seconds": target,
        "p50_seconds": p50,
        "p95_seconds": p95,
        "max_seconds": worst,
        "missed": sum(v is None for v in latencies),
        "p95_within_target": p95 is not None and p95 <= target,
        "max_within_target": worst is not None and worst <= target,
        "latencies_seconds": list(latencies),
    }


# --- measuring -------------------------------------------------------------------------------


def visible(reader: Path) -> set[str]:
    """Headlines of the bench's entries an analyst can query now."""
    if not reader.exists():
        return set()
    with duckdb.connect(str(reader), read_only=True) as con:
        sql = "SELECT title FROM timeline WHERE kind = 'entry' AND title LIKE 'Freshness %'"
        return {title for (title,) in con.execute(sql).fetchall()}


@dataclass
class Tracker:
    """One mode's changes: when each was made and when it first showed."""

    procs: Processes
    server: ReplayServer
    reader: Path
    stage: int
    made: dict[int, float] = field(default_factory=dict)
    seen: dict[int, float] = field(default_factory=dict)

    def change(self, k: int) -> None:
        self.server.clock.set(snapshot_time(self.stage, k))
        self.made[k] = time.monotonic()

    def look(self) -> None:
        """Fail if a service died; note the changes that show now; wait a moment."""
        self.procs.check()
        titles, now = visible(self.reader), time.monotonic()
        mode = MODES[self.stage - 1]
        for k in self.made.keys() - self.seen.keys():
            if headline(mode, k) in titles:
                self.seen[k] = now
        time.sleep(LOOK_EVERY)

    def latencies(self) -> list[float | None]:
        return [
            round(self.seen[k] - self.made[k], 1) if k in self.seen else None
            for k in sorted(self.made)
        ]


def run_scheduled(tracker: Tracker, rng: random.Random) -> None:
    moments = list(enumerate(change_moments(SOURCES, SPREAD, rng)))
    start = time.monotonic()
    give_up = start + SPREAD + 2 * TARGETS["scheduled"]
    while len(tracker.seen) < SOURCES and time.monotonic() < give_up:
        while moments and time.monotonic() - start >= moments[0][1]:
            tracker.change(moments.pop(0)[0])
        tracker.look()


def run_watch(tracker: Tracker, rng: random.Random) -> None:
    for k in range(SOURCES):
        time.sleep(rng.uniform(0, WATCH_PAUSE))
        tracker.change(k)
        give_up = time.monotonic() + 4 * TARGETS["watch"]
        while k not in tracker.seen and time.monotonic() < give_up:
            tracker.look()


def ingest_idle(api: AirflowApi) -> bool:
    return not any(r["state"] in {"queued", "running"} for r in api.runs("tickerlake_ingest"))


def watch_waiting(api: AirflowApi) -> bool:
    """A watch run's trigger is polling the pages."""
    return any(
        api.task_states("tickerlake_watch", r["dag_run_id"]).get("wait_for_change[-1]")
        == "deferred"
        for r in api.runs("tickerlake_watch")
        if r["state"] == "running"
    )


def settings(work: Path, base_url: str) -> dict[str, str]:
    warehouse = work / "warehouse" / "tickerlake.duckdb"
    return {
        "TICKERLAKE_INGEST_SCHEDULE": SCHEDULE,
        "TICKERLAKE_WATCH_SOURCES": ",".join(source_id(k) for k in range(SOURCES)),
        "TICKERLAKE_WATCH_INTERVAL": str(WATCH_INTERVAL),
        "TICKERLAKE_SOURCES": str(write_sources(work / "var" / "sources.yaml", base_url)),
        "TICKERLAKE_WAREHOUSE": str(warehouse),
        "TICKERLAKE_DATA_DIR": str(work / "var"),
        "TICKERLAKE_HOST_INTERVAL": "0",
        "TICKERLAKE_HOST_CONCURRENCY": "8",
    }


def measure(work: Path, rng: random.Random) -> dict[str, list[float | None]]:
    """Both modes on one Airflow: scheduled first, then ingest paused and watch on."""
    write_root(work / "replay", published=datetime.now(UTC) - timedelta(hours=1))
    with ReplayServer(work / "replay", at=T0) as server:
        env_settings = settings(work, server.url)
        reader = reader_path(Path(env_settings["TICKERLAKE_WAREHOUSE"]))
        port = free_port()
        env = standalone_environment(work, port, env_settings)
        with Processes(env, work / "logs") as procs:
            start_standalone(procs)
            api = connect_api(procs, f"http://127.0.0.1:{port}", DAGS)
            initial = {headline("initial", k) for k in range(SOURCES)}
            procs.wait_until(
                lambda: visible(reader) >= initial,
                what="the first scheduled run to load every source",
                timeout=START_TIMEOUT + INTERVAL,
            )
            scheduled = Tracker(procs, server, reader, stage=1)
            run_scheduled(scheduled, rng)
            watch = Tracker(procs, server, reader, stage=2)
            switch_to_watch(procs, api)
            run_watch(watch, rng)
    return {"scheduled": scheduled.latencies(), "watch": watch.latencies()}


def switch_to_watch(procs: Processes, api: AirflowApi) -> None:
    api.pause("tickerlake_ingest")
    procs.wait_until(lambda: ingest_idle(api), what="ingest to finish", timeout=START_TIMEOUT)
    api.unpause("tickerlake_watch")
    procs.wait_until(lambda: watch_waiting(api), what="a watch run", timeout=START_TIMEOUT)


def run() -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="tickerlake-freshness-"))
    load_before = os.getloadavg()
    try:
        latencies = measure(work, random.Random(SEED))
    except Exception as exc:
        exc.add_note(f"freshness bench: logs in {work / 'logs'}")
        raise
    modes = {mode: summarise(latencies[mode], TARGETS[mode]) for mode in MODES}
    result = {
        "sources": SOURCES,
        "changes_per_mode": SOURCES,
        "seed": SEED,
        "scheduled": {"schedule": SCHEDULE, **modes["scheduled"]},
        "watch": {"poll_interval_seconds": WATCH_INTERVAL, **modes["watch"]},
        "passed": all(m["p95_within_target"] for m in modes.values()),
        "machine": f"{os.cpu_count()} cores shared with other jobs; load average "
        f"{load_before[0]:.1f} before, {os.getloadavg()[0]:.1f} after",
    }
    if result["passed"]:
        shutil.rmtree(work, ignore_errors=True)
    else:
        result["logs"] = str(work / "logs")
    return result
