"""docs/queries.md: analyst questions whose outputs cannot rot.

The SQL blocks are written by hand; `python -m dev.docs_queries` (`make queries-doc`)
builds the demo warehouse without Airflow in a temporary folder, runs every ```sql block
and writes its table (as `tickerlake sql --format table` prints it) into the ```text block
that follows. tests/dev/test_docs_queries.py runs the same and compares."""

from __future__ import annotations

import re
import sys
import tempfile
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pipeline.cli.output import render
from pipeline.cli.sqlshell import execute
from pipeline.demo.run import build_local
from pipeline.settings import PROJECT_ROOT, from_env
from pipeline.warehouse import connect, reader_path

DOC = PROJECT_ROOT / "docs" / "queries.md"
# The corpus load and enrich stamp this; no documented query shows it.
BUILT_AT = datetime(2025, 8, 15, tzinfo=UTC)
_BLOCK = re.compile(r"```sql\n(?P<sql>.*?)```\n(?:\n```text\n.*?```\n)?", re.DOTALL)


def queries(markdown: str) -> list[str]:
    """The SQL of every ```sql block, in order."""
    return [m["sql"] for m in _BLOCK.finditer(markdown)]


def regenerate(markdown: str, run: Callable[[str], str]) -> str:
    """`markdown` with the ```text block after every ```sql block set to `run(sql)`."""

    def block(match: re.Match[str]) -> str:
        return f"```sql\n{match['sql']}```\n\n```text\n{run(match['sql'])}\n```\n"

    return _BLOCK.sub(block, markdown)


def table(con: duckdb.DuckDBPyConnection, query: str) -> str:
    result = execute(con, query)
    return render(result.columns, result.rows, "table")


def build_demo_warehouse(folder: Path) -> Path:
    """The demo warehouse under `folder` (about 5 s); returns its reader snapshot."""
    base = from_env({})
    settings = replace(
        base,
        warehouse=folder / "tickerlake.duckdb",
        data_dir=folder / "var",
        fetch=replace(base.fetch, host_interval=0),  # the local replay server needs no pause
    )
    build_local(settings, now=BUILT_AT)
    return reader_path(settings.warehouse)


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="tickerlake-queries-") as folder:
        snapshot = build_demo_warehouse(Path(folder))
        with connect(snapshot, read_only=True) as con:
            text = regenerate(DOC.read_text(encoding="utf-8"), lambda sql: table(con, sql))
    DOC.write_text(text, encoding="utf-8")
    print(f"wrote {DOC} ({len(queries(text))} queries)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
