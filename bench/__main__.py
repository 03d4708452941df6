"""Run every benchmark module (`bench_*.py`, each with `run() -> dict`), write
`bench/results/<name>.json` and a markdown summary `bench/results/SUMMARY.md`."""

from __future__ import annotations

import importlib
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def main(names: list[str]) -> int:
    RESULTS.mkdir(exist_ok=True)
    modules = names or sorted(p.stem for p in HERE.glob("bench_*.py"))
    lines = [
        "# Benchmark results",
        "",
        f"Machine: {platform.platform()}, Python {platform.python_version()}",
        "",
    ]
    for name in modules:
        print(f"running {name} …", flush=True)
        started = time.monotonic()
        result: dict[str, Any] = importlib.import_module(f"bench.{name}").run()
        result["wall_seconds"] = round(time.monotonic() - started, 3)
        (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2, default=str) + "\n")
        lines += [f"## {name}", "", *(f"- {k}: {v}" for k, v in result.items()), ""]
    (RESULTS / "SUMMARY.md").write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
