"""Crash trials: one load in a child process, killed with SIGKILL at a random moment.

The child (tests/support/crash_child.py) runs the load a cycle runs: open and migrate, one load
transaction, then the reader snapshot. `run_trials` first runs every step uninterrupted
(the reference run, timing each load), then for every trial restores the files from
before a random step, hands the step's load to a waiting child and kills it after a
seeded random delay between 0 and 1.2 × the measured load time, so kill points spread
over opening and migrating, the load transaction, the commit, the checkpoint and the
snapshot copy. Production code carries no test hook. After the kill the warehouse must
open, hold the history invariants, record each staged batch wholly or not at all, and
equal the state before or after the step; rerunning the load must then give exactly the
reference state, in the live file and in the reader snapshot.

Compared state: every table of the warehouse, all columns, except `_migrations.applied_at`
(DuckDB's clock when a migration ran). Load ids and `now` are the same in the reference
run and the rerun after a crash, so nothing else may differ.
"""

from __future__ import annotations

import json
import random
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from pipeline import stage
from pipeline.settings import PROJECT_ROOT
from pipeline.warehouse import backend, connect, query_path
from tests.support import crash_child
from tests.support.settings import on_file
from tests.warehouse.test_stage_load import assert_history_is_consistent, observation

SOURCES = ("alpha", "beta", "gamma")
ENTRIES = 60
T0 = datetime(2025, 8, 14, 12, 0, tzinfo=UTC)
DELAY_SPREAD = 1.2  # kill up to 20 % after the load would have finished
State = dict[str, list[tuple[Any, ...]]]


def _ids(source: str, numbers: range | list[int]) -> list[str]:
    return [f"{source}-{n:03d}" for n in numbers]


def _step_pages(step: int) -> dict[str, dict[str, str]]:
    """Per step and source, entry id → body: new entries, edits, misses, a deletion, a
    restoration and a page that suddenly loses most of its entries (suspect)."""
    full = {s: dict.fromkeys(_ids(s, range(ENTRIES)), "Text.") for s in SOURCES}
    if step == 0:
        return full
    alpha = {k: v for k, v in full["alpha"].items() if not k.endswith(("5", "7"))}
    alpha.update(dict.fromkeys(_ids("alpha", range(ENTRIES, ENTRIES + 10)), "Neu."))
    beta = {**full["beta"], **dict.fromkeys(_ids("beta", range(0, 20)), f"Korrigiert {step}.")}
    if step == 1:
        return {"alpha": alpha, "beta": beta, "gamma": full["gamma"]}
    gamma = dict.fromkeys(_ids("gamma", range(3)), "Text.")  # an outage skeleton
    alpha.update(dict.fromkeys(_ids("alpha", [5]), "Wieder da."))
    return {"alpha": alpha, "beta": beta, "gamma": gamma}


STEPS = 3


def step_time(step: int) -> datetime:
    return T0 + timedelta(minutes=10 * step)


def write_step(staging: Path, step: int) -> list[Path]:
    """The staged batches of one cycle: one per source."""
    pages = _step_pages(step)
    return [
        stage.write_batch(
            staging, observation(step_time(step), pages[s], source_id=s, batch_id=f"s{step}-{s}")
        )
        for s in SOURCES
    ]


def read_state(warehouse: Path) -> State:
    """Every table, sorted; `_migrations` by name only (see the module docstring)."""
    with connect(warehouse) as con:
        return state_of(con)


def state_of(con: duckdb.DuckDBPyConnection) -> State:
    tables = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
        "AND NOT temporary ORDER BY 1"
    ).fetchall()
    state = {
        t: con.execute(f'SELECT * FROM "{t}" ORDER BY ALL').fetchall()
        for (t,) in tables
        if t != "_migrations"
    }
    state["_migrations"] = con.execute("SELECT name FROM _migrations ORDER BY 1").fetchall()
    return state


def batches_whole(con: duckdb.DuckDBPyConnection, paths: list[Path]) -> bool:
    """Each batch is recorded as loaded exactly when all of its fetches are in the
    warehouse, and none of them otherwise."""
    for path in paths:
        loaded = con.execute(
            "SELECT count(*) FROM loaded_batches WHERE batch_id = ?", [stage.read_batch_id(path)]
        ).fetchone()
        present, total = con.execute(
            """
            SELECT count(f.source_id), count(*) FROM read_parquet(?) b
            LEFT JOIN fetches f USING (source_id, fetched_at, attempt)
            """,
            [str(path / "fetches.parquet")],
        ).fetchone() or (0, 0)
        if present != (total if loaded and loaded[0] else 0):
            return False
    return True


