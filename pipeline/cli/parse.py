"""`tickerlake parse`: read a saved page or fetch a URL, and print its entries as JSON
lines or an aligned table. The clock is read by the caller and passed in as `now`."""

from __future__ import annotations

import gzip
import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pipeline.cli.output import render
from pipeline.cycle import new_politeness
from pipeline.errors import TickerlakeError
from pipeline.fetch.client import Fetcher, new_session
from pipeline.models import Entry, ParsedPage, Validators
from pipeline.settings import Settings
from pipeline.sources import Source

TABLE_COLUMNS = ["position", "published_at", "time_precision", "headline", "body"]


@dataclass(frozen=True, slots=True)
class PageInput:
    content: bytes
    url: str
    headers: dict[str, str]
    fetched_at: datetime


def is_url(argument: str) -> bool:
    return argument.startswith(("http://", "https://"))


def read_file(path: Path) -> PageInput:
    """A saved page; `.gz` is decompressed, `.txt` is plain text, the fetch time is the
    file's modification time."""
    try:
        raw = path.read_bytes()
        mtime = path.stat().st_mtime
    except OSError as exc:
        raise TickerlakeError(f"{path}: cannot read: {exc.strerror}") from exc
    suffixes = path.suffixes
    if suffixes[-1:] == [".gz"]:
        raw = _gunzip(path, raw)
        suffixes = suffixes[:-1]
    headers = {"content-type": "text/plain"} if suffixes[-1:] == [".txt"] else {}
    fetched_at = datetime.fromtimestamp(mtime, UTC)
    return PageInput(raw, path.resolve().as_uri(), headers, fetched_at)


def _gunzip(path: Path, raw: bytes) -> bytes:
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError) as exc:
        raise TickerlakeError(f"{path}: not a gzip file: {exc}") from exc


def fetch_url(url: str, settings: Settings, *, now: datetime, allow_private: bool) -> PageInput:
    """One GET with the configured timeouts and size cap; the fetch time is `now`."""
    config = settings.fetch
    source = Source(source_id="cli", url=url, allow_private=allow_private)
    with new_session(config) as session:
        fetcher = Fetcher(session, config, new_politeness(config))
        result = fetcher.fetch(source, Validators(), now=now)[-1]
    if result.error or result.body is None:
        raise TickerlakeError(result.error or f"{url}: HTTP {result.status}, no body")
    return PageInput(result.body, result.final_url or url, result.headers, result.fetched_at)


def check_zone(name: str | None) -> None:
    if name is None:
        return
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise TickerlakeError(f"--tz {name!r} is not a known time zone") from None


def render_entries(page: ParsedPage, fmt: str) -> str:
    if fmt == "jsonl":
        return "\n".join(json.dumps(entry_record(e), ensure_ascii=False) for e in page.entries)
    rows = [[_cell(getattr(e, c)) for c in TABLE_COLUMNS] for e in page.entries]
    return render(TABLE_COLUMNS, rows, "table")


def entry_record(entry: Entry) -> dict[str, Any]:
    """Every `Entry` field; times as ISO 8601 UTC ending in `Z`, tuples as lists."""
    return {key: _json(value) for key, value in asdict(entry).items()}


def utc_text(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _json(value: Any) -> Any:
    if isinstance(value, datetime):
        return utc_text(value)
    return list(value) if isinstance(value, tuple) else value


def _cell(value: Any) -> Any:
    return utc_text(value) if isinstance(value, datetime) else value
