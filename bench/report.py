"""`tickerlake report` after the demo: the whole command (process start, reading the reader
snapshot, rendering, writing the file), target under 10 s."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from dev.docs_queries import build_demo_warehouse


def run() -> dict[str, Any]:
    work = Path(tempfile.mkdtemp())
    snapshot = build_demo_warehouse(work)
    out = work / "report.html"
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pipeline.cli.main", "--warehouse",
         str(snapshot.with_name("tickerlake.duckdb")), "report", "--out", str(out)],
        check=True,
        capture_output=True,
        timeout=120,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    return {
        "report_seconds": round(seconds, 3),
        "target_seconds": 10,
        "report_kib": out.stat().st_size // 1024,
    }
