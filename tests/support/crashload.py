"""Crash trials: one load in a child process, killed with SIGKILL in a chosen phase.

The child (tests/support/crash_child.py) runs the load a cycle runs and names each phase
as it begins: open and migrate, the load transaction, its commit, and on the DuckDB file
the reader snapshot's checkpoint, copy and rename. `run_trials` first runs every step
uninterrupted in this process (the reference run, timing each phase), then for every
trial restores the warehouse from before a seeded-random step, aims at the next phase in
turn, hands the step's load to a waiting child, and once the child names that phase
kills it after a seeded random delay within the phase's hold and half its measured
time. The phase the kill landed in is the last one the child named. Production code
carries no test hook.

After the kill and before anything else opens the warehouse, the reader's view (the
reader snapshot of the file, read-only; the DuckLake catalog attached read-only) must
equal the state before or after the step. Then the warehouse must open, hold the history
invariants, record each staged batch wholly or not at all, and equal the state before or
after the step; rerunning the load must give exactly the reference state, in the live
data and in the reader's view.

DuckLake trials copy the catalog database from before the step into a fresh PostgreSQL
database per trial (CREATE DATABASE ... TEMPLATE); all share one data path, whose Parquet
files DuckLake never rewrites (a killed load leaves only unreferenced files behind).

Compared state: every table of the warehouse, all columns, except `_migrations.applied_at`
(DuckDB's clock when a migration ran). Load ids and `now` are the same in the reference
run and the rerun after a crash, so nothing else may differ.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import duckdb

from pipeline import stage
from pipeline.errors import WarehouseMissingError
from pipeline.settings import PROJECT_ROOT, LakeConfig, Settings
from pipeline.warehouse import backend, connect, db, reader_path
from pipeline.warehouse.lake import connect_lake
from tests.support import crash_child, services
from tests.support.settings import on_file
from tests.warehouse.test_stage_load import assert_history_is_consistent, observation

SOURCES = ("alpha", "beta", "gamma")
ENTRIES = 60
T0 = datetime(2025, 8, 14, 12, 0, tzinfo=UTC)
HOLD = 0.02  # seconds the child waits at the start of each phase (see crash_child)
INTO_PHASE = 0.5  # kill at most this share of the phase's measured time into it
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
    # A kill before the first migration leaves no `_migrations` table: nothing applied.
    migrated = any(t == "_migrations" for (t,) in tables)
    state["_migrations"] = (
        con.execute("SELECT name FROM _migrations ORDER BY 1").fetchall() if migrated else []
    )
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


class Target(Protocol):
    """Where a trial's warehouse lives: the DuckDB file or a DuckLake catalog."""

    phases: tuple[str, ...]

    def reference(self) -> Any:
        """The child's target argument for the reference warehouse."""

    def keep_before(self, step: int) -> None:
        """Keep a copy of the reference warehouse as it is before `step`."""

    def restore(self, step: int, trial: int) -> Any:
        """A trial's own copy of the warehouse before `step`; its child target argument."""

    def discard(self, arg: Any) -> None:
        """Remove a trial's copy."""

    def settings(self, arg: Any) -> Settings: ...

    def reader_state(self, arg: Any) -> State | None:
        """What a reader sees, opened read-only (None: nothing to read yet)."""


def run_load(target: Any, paths: list[Path], step: int, announce: crash_child.Announce) -> None:
    load_id, now = f"cycle-{step}", step_time(step)
    if isinstance(target, dict):
        crash_child.load_lake(LakeConfig(**target), paths, load_id, now, announce)
    else:
        crash_child.load(Path(target), paths, load_id, now, announce)


def live_state(settings: Settings) -> State:
    """The state as the writer sees it (the warehouse opened, and migrated, for writing)."""
    with backend.writing(settings) as con:
        return state_of(con)