@dataclass(frozen=True, slots=True)
class Trial:
    number: int
    step: int
    delay: float
    killed: bool  # False: the load finished before the kill
    outcome: str  # "before" | "after" | "torn" (neither: a broken transaction)
    invariants: bool
    rerun_matches: bool

    @property
    def passed(self) -> bool:
        return self.outcome != "torn" and self.invariants and self.rerun_matches


@dataclass(slots=True)
class Reference:
    """The uninterrupted run: the state before and after each step, and its load time."""

    root: Path
    paths: list[list[Path]]
    seconds: list[float]
    before: list[State]
    after: list[State]

    def files_before(self, step: int) -> Path:
        return self.root / f"before-{step}"


def _warehouse(folder: Path) -> Path:
    return folder / "tickerlake.duckdb"


def spawn() -> subprocess.Popen[str]:
    """A child that has imported everything and waits for its load (started ahead of
    time, so one child's start-up overlaps the previous trial)."""
    return subprocess.Popen(
        [sys.executable, "-m", "tests.support.crash_child"],
        cwd=PROJECT_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def _go(process: subprocess.Popen[str], warehouse: Path, step: int, paths: list[Path]) -> None:
    """Wait until the child is ready, then hand it the load to run."""
    assert process.stdin is not None and process.stdout is not None
    assert process.stdout.readline() == "ready\n"
    args = [str(warehouse), f"cycle-{step}", step_time(step).isoformat(), *map(str, paths)]
    process.stdin.write(json.dumps(args) + "\n")
    process.stdin.flush()


def _restore(reference: Reference, step: int, folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(reference.files_before(step), folder)


def build_reference(root: Path) -> Reference:
    """Run every step once, uninterrupted (in this process: the same code as the child),
    keeping the files before each."""
    folder = root / "reference"
    folder.mkdir(parents=True)
    paths = [write_step(root / "staging", s) for s in range(STEPS)]
    seconds: list[float] = []
    before: list[State] = []
    after: list[State] = []
    for step in range(STEPS):
        shutil.copytree(folder, root / f"before-{step}")
        before.append(read_state(_warehouse(folder if step else root / "fresh")))
        started = time.perf_counter()
        crash_child.load(_warehouse(folder), paths[step], f"cycle-{step}", step_time(step))
        seconds.append(time.perf_counter() - started)
        after.append(read_state(_warehouse(folder)))
    return Reference(root, paths, seconds, before, after)


def run_trial(
    reference: Reference,
    process: subprocess.Popen[str],
    trial: tuple[int, random.Random],
    work: Path,
) -> Trial:
    number, rng = trial
    step = rng.randrange(STEPS)
    delay = rng.uniform(0, reference.seconds[step] * DELAY_SPREAD)
    _restore(reference, step, work)
    warehouse = _warehouse(work)
    _go(process, warehouse, step, reference.paths[step])
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.stdout is not None
    killed = process.stdout.read() != "done\n"  # the child waits for more after a load
    with connect(warehouse) as con:  # the warehouse opens (and migrates) after the crash
        state = state_of(con)
        whole = batches_whole(con, reference.paths[step])
        try:
            assert_history_is_consistent(con)
            consistent = whole
        except AssertionError:
            consistent = False
    outcome = _outcome(state, reference, step)
    backend.load(
        on_file(warehouse), reference.paths[step], load_id=f"cycle-{step}", now=step_time(step)
    )
    rerun = read_state(warehouse) == reference.after[step] == _reader_state(warehouse)
    return Trial(number, step, delay, killed, outcome, consistent, rerun)


def _outcome(state: State, reference: Reference, step: int) -> str:
    if state == reference.after[step]:
        return "after"
    if state == reference.before[step]:
        return "before"
    return "torn"


def _reader_state(warehouse: Path) -> State:
    with connect(query_path(warehouse), read_only=True) as con:
        return state_of(con)


def run_trials(trials: int, root: Path, *, seed: int = 7) -> list[Trial]:
    reference = build_reference(root)
    rng = random.Random(seed)
    results = []
    ready = spawn()
    try:
        for number in range(trials):
            process, ready = ready, spawn()
            results.append(run_trial(reference, process, (number, rng), root / "trial"))
    finally:
        ready.kill()
        ready.wait()
    return results
