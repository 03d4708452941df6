"""What a DAG-file parse costs beyond Airflow itself: each DAG file imported in a fresh
interpreter after `airflow.sdk`, against `airflow.sdk` alone (medians of several runs;
the dag-processor pays this on every parse of every file)."""

from __future__ import annotations

import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

from pipeline.settings import PROJECT_ROOT

RUNS = 7
PROBE = """
import runpy, sys, time
started = time.perf_counter()
import airflow.sdk
base = time.perf_counter()
before = len(sys.modules)
if sys.argv[1]:
    runpy.run_path(sys.argv[1])
print(base - started, time.perf_counter() - base, len(sys.modules) - before)
"""


def _probe(dag_file: str) -> tuple[float, float, int]:
    env = {"PYTHONPATH": str(PROJECT_ROOT / "plugins"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, dag_file],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        timeout=120,
    )
    sdk, extra, modules = done.stdout.split()
    return float(sdk), float(extra), int(modules)


def run() -> dict[str, Any]:
    sdk = statistics.median(_probe("")[0] for _ in range(RUNS))
    result: dict[str, Any] = {"runs": RUNS, "airflow_sdk_seconds": round(sdk, 3)}
    for path in dag_files():
        probes = [_probe(str(path)) for _ in range(RUNS)]
        result[f"{path.stem}_extra_seconds"] = round(statistics.median(p[1] for p in probes), 3)
        result[f"{path.stem}_extra_modules"] = probes[-1][2]
    return result


def dag_files() -> list[Path]:
    return sorted((PROJECT_ROOT / "dags").glob("tickerlake_*.py"))
