"""Run benchmark modules: every module in bench/ with a `run() -> dict` (or the ones named
on the command line), write `bench/results/<name>.json` and a markdown summary
`bench/results/SUMMARY.md`.

Every result carries, under `run`, what it was measured on: the commit (and whether the
work tree had changes), the date, the machine's core count and its load average before
and after the benchmark, so a figure quoted in the docs traces to one committed result."""

from __future__ import annotations

import importlib
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def benchmarks(names: list[str]) -> dict[str, ModuleType]:
    """The named modules, or every non-dunder module here that has a `run()`."""
    candidates = names or sorted(p.stem for p in HERE.glob("*.py") if not p.stem.startswith("__"))
    modules = {name: importlib.import_module(f"bench.{name}") for name in candidates}
    found = {name: m for name, m in modules.items() if callable(getattr(m, "run", None))}
    missing = set(names) - set(found)
    if missing:
        raise SystemExit(f"no benchmark with a run() function: {', '.join(sorted(missing))}")
    return found


def main(names: list[str]) -> int:
    RESULTS.mkdir(exist_ok=True)
    lines = [
        "# Benchmark results",
        "",
        f"Machine: {platform.platform()}, Python {platform.python_version()}",
        "",
    ]
    for name, module in benchmarks(names).items():
        print(f"running {name} …", flush=True)
        load_before = _load_average()
        started = time.monotonic()
        result: dict[str, Any] = module.run()
        result["wall_seconds"] = round(time.monotonic() - started, 3)
        result["run"] = run_facts(load_before)
        (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2, default=str) + "\n")
        lines += [f"## {name}", "", *(f"- {k}: {v}" for k, v in result.items()), ""]
    (RESULTS / "SUMMARY.md").write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


def run_facts(load_before: list[float]) -> dict[str, Any]:
    """Commit, date, cores and load average of the run just finished."""
    return {
        "commit": _git("rev-parse", "HEAD"),
        "work_tree_changed": bool(_git("status", "--porcelain", "--untracked-files=no", *_CODE)),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "load_average_before": load_before,
        "load_average_after": _load_average(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


# The checkout but the results themselves: an earlier result rewritten is no code change.
_CODE = ("--", ":(top)", ":(top,exclude)bench/results")


def _load_average() -> list[float]:
    """1, 5 and 15 minute load averages."""
    return [round(v, 2) for v in os.getloadavg()]


def _git(*args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=HERE, capture_output=True, text=True, timeout=30, check=False
    )
    return done.stdout.strip() if done.returncode == 0 else f"unknown ({done.stderr.strip()})"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
