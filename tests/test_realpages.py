"""Golden-ish checks over real live-blog pages kept outside the repository
(`../shared/realpages/liveblogs`). The pages are only read, never copied."""

from __future__ import annotations

import csv
import gzip
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pytest

from pipeline.models import ParsedPage
from pipeline.parse import parse_page

REALPAGES = Path(__file__).parents[2] / "shared" / "realpages"
LIVEBLOGS = REALPAGES / "liveblogs"
INDEX = LIVEBLOGS / "index.tsv"
FETCHED_AT = datetime(2026, 6, 1, tzinfo=UTC)


def index_rows() -> list[dict[str, str]]:
    if not INDEX.is_file():
        return []
    with INDEX.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


ROWS = index_rows()
pytestmark = pytest.mark.skipif(
    not ROWS, reason=f"real pages not available: {INDEX} is missing or empty"
)


@cache
def parsed(file: str) -> ParsedPage:
    row = next(r for r in ROWS if r["file"] == file)
    content = gzip.decompress((LIVEBLOGS / file).read_bytes())
    return parse_page(content, row["url"], fetched_at=FETCHED_AT)


def ids(rows: list[dict[str, str]]) -> list[str]:
    return [r["file"] for r in rows]


JSONLD_ROWS = [r for r in ROWS if r["liveblogposting"] == "yes"]


@pytest.mark.parametrize("row", ROWS, ids=ids(ROWS))
def test_every_page_parses_into_entries(row: dict[str, str]) -> None:
    page = parsed(row["file"])
    assert page.entries, f"{row['file']}: no entries ({page.parser})"
    for entry in page.entries:
        assert entry.published_at is None or entry.published_at.tzinfo is not None
        assert entry.body or entry.headline


@pytest.mark.parametrize("row", ROWS, ids=ids(ROWS))
def test_entry_ids_are_unique_within_a_page(row: dict[str, str]) -> None:
    page = parsed(row["file"])
    assert len({e.entry_id for e in page.entries}) == len(page.entries)


@pytest.mark.parametrize("row", JSONLD_ROWS, ids=ids(JSONLD_ROWS))
def test_liveblogposting_pages_use_every_jsonld_update(row: dict[str, str]) -> None:
    page = parsed(row["file"])
    assert page.parser == "jsonld"
    assert page.is_liveblog
    assert len(page.entries) == int(row["jsonld_updates"])


def test_br_ticker_time_headings() -> None:
    file = "BR_BR_2024_08_27.html.gz"
    if file not in ids(ROWS):
        pytest.skip(f"{file} is not in {INDEX}")
    page = parsed(file)
    assert page.parser == "html"
    assert len(page.entries) == 7
    assert page.entries[0].published_at == datetime(2024, 8, 27, 10, 31, tzinfo=UTC)
    assert page.entries[0].time_precision == "minute"
