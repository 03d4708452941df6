"""Concurrent readers: the analysts' read path (`tickerlake sql`, which opens the reader
snapshot) queried in a loop while a separate writer process runs load cycles.

Every read runs one query of cross-table invariants; a reader that saw a torn state
(half a load, or the snapshot of one load mixed with another) would break one of them:
one open version per entry, one open non-deleted version per live entry, unique entry
ids, the loads' recorded row counts equal to the rows present, and the number of loads
never going back between reads.
"""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pipeline import stage
from pipeline.cli.main import main
from pipeline.settings import PROJECT_ROOT
from tests.warehouse.test_stage_load import observation

T0 = datetime(2025, 8, 14, 12, 0, tzinfo=UTC)
SOURCES = ("alpha", "beta")
INVARIANTS = """
SELECT
    (SELECT count(*) FROM loads) AS loads,
    (SELECT count(*) FROM entries) AS entries,
    (SELECT count(DISTINCT entry_id) FROM entries) AS distinct_ids,
    (SELECT count(*) FROM entry_versions WHERE valid_to IS NULL) AS open_versions,
    (SELECT count(*) FROM entries WHERE NOT is_deleted) AS live,
    (SELECT count(*) FROM entry_versions
     WHERE valid_to IS NULL AND change_kind <> 'deleted') AS open_live,
    (SELECT coalesce(sum(fetch_rows), 0) FROM loads) AS loaded_fetches,
    (SELECT count(*) FROM fetches) AS fetches,
    (SELECT coalesce(sum(new_versions), 0) FROM loads) AS loaded_versions,
    (SELECT count(*) FROM entry_versions) AS versions
"""


@dataclass(slots=True)
class ReaderRun:
    cycles: int
    reads: int = 0
    errors: list[str] = field(default_factory=list)
    inconsistent: list[dict[str, Any]] = field(default_factory=list)
    loads_seen: list[int] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.reads > 0 and not self.errors and not self.inconsistent


def cycle_pages(cycle: int, source: str) -> dict[str, str]:
    """Entries grow by five a cycle; every third cycle edits a few, every fourth drops
    some (deleted after two misses), so loads add, close and tombstone versions."""
    ids = [f"{source}-{n:03d}" for n in range(20 + 5 * cycle)]
    if cycle % 4 in (1, 2):
        ids = [i for i in ids if not i.endswith("3")]
    return {i: f"Text {i}, Stand {cycle // 3}." for i in ids}


def write_cycles(staging: Path, cycles: int) -> list[list[Path]]:
    at = [T0 + timedelta(minutes=5 * c) for c in range(cycles)]
    return [
        [
            stage.write_batch(
                staging, observation(at[c], cycle_pages(c, s), source_id=s, batch_id=f"c{c}-{s}")
            )
            for s in SOURCES
        ]
        for c in range(cycles)
    ]


def consistent(row: dict[str, Any]) -> bool:
    return bool(
        row["entries"] == row["distinct_ids"] == row["open_versions"]
        and row["live"] == row["open_live"]
        and row["loaded_fetches"] == row["fetches"]
        and row["loaded_versions"] == row["versions"]
    )


def read_once(warehouse: Path, run: ReaderRun) -> None:
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            code = main(["--warehouse", str(warehouse), "sql", INVARIANTS, "--format", "json"])
    except Exception as exc:  # any failure of the read path is what this test counts
        run.errors.append(f"{type(exc).__name__}: {exc}")
        return
    run.reads += 1
    if code != 0:
        run.errors.append(f"exit {code}")
        return
    row = json.loads(out.getvalue())[0]
    if not consistent(row) or (run.loads_seen and row["loads"] < run.loads_seen[-1]):
        run.inconsistent.append(row)
    run.loads_seen.append(row["loads"])


def run_readers(cycles: int, root: Path) -> ReaderRun:
    """Load `cycles` cycles in a writer process; read continuously after the first."""
    warehouse = root / "warehouse" / "tickerlake.duckdb"
    loads = write_cycles(root / "staging", cycles)
    writer = subprocess.Popen(
        [sys.executable, "-m", "tests.support.crash_child"],
        cwd=PROJECT_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert writer.stdin is not None and writer.stdout is not None
    assert writer.stdout.readline() == "ready\n"
    lines = [_load_line(warehouse, c, paths) for c, paths in enumerate(loads)]
    writer.stdin.write(lines[0])
    writer.stdin.flush()
    assert writer.stdout.readline() == "done\n"  # readers need a published snapshot
    writer.stdin.writelines(lines[1:])
    writer.stdin.close()
    run = ReaderRun(cycles)
    while writer.poll() is None:
        read_once(warehouse, run)
    read_once(warehouse, run)
    if writer.returncode != 0:
        run.errors.append(f"writer exited {writer.returncode}")
    if run.loads_seen[-1:] != [cycles]:
        run.errors.append(f"last read saw {run.loads_seen[-1:]} loads, expected {cycles}")
    return run


def _load_line(warehouse: Path, cycle: int, paths: list[Path]) -> str:
    now = T0 + timedelta(minutes=5 * cycle)
    return json.dumps([str(warehouse), f"cycle-{cycle}", now.isoformat(), *map(str, paths)]) + "\n"
