"""Entry ids are unique within a page, always (issue 15, failure class 1), and do not
change with the URL a page was fetched under (class 8)."""

from __future__ import annotations

import csv
import gzip
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.models import ParsedPage
from pipeline.parse import parse_page
from pipeline.parse.identity import IdParts, entry_ids, page_key
from tests.support.realpages import REALPAGES

FETCHED_AT = datetime(2025, 8, 15, 8, 0, tzinfo=UTC)
URL = "https://ticker.example.com/live/summit"
TEXT = "A rendered entry, long enough to be a paragraph of its own, number"


def html(body: str, head: str = "") -> bytes:
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Summit live</title>'
        f"{head}</head><body>{body}</body></html>"
    ).encode()


def ld_blog(updates: list[dict[str, Any]]) -> str:
    blog = {"@context": "https://schema.org", "@type": "LiveBlogPosting", "liveBlogUpdate": updates}
    return f'<script type="application/ld+json">{json.dumps(blog)}</script>'


def ld_update(number: int, **extra: Any) -> dict[str, Any]:
    published = datetime(2025, 8, 14, 19, 0, tzinfo=UTC) + timedelta(minutes=number)
    return {
        "@type": "BlogPosting",
        "headline": f"Update {number}",
        "articleBody": f"What happened in update {number}.",
        "datePublished": published.isoformat(),
        **extra,
    }


def parse(content: bytes, url: str = URL) -> ParsedPage:
    return parse_page(content, url, fetched_at=FETCHED_AT)


def assert_unique(page: ParsedPage) -> None:
    ids = [e.entry_id for e in page.entries]
    assert len(ids) == len(set(ids)), f"{len(ids) - len(set(ids))} duplicate ids"


# --- class 1: shared ids fall back to the next rule ----------------------------------------


def test_a_json_ld_id_shared_by_every_update_is_no_anchor() -> None:
    updates = [ld_update(n, **{"@id": f"{URL}#liveblog"}) for n in range(5)]
    page = parse(html(ld_blog(updates)))
    assert len(page.entries) == 5
    assert_unique(page)


def test_only_the_entries_sharing_an_anchor_lose_it() -> None:
    shared = [ld_update(n, **{"@id": f"{URL}#same"}) for n in range(2)]
    own = ld_update(2, **{"@id": f"{URL}#post-2"})
    alone = parse(html(ld_blog([own])))
    page = parse(html(ld_blog([*shared, own])))
    assert_unique(page)
    assert page.entries[2].entry_id == alone.entries[0].entry_id


def test_microdata_items_sharing_a_dom_id_get_ids_of_their_own() -> None:
    items = "".join(
        '<div itemprop="liveBlogUpdate" itemscope itemtype="https://schema.org/BlogPosting"'
        f' id="update"><meta itemprop="datePublished" content="2025-08-14T2{n}:00:00+02:00">'
        f'<div itemprop="articleBody">Text of update number {n}.</div></div>'
        for n in range(4)
    )
    body = f'<div itemscope itemtype="https://schema.org/LiveBlogPosting">{items}</div>'
    page = parse(html(body))
    assert page.parser == "microdata"
    assert len(page.entries) == 4
    assert_unique(page)


def test_repeated_dom_ids_on_rendered_entries() -> None:
    body = "".join(
        f'<div class="post" id="post"><h2>{20 - n}:15</h2><p>{TEXT} {n}.</p></div>'
        for n in range(4)
    )
    page = parse(html(f"<main>{body}</main>"))
    assert len(page.entries) == 4
    assert_unique(page)


def test_identical_entries_are_told_apart_by_order() -> None:
    same = IdParts(anchor="a", headline="H", published_at=None, body="b")
    ids = entry_ids("example.com/live", [same, same, same])
    assert len(set(ids)) == 3
    assert entry_ids("example.com/live", [same, same, same]) == ids


_POOL = st.sampled_from(["a", "b", "c", None])
_PARTS = st.builds(
    IdParts,
    anchor=_POOL,
    headline=st.sampled_from(["Goal", "Kick-off", None]),
    published_at=st.sampled_from([None, FETCHED_AT, FETCHED_AT + timedelta(minutes=1)]),
    body=st.sampled_from(["", "Text.", "More text."]),
)


@given(st.lists(_PARTS, max_size=30))
def test_ids_are_unique_for_any_entries(parts: list[IdParts]) -> None:
    ids = entry_ids("example.com/live", parts)
    assert len(ids) == len(parts) == len(set(ids))


