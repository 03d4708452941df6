"""Query results as aligned tables, CSV or JSON."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

FORMATS = ("table", "csv", "json")
MAX_CELL = 80


def render(columns: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str) -> str:
    if fmt == "csv":
        return _csv(columns, rows)
    if fmt == "json":
        return json.dumps(
            [dict(zip(columns, r, strict=True)) for r in rows],
            default=_json_value,
            ensure_ascii=False,
            indent=1,
        )
    return _table(columns, rows)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = _json_value(value) if isinstance(value, datetime | date | timedelta) else str(value)
    text = text.replace("\n", " ")
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def _table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]

    def line(values: Sequence[str]) -> str:
        return " | ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()

    out = [line(columns), "-+-".join("-" * w for w in widths), *(line(r) for r in cells)]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out)


def _csv(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([["" if v is None else _json_value(v) for v in row] for row in rows])
    return buffer.getvalue().rstrip("\n")


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return interval_text(value)
    if isinstance(value, int | float | str | bool | list):
        return value
    return str(value)


def interval_text(value: timedelta) -> str:
    """An interval as DuckDB prints it (`-12:15:00`, `1 day 02:00:00`), not as Python's
    `-1 day, 11:45:00`."""
    sign = "-" if value < timedelta(0) else ""
    seconds = abs(value).total_seconds()
    days, rest = divmod(int(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    clock = f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"
    fraction = f"{seconds % 1:.6f}".rstrip("0").rstrip(".")[1:]
    day_part = f"{days} day{'s' if days != 1 else ''} " if days else ""
    return f"{sign}{day_part}{clock}{fraction}"
