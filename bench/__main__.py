"""Run benchmark modules: every module in bench/ with a `run() -> dict` (or the ones named
on the command line), write `bench/results/<name>.json` and a markdown summary
`bench/results/SUMMARY.md`."""

from __future__ import annotations

import importlib
import json
import platform
import sys
import time
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
        started = time.monotonic()
        result: dict[str, Any] = module.run()
        result["wall_seconds"] = round(time.monotonic() - started, 3)
        (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2, default=str) + "\n")
        lines += [f"## {name}", "", *(f"- {k}: {v}" for k, v in result.items()), ""]
    (RESULTS / "SUMMARY.md").write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
