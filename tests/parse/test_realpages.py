"""Acceptance of the extractor on real pages kept outside the repository
(`../shared/realpages`). The pages are only read, never copied.

Live blogs are scored against the page's own structured data, read here independently
of the parser (plain `json` over every JSON-LD block), and BR24 against hand labels.
German articles must stay articles, with the right page date.
"""

from __future__ import annotations

import csv
import gzip
import html
import json
import re
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import lxml.html
import pytest

from bench import realpages
from pipeline.models import Entry, ParsedPage
from pipeline.parse import parse_page
from pipeline.parse.identity import normalise
from tests.support.realpages import ARTICLES, LIVEBLOGS

FETCHED_AT = datetime(2026, 6, 1, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")
MIN_RECALL = MIN_PRECISION = 0.98
MIN_TIME_MATCH = 0.99
MIN_ARTICLES = 0.98
# Measured 2026-11-21: 151 of 157 (0.96). Most of the rest expect the last edit, not the
# publishing date the page states (issue 3 asks for 0.95).
MIN_ARTICLE_DATES = 0.95


def index_rows(folder: Path) -> list[dict[str, str]]:
    index = folder / "index.tsv"
    if not index.is_file():
        return []
    with index.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


ROWS = index_rows(LIVEBLOGS)
ARTICLE_ROWS = index_rows(ARTICLES)
needs_liveblogs = pytest.mark.skipif(not ROWS, reason=f"real pages not available: {LIVEBLOGS}")
needs_articles = pytest.mark.skipif(
    not ARTICLE_ROWS, reason=f"real articles not available: {ARTICLES}"
)


@cache
def parsed(folder: Path, file: str) -> ParsedPage:
    row = next(r for r in index_rows(folder) if r["file"] == file)
    content = gzip.decompress((folder / file).read_bytes())
    return parse_page(content, row["url"], fetched_at=FETCHED_AT)


def ids(rows: list[dict[str, str]]) -> list[str]:
    return [r["file"] for r in rows]


# --- independent reading of the structured data -------------------------------------------


def structured_updates(file: str) -> list[dict[str, Any]]:
    # Every page in the set is UTF-8; lxml would read undeclared bytes as Latin-1.
    tree = lxml.html.fromstring(gzip.decompress((LIVEBLOGS / file).read_bytes()).decode())
    updates: list[dict[str, Any]] = []
    for script in tree.iter("script"):
        if script.get("type") != "application/ld+json":
            continue
        try:
            value = json.loads(script.text or "")
        except ValueError:
            continue
        for obj in objects(value):
            if "LiveBlogPosting" in str(obj.get("@type")):
                raw = obj.get("liveBlogUpdate") or []
                updates += [
                    u for u in (raw if isinstance(raw, list) else [raw]) if isinstance(u, dict)
                ]
    return updates


def objects(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, list):
        return [o for item in value for o in objects(item)]
    if isinstance(value, dict):
        return [value, *(o for v in value.values() for o in objects(v))]
    return []


def opening(text: str) -> str:
    text = html.unescape(text)
    plain = (
        lxml.html.fragment_fromstring(text, create_parent="div").text_content()
        if "<" in text
        else text
    )
    return re.sub(r"\W+", "", normalise(plain))[:30]


def keys(*texts: object) -> set[str]:
    return {k for k in (opening(str(t or "")) for t in texts) if k}


def match(
    updates: list[dict[str, Any]], entries: list[Entry]
) -> list[tuple[dict[str, Any], Entry]]:
    """Pairs sharing the opening of their body or headline."""
    free = list(entries)
    pairs = []
    for update in updates:
        wanted = keys(update.get("articleBody"), update.get("headline"))
        twin = next((e for e in free if wanted & keys(e.body, e.headline)), None)
        if twin is not None:
            free.remove(twin)
            pairs.append((update, twin))
    return pairs


JSONLD_ROWS = [r for r in ROWS if r["liveblogposting"] == "yes"]


@needs_liveblogs
@pytest.mark.parametrize("row", JSONLD_ROWS, ids=ids(JSONLD_ROWS))
def test_entries_match_the_pages_structured_data(row: dict[str, str]) -> None:
    page = parsed(LIVEBLOGS, row["file"])
    updates = structured_updates(row["file"])
    pairs = match(updates, page.entries)
    assert page.is_liveblog
    assert len(pairs) / len(updates) >= MIN_RECALL, f"recall {len(pairs)}/{len(updates)}"
    assert len(pairs) / len(page.entries) >= MIN_PRECISION, (
        f"precision {len(pairs)}/{len(page.entries)}"
    )
    on_time = sum(same_minute(u.get("datePublished"), e) for u, e in pairs)
    assert on_time / len(pairs) >= MIN_TIME_MATCH, f"times {on_time}/{len(pairs)}"


def same_minute(value: object, entry: Entry) -> bool:
    expected = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if expected.tzinfo is None or entry.published_at is None:
        return False
    return expected.astimezone(UTC).replace(second=0, microsecond=0) == (
        entry.published_at.replace(second=0, microsecond=0)
    )


# Pages whose rendered HTML marks no entry with a time (the times are only in JSON-LD).
NO_RENDERED_TIMES = {
    "The_New_York_Times_live_blog.html.gz",
    "TheIndependent_TheIndependent_2023_08_14.html.gz",
    "TheIndependent_TheIndependent_1.html.gz",
    "TheIndependent_TheIndependent_4.html.gz",
}
RENDERED_ROWS = [r for r in JSONLD_ROWS if r["file"] not in NO_RENDERED_TIMES]


@needs_liveblogs
@pytest.mark.parametrize("row", RENDERED_ROWS, ids=ids(RENDERED_ROWS))
def test_generic_detection_finds_the_rendered_entries(row: dict[str, str]) -> None:
    """Generic detection alone (`kind="html"`) on pages whose JSON-LD tells the truth: it
    finds every rendered entry (a pinned copy may add one)."""
    content = gzip.decompress((LIVEBLOGS / row["file"]).read_bytes())
    page = parse_page(content, row["url"], fetched_at=FETCHED_AT, kind="html")
    rendered = int(row["html_entries"])
    assert page.parser == "html"
    assert rendered <= len(page.entries) <= rendered + 1


# BR24's ticker of 27 August 2024 (hand labelled): Berlin wall clock → UTC.
BR_FILE = "BR_BR_2024_08_27.html.gz"
BR_LABELS = [
    ("2024-08-27T10:31Z", "Ultraorthodoxe jüdische Zeitung"),
    ("2024-08-27T09:39Z", "Offenbar mehrere Kinder"),
    ("2024-08-27T09:13Z", "Palästinenser mutmaßlich von"),
    ("2024-08-27T08:31Z", "Farbanschlag auf"),
    ("2024-08-27T06:57Z", "Israelischer Araber bei"),
    ("2024-08-27T03:20Z", "Mittlerweile 640 Tote"),
    ("2024-08-27T00:02Z", "Risiko eines breiteren"),
]


@needs_liveblogs
def test_br24_ticker_matches_the_hand_labels() -> None:
    page = parsed(LIVEBLOGS, BR_FILE)
    assert (page.parser, page.is_liveblog) == ("html", True)
    got = [(e.published_at, e.headline or "") for e in page.entries]
    assert len(got) == len(BR_LABELS)
    for (when, headline), (published, found) in zip(BR_LABELS, got, strict=True):
        assert published == datetime.fromisoformat(when.replace("Z", "+00:00"))
        assert found.startswith(headline)
    assert {e.time_precision for e in page.entries} == {"minute"}


@needs_liveblogs
@pytest.mark.parametrize("row", ROWS, ids=ids(ROWS))
def test_every_live_blog_has_distinct_ids_and_aware_times(row: dict[str, str]) -> None:
    page = parsed(LIVEBLOGS, row["file"])
    assert page.entries, f"{row['file']}: no entries ({page.parser})"
    assert len({e.entry_id for e in page.entries}) == len(page.entries)
    for entry in page.entries:
        assert entry.published_at is None or entry.published_at.tzinfo is not None
        assert entry.body or entry.headline


@needs_liveblogs
def test_mirror_reports_how_json_ld_and_html_disagree() -> None:
    page = parsed(LIVEBLOGS, "TheMirror_TheMirror_2024_08_05.html.gz")
    assert len(page.entries) == 428
    assert any("renders 30" in w for w in page.warnings)


# --- German articles stay articles --------------------------------------------------------


@needs_articles
def test_german_articles_are_single_entry_articles_with_their_date() -> None:
    articles = dates = dated = 0
    for real in realpages.pages("articles-de"):
        page = parsed(ARTICLES, real.file)
        articles += not page.is_liveblog and len(page.entries) == 1
        day = realpages.expected_day(real)
        if day is not None:
            dated += 1
            dates += (
                page.published_at is not None and page.published_at.astimezone(BERLIN).date() == day
            )
    assert articles / len(ARTICLE_ROWS) >= MIN_ARTICLES, f"{articles}/{len(ARTICLE_ROWS)}"
    assert dates / dated >= MIN_ARTICLE_DATES, f"page dates {dates}/{dated}"
