"""`tickerlake sql`: one query, or an interactive prompt on the reader snapshot.

The prompt is a small class fed one line at a time (`Shell.feed`), so tests drive it
without a terminal; `interact` adds readline history and the TTY loop around it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb

from pipeline.errors import TickerlakeError


@dataclass(frozen=True, slots=True)
class Result:
    columns: list[str]
    rows: list[tuple[Any, ...]]


def execute(con: duckdb.DuckDBPyConnection, query: str) -> Result:
    """Run `query`; a DuckDB error becomes a one-line TickerlakeError."""
    try:
        result = con.execute(query)
        rows = result.fetchall() if result.description else []
    except duckdb.Error as exc:
        first_line = str(exc).strip().splitlines()[0]
        raise TickerlakeError(f"query failed: {first_line}") from exc
    return Result([d[0] for d in result.description or []], rows)