@dataclass(slots=True)
class FileTarget:
    """The DuckDB file: a folder per copy, the reader snapshot beside the live file."""

    root: Path
    phases: tuple[str, ...] = crash_child.FILE_PHASES

    def _file(self, name: str) -> Path:
        return self.root / name / "tickerlake.duckdb"

    def reference(self) -> str:
        self._file("reference").parent.mkdir(parents=True, exist_ok=True)
        return str(self._file("reference"))

    def keep_before(self, step: int) -> None:
        shutil.copytree(self.root / "reference", self.root / f"before-{step}")

    def restore(self, step: int, trial: int) -> str:
        shutil.copytree(self.root / f"before-{step}", self.root / f"trial-{trial}")
        return str(self._file(f"trial-{trial}"))

    def discard(self, arg: str) -> None:
        shutil.rmtree(Path(arg).parent)

    def settings(self, arg: str) -> Settings:
        return on_file(Path(arg))

    def reader_state(self, arg: str) -> State | None:
        snapshot = reader_path(Path(arg))
        if not snapshot.exists():
            return None
        with connect(snapshot, read_only=True) as con:
            return state_of(con)


@dataclass(slots=True)
class LakeTarget:
    """DuckLake on the local PostgreSQL: a catalog database per copy, one data path."""

    root: Path
    databases: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)
    names: dict[str, str] = field(default_factory=dict)
    phases: tuple[str, ...] = crash_child.LAKE_PHASES

    def _config(self, database: str) -> dict[str, str]:
        return {"catalog": services.dsn(database), "data_path": str(self.root / "lake-data")}

    def _database(self, key: str, template: str | None = None) -> str:
        self.names[key] = self.databases.enter_context(services.fresh_database(template))
        return self.names[key]

    def reference(self) -> dict[str, str]:
        return self._config(self._database("reference"))

    def keep_before(self, step: int) -> None:
        self._database(f"before-{step}", self.names["reference"])

    def restore(self, step: int, trial: int) -> dict[str, str]:
        return self._config(self._database(f"trial-{trial}", self.names[f"before-{step}"]))

    def discard(self, arg: dict[str, str]) -> None:
        pass  # dropped with the others when the trials end

    def settings(self, arg: dict[str, str]) -> Settings:
        return on_file(self.root / "unused.duckdb", LakeConfig(**arg))

    def reader_state(self, arg: dict[str, str]) -> State | None:
        try:
            con = connect_lake(LakeConfig(**arg), read_only=True)
        except WarehouseMissingError:
            return None
        with con:
            return state_of(con)


@dataclass(slots=True)
class Reference:
    """The uninterrupted run: the state before and after each step (live and as readers
    see it) and how long each phase of each step took."""

    paths: list[list[Path]]
    seconds: list[dict[str, float]]
    before: list[State]
    after: list[State]
    reader_before: list[State | None]


def _note(phases: list[tuple[str, float]], phase: str) -> None:
    phases.append((phase, time.perf_counter()))


def _timed(phases: list[tuple[str, float]], ended: float) -> dict[str, float]:
    ends = [t for _, t in phases[1:]] + [ended]
    return {name: end - start for (name, start), end in zip(phases, ends, strict=True)}


def build_reference(target: Target, root: Path) -> Reference:
    """Run every step once, uninterrupted, in this process (the child's code), keeping
    the warehouse from before each step."""
    arg = target.reference()
    paths = [write_step(root / "staging", s) for s in range(STEPS)]
    reference = Reference(paths, [], [], [], [])
    with contextlib.ExitStack() as scratch:
        fresh = scratch.enter_context(_scratch_copy(target))
        reference.before.append(live_state(target.settings(fresh)))
    for step in range(STEPS):
        target.keep_before(step)
        if step:
            reference.before.append(reference.after[-1])
        reference.reader_before.append(target.reader_state(arg))
        phases: list[tuple[str, float]] = []
        run_load(arg, paths[step], step, functools.partial(_note, phases))
        reference.seconds.append(_timed(phases, time.perf_counter()))
        reference.after.append(target.reader_state(arg) or {})
    return reference


@contextlib.contextmanager
def _scratch_copy(target: Target) -> Iterator[Any]:
    """A throwaway copy of the still empty reference (reading the state of a fresh
    warehouse migrates it, which the reference must not do ahead of its first load)."""
    target.keep_before(0)
    copy = target.restore(0, -1)
    try:
        yield copy
    finally:
        target.discard(copy)
        if isinstance(target, FileTarget):
            shutil.rmtree(target.root / "before-0")
        elif isinstance(target, LakeTarget):
            target.names.pop("before-0")


