"""A warehouse of the real live blogs (../shared/realpages/liveblogs, read in place): each
page parsed by the production path (`cycle.parse_result`, `cycle.stage_page`) as one
source's only fetch, staged and loaded like a cycle's batch.

A page is "fetched" when it was captured (index.tsv's `captured`, the crawler's Berlin
wall clock), else five minutes after its newest entry, so its times keep their real
spread: pages from 2020 to 2024, each ticker covering hours to days."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.realpages import index_rows
from pipeline import stage
from pipeline.cycle import _fetch_row, parse_result, stage_page
from pipeline.fetch.client import FetchResult
from pipeline.models import ParsedPage
from pipeline.parse.identity import content_hash
from pipeline.sources import Source
from pipeline.warehouse import connect
from pipeline.warehouse.load import load_batches
from tests.support.realpages import LIVEBLOGS

CAPTURE_ZONE = ZoneInfo("Europe/Berlin")
PROBE_AT = datetime(2026, 6, 1, tzinfo=UTC)  # a fetch time later than every page
AFTER_NEWEST = timedelta(minutes=5)


def source_id(file: str) -> str:
    """`TheIndependent_TheIndependent_1.html.gz` → `theindependent-1`."""
    parts = file.removesuffix(".html.gz").lower().split("_")
    if len(parts) > 1 and parts[1] == parts[0]:
        del parts[1]
    return "-".join(parts)[:32]


def fetch_time(row: dict[str, str], probe: ParsedPage | None) -> datetime:
    try:
        captured = datetime.fromisoformat(row.get("captured") or "")
        return captured.replace(tzinfo=CAPTURE_ZONE).astimezone(UTC)
    except ValueError:
        times = [e.published_at for e in (probe.entries if probe else []) if e.published_at]
        return max(times) + AFTER_NEWEST if times else PROBE_AT


def stage_page_file(batch: stage.Batch, row: dict[str, str], folder: Path) -> None:
    body = gzip.decompress((folder / row["file"]).read_bytes())
    source = Source(source_id(row["file"]), row["url"], language=row.get("language") or None)
    probe = parse_result(source, FetchResult(source.source_id, source.url, PROBE_AT), body)
    at = fetch_time(row, probe)
    result = FetchResult(
        source.source_id, source.url, at, final_url=source.url, status=200,
        body=body, bytes_read=len(body), sha256=content_hash(None, row["file"]),
    )  # fmt: skip
    batch.add("sources", {**source.to_dict(), "status": "live", "ended_at": None})
    page = parse_result(source, result, body)
    if page is not None:
        stage_page(batch, source, result, page)
    batch.add("fetches", _fetch_row(result, changed=page is not None))


def build_real_warehouse(path: Path, folder: Path = LIVEBLOGS) -> Path:
    """The warehouse file at `path` holding every page of `folder`; returns `path`."""
    batch = stage.Batch("realpages")
    for row in index_rows(folder):
        stage_page_file(batch, row, folder)
    written = stage.write_batch(path.parent / "staging", batch)
    with connect(path) as con:
        load_batches(con, [written], load_id="realpages", now=PROBE_AT)
    return path