@st.composite
def fuzzed_pages(draw: st.DrawFn) -> bytes:
    """Structured and rendered entries whose ids, headlines, times and texts collide."""
    count = draw(st.integers(1, 12))
    updates = [
        ld_update(
            draw(st.integers(0, 3)),
            **{"@id": f"{URL}#{draw(st.sampled_from(['x', 'y', 'liveblog']))}"},
            articleBody=draw(st.sampled_from(["Same text.", "Other text.", ""])),
        )
        for _ in range(count)
    ]
    rendered = "".join(
        f'<div class="post" id="{draw(st.sampled_from(["p", "q"]))}">'
        f"<h2>{draw(st.integers(10, 12))}:0{draw(st.integers(0, 2))}</h2>"
        f"<p>{draw(st.sampled_from(['Same text.', 'A rendered entry long enough to keep.']))}</p>"
        "</div>"
        for _ in range(draw(st.integers(0, 8)))
    )
    return html(f"<main>{rendered}</main>", ld_blog(updates) if draw(st.booleans()) else "")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fuzzed_pages())
def test_ids_are_unique_on_fuzzed_pages(content: bytes) -> None:
    assert_unique(parse(content))


def _real_pages() -> list[tuple[Path, str]]:
    """Every real page with its URL."""
    found: list[tuple[Path, str]] = []
    for folder in (REALPAGES / "liveblogs", REALPAGES / "articles-de"):
        index = folder / "index.tsv"
        if index.is_file():
            with index.open(encoding="utf-8", newline="") as handle:
                rows = csv.DictReader(handle, delimiter="\t")
                found += [(folder / r["file"], r["url"]) for r in rows]
    return found


@pytest.mark.skipif(not _real_pages(), reason=f"real pages not available: {REALPAGES}")
def test_ids_are_unique_on_every_real_page() -> None:
    for path, url in _real_pages():
        page = parse(gzip.decompress(path.read_bytes()), url)
        ids = [e.entry_id for e in page.entries]
        assert len(ids) == len(set(ids)), path.name


# --- class 8: ids follow the page, not the URL it was fetched under -------------------------


@pytest.mark.parametrize(
    "fetched",
    [
        "http://ticker.example.com/live/summit",
        "https://ticker.example.com:8443/live/summit",
        "https://ticker.example.com/live/summit?utm_source=feed&utm_medium=rss",
        "https://ticker.example.com/live/summit/?fbclid=abc#latest",
        "https://www.ticker.example.com/live/summit",
    ],
)
def test_ids_survive_scheme_port_tracking_and_fragment(fetched: str) -> None:
    updates = [ld_update(n, **({"@id": f"{URL}#post-{n}"} if n % 2 else {})) for n in range(4)]
    rendered = f'<div class="x"><h2>10:15</h2><p>{TEXT} 9.</p></div>'
    content = html(rendered, ld_blog(updates))
    assert [e.entry_id for e in parse(content, fetched).entries] == [
        e.entry_id for e in parse(content).entries
    ]


def test_ids_follow_the_canonical_link_across_a_move() -> None:
    head = f'<link rel="canonical" href="{URL}">'
    body = "".join(f"<h2>{20 - n}:15</h2><p>{TEXT} {n}.</p>" for n in range(3))
    before = parse(html(body, head))
    moved = parse(html(body, head), "https://replay.local:8080/2025/08/14/old-slug?id=7")
    assert [e.entry_id for e in moved.entries] == [e.entry_id for e in before.entries]


def test_json_ld_ids_that_are_urls_survive_the_fetch_url() -> None:
    updates = [ld_update(n, **{"@id": f"{URL}/update-{n}"}) for n in range(3)]
    first = parse(html(ld_blog(updates)))
    other = parse(html(ld_blog(updates)), "http://ticker.example.com:8000/live/summit?utm_x=1")
    assert [e.entry_id for e in other.entries] == [e.entry_id for e in first.entries]


def test_page_key_keeps_what_names_the_page() -> None:
    assert page_key("https://Example.com:443/a/b/?utm_source=x&id=2&gclid=y#f") == (
        "example.com/a/b?id=2"
    )
    assert page_key("https://example.com/a?b=2&a=1") == "example.com/a?a=1&b=2"
    assert page_key("https://m.example.com/x", "/live/page") == "m.example.com/live/page"
    # A canonical link to the site's home names no page: the URL does.
    assert page_key("https://example.com/live/7", "https://example.com/") == "example.com/live/7"
    assert page_key("https://example.com/live/7") != page_key("https://example.com/live/8")