@dataclass(frozen=True, slots=True)
class Trial:
    number: int
    step: int
    aimed: str  # the phase the kill was aimed at
    landed: str  # the last phase the child named before it died; "done" if it finished
    delay: float
    reader: str  # what the reader saw right after the kill: "before" | "after" | "torn"
    outcome: str  # the live state after the kill: "before" | "after" | "torn"
    invariants: bool
    rerun_matches: bool

    @property
    def killed(self) -> bool:
        return self.landed != "done"

    @property
    def passed(self) -> bool:
        return "torn" not in (self.reader, self.outcome) and self.invariants and self.rerun_matches


def spawn() -> subprocess.Popen[str]:
    """A child that has imported everything and waits for its load (started ahead of
    time, so one child's start-up overlaps the previous trial)."""
    return subprocess.Popen(
        [sys.executable, "-m", "tests.support.crash_child"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "TICKERLAKE_CRASH_HOLD": str(HOLD)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def _kill_in(process: subprocess.Popen[str], line: str, aimed: str, delay: float) -> str:
    """Hand the child its load, SIGKILL it `delay` after it names the phase `aimed`;
    returns the last phase it named."""
    assert process.stdin is not None and process.stdout is not None
    assert process.stdout.readline() == "ready\n"
    process.stdin.write(line)
    process.stdin.flush()
    named = [process.stdout.readline().strip()]
    while named[-1] not in (aimed, "done", ""):
        named.append(process.stdout.readline().strip())
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait()
    named += process.stdout.read().split()
    return next(n for n in reversed(named) if n)


def run_trial(
    target: Target, reference: Reference, process: subprocess.Popen[str], trial: tuple[int, Any]
) -> Trial:
    number, rng = trial
    step = rng.randrange(STEPS)
    aimed = target.phases[number % len(target.phases)]
    delay = rng.uniform(0, HOLD + INTO_PHASE * reference.seconds[step][aimed])
    arg = target.restore(step, number)
    paths = reference.paths[step]
    line = json.dumps([arg, f"cycle-{step}", step_time(step).isoformat(), *map(str, paths)])
    landed = _kill_in(process, line + "\n", aimed, delay)
    seen = target.reader_state(arg)  # before anything opens the warehouse for writing
    reader = _outcome(seen, reference.reader_before[step], reference.after[step])
    if reader == "torn" and (seen == reference.before[step] or _partly_migrated(seen)):
        reader = "before"  # a fresh lake, (partly) migrated by the killed child before its load
    settings = target.settings(arg)
    with backend.writing(settings) as con:  # it opens (and migrates) after the crash
        state = state_of(con)
        try:
            assert_history_is_consistent(con)
            consistent = batches_whole(con, paths)
        except AssertionError:
            consistent = False
    outcome = _outcome(state, reference.before[step], reference.after[step])
    backend.load(settings, paths, load_id=f"cycle-{step}", now=step_time(step))
    rerun = live_state(settings) == reference.after[step] == target.reader_state(arg)
    target.discard(arg)
    return Trial(number, step, aimed, landed, delay, reader, outcome, consistent, rerun)


def _partly_migrated(seen: State | None) -> bool:
    """A fresh lake whose migrations the kill cut short: those applied (each is one
    transaction) are there whole, the rest are not, and no data is yet; the next writer
    applies the rest (which `outcome` and the rerun check)."""
    if seen is None:
        return False
    applied = {row[0] for row in seen["_migrations"]}
    pending = {f.stem for f in db.migration_files()} - applied
    return bool(pending) and not any(rows for t, rows in seen.items() if t != "_migrations")


def _outcome(state: State | None, before: State | None, after: State) -> str:
    if state == after:
        return "after"
    if state == before:
        return "before"
    return "torn"


def run_trials(trials: int, root: Path, *, lake: bool = False, seed: int = 7) -> list[Trial]:
    """`trials` kills, aimed at each phase in turn, on the DuckDB file or on DuckLake."""
    target: FileTarget | LakeTarget = LakeTarget(root) if lake else FileTarget(root)
    with contextlib.ExitStack() as stack:
        if isinstance(target, LakeTarget):
            stack.enter_context(target.databases)
        reference = build_reference(target, root)
        rng = random.Random(seed)
        results = []
        children = [spawn()]
        stack.callback(lambda: _end(children[-1]))
        for number in range(trials):
            children.append(spawn())
            results.append(run_trial(target, reference, children[-2], (number, rng)))
        return results


def _end(process: subprocess.Popen[str]) -> None:
    process.kill()
    process.wait()
