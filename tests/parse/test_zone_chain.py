"""The zone chain (issue 15, failure classes 3, 4 and 9), the wall-clock merge of
structured and rendered twins (class 2) and microdata bodies without children (class 11),
on synthetic pages."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pipeline.models import ParsedPage
from pipeline.parse import parse_page
from pipeline.parse.zones import page_zone, with_offset
from pipeline.settings import PROJECT_ROOT

FETCHED_AT = datetime(2025, 3, 10, 2, 0, tzinfo=UTC)
URL = "https://news.example.com/live/match"
TEXT = "an update from the match, with enough words to count as a paragraph"


def html(body: str, head: str = "", lang: str = "en") -> bytes:
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>Live</title>'
        f"{head}</head><body>{body}</body></html>"
    ).encode()


def parse(content: bytes, url: str = URL, **kwargs: str) -> ParsedPage:
    return parse_page(content, url, fetched_at=FETCHED_AT, **kwargs)  # type: ignore[arg-type]


def ist_page(count: int = 40) -> bytes:
    """Microdata items with +05:30 times and no text; rendered twins with the text and
    `21:06 (IST)` clocks."""
    start = datetime(2025, 3, 9, 21, 6)  # noqa: DTZ001 - wall clock in India
    items, rendered = [], []
    for number in range(count):
        wall = start - timedelta(minutes=7 * number)
        items.append(
            '<div itemprop="liveBlogUpdate" itemscope itemtype="https://schema.org/BlogPosting">'
            f'<meta itemprop="datePublished" content="{wall.isoformat()}+05:30">'
            '<meta itemprop="headline" content=""><div itemprop="articleBody"></div></div>'
        )
        rendered.append(
            f'<div class="post"><span class="stamp">{wall:%H:%M} (IST)</span>'
            f"<p>Number {number}: {TEXT}.</p></div>"
        )
    blog = '<div itemscope itemtype="https://schema.org/LiveBlogPosting">'
    return html(f"{blog}{''.join(items)}</div><main>{''.join(rendered)}</main>")


def test_structured_and_rendered_twins_merge_by_wall_clock() -> None:
    page = parse(ist_page())
    assert len(page.entries) == 40
    assert all(e.body.startswith(f"Number {n}:") for n, e in enumerate(page.entries))
    assert page.entries[0].published_at == datetime(2025, 3, 9, 15, 36, tzinfo=UTC)
    assert page.entries[-1].published_at == datetime(2025, 3, 9, 11, 3, tzinfo=UTC)
    assert {e.tz_source for e in page.entries} == {"page_offset"}


def test_rendered_clocks_are_read_in_the_zone_of_the_page_offsets() -> None:
    head = '<meta property="article:published_time" content="2025-03-09T09:00:00+05:30">'
    body = "".join(
        f'<div class="post"><span>{21 - n}:06 (IST)</span><p>{TEXT} {n}.</p></div>'
        for n in range(3)
    )
    page = parse(html(f"<main>{body}</main>", head))
    assert page.entries[0].published_at == datetime(2025, 3, 9, 15, 36, tzinfo=UTC)
    assert page.entries[0].tz_source == "page_offset"


def stated(text: str) -> list[datetime]:
    moment = with_offset(text)
    assert moment is not None
    return [moment]


def test_zone_chain_order() -> None:
    india = stated("2025-03-09T21:06:00+05:30")
    winter_utc = stated("2025-01-09T10:00:00Z")
    summer_cet = stated("2025-08-14T21:15:00+02:00")
    assert page_zone(configured="Asia/Tokyo", host="x.de", language="de", offsets=india) == (
        page_zone(configured="Asia/Tokyo", host="", language=None)
    )
    zone = page_zone(configured=None, host="x.com", language="en", offsets=india)
    assert (zone.tz, zone.source) == ("Asia/Kolkata", "page_offset")
    zone = page_zone(configured=None, host="x.com", language="de", offsets=summer_cet)
    assert (zone.tz, zone.source) == ("Europe/Berlin", "page_offset")
    # UTC stamps are no evidence, but confirm IST as Irish time.
    zone = page_zone(
        configured=None, host="x.com", language="en", offsets=winter_utc, printed=["IST"]
    )
    assert (zone.tz, zone.source) == ("Europe/Dublin", "abbreviation")
    zone = page_zone(configured=None, host="x.com", language="en", printed=["IST"])
    assert (zone.tz, zone.source) == ("UTC", "default")
    zone = page_zone(configured=None, host="x.de", language="en", offsets=winter_utc)
    assert (zone.tz, zone.source) == ("Europe/Berlin", "tld")
    zone = page_zone(configured=None, host="example.invalid", language="fr")
    assert (zone.tz, zone.source) == ("Europe/Paris", "language")


def test_a_configured_zone_is_recorded_as_configured() -> None:
    body = "".join(f"<h2>{20 - n}:15</h2><p>{TEXT} {n}.</p>" for n in range(3))
    page = parse(html(body), tz="Europe/Berlin")
    assert {e.tz_source for e in page.entries} == {"configured"}


def test_plain_german_text_without_url_hint_is_read_in_central_european_time() -> None:
    body = (
        "Der Ticker zum Gipfel\n\n14.08.2025 21:15 Uhr\n\nDie Delegationen sind da\n\n"
        "Die Maschine ist gelandet, und die Gespräche sollen noch heute Abend beginnen. "
        "Es ist nicht klar, wie lange sie dauern werden; die Sprecher sind sich über "
        "den Ablauf nicht einig, und auch der Ort wird noch nicht genannt.\n"
    )
    page = parse(body.encode(), "https://example.invalid/liveticker")
    assert page.language == "de"
    assert page.entries[0].published_at == datetime(2025, 8, 14, 19, 15, tzinfo=UTC)
    assert page.entries[0].tz_source == "language"


def test_seed_ticker_is_read_in_the_language_zone() -> None:
    seed = next((PROJECT_ROOT / "pipeline/data/seed-corpus").glob("004_*.txt"))
    page = parse_page(
        Path(seed).read_bytes(),
        "https://example.invalid/liveticker",
        fetched_at=datetime(2025, 8, 20, tzinfo=UTC),
        headers={"content-type": "text/plain"},
    )
    assert len(page.entries) == 17
    assert page.entries[0].published_at == datetime(2025, 8, 14, 19, 15, tzinfo=UTC)
    assert page.entries[0].tz_source == "language"


def test_zones_stated_in_prose_apply_to_the_entries_after_them() -> None:
    first = "".join(f"<h2>{20 - n}:15</h2><p>{TEXT} {n}.</p>" for n in range(3))
    later = "".join(f"<h2>{9 - n}:30</h2><p>{TEXT} {n + 3}.</p>" for n in range(3))
    body = (
        f"<main><p>All times below are in Beijing time.</p>{first}"
        f"<p>Note: all times from here on are in Eastern time.</p>{later}</main>"
    )
    page = parse(html(body), "https://news.example.co.uk/live")
    assert [e.tz_source for e in page.entries] == ["prose"] * 6
    assert page.entries[0].published_at is not None
    assert page.entries[0].published_at.hour == 12  # 20:15 in Beijing
    assert page.entries[3].published_at is not None
    assert page.entries[3].published_at.hour == 13  # 09:30 in New York (EDT from 9 March)


def test_microdata_body_with_only_text_is_read_without_warnings() -> None:
    item = (
        '<div itemprop="liveBlogUpdate" itemscope itemtype="https://schema.org/BlogPosting">'
        '<meta itemprop="datePublished" content="2025-03-09T10:00:00+01:00">'
        '<div itemprop="articleBody">Only text, no child elements.</div></div>'
    )
    blog = f'<div itemscope itemtype="https://schema.org/LiveBlogPosting">{item}{item}</div>'
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        page = parse(html(blog))
    assert [e.body for e in page.entries] == ["Only text, no child elements."] * 2


def test_clocks_printing_their_zone_cross_midnight_in_that_zone() -> None:
    """A page read in UTC (no zone of its own) whose clocks print theirs (`23:50 BST`):
    fetched at 23:55 BST, i.e. 22:55 UTC, the newest entry at 23:50 BST is from the same
    day; compared with the fetch time in UTC it would look like the day before."""
    fetched_at = datetime(2026, 6, 1, 22, 55, tzinfo=UTC)
    blocks = "".join(
        f'<div class="entry"><h3>{clock} BST</h3><p>{TEXT} {clock}</p></div>'
        for clock in ("23:50", "23:30", "22:10")
    )
    page = parse_page(html(blocks), "https://example.com/live", fetched_at=fetched_at)
    assert page.tz == "UTC"
    assert [e.published_at for e in page.entries] == [
        datetime(2026, 6, 1, 22, 50, tzinfo=UTC),
        datetime(2026, 6, 1, 22, 30, tzinfo=UTC),
        datetime(2026, 6, 1, 21, 10, tzinfo=UTC),
    ]


@pytest.mark.parametrize(
    ("head", "zone"),
    [
        ('<html lang="en-US">', "America/New_York"),
        ('<html lang="en"><meta property="og:locale" content="pt_BR">', "America/Sao_Paulo"),
        ('<html lang="de-AT">', "Europe/Vienna"),
        ('<html lang="de-DE">', "Europe/Berlin"),
    ],
)
def test_the_language_tags_region_names_the_zone(head: str, zone: str) -> None:
    """A .com page without offsets or printed zones: `en-US` is New York's clock, not
    UTC; a region without a zone of its own falls back to the language's."""
    body = "".join(
        f"<div class='post'><span class='t'>{clock}</span><p>{'Text of the entry. ' * 3}</p></div>"
        for clock in ("11:04", "10:31", "09:58")
    )
    content = f"{head}<head><title>Live</title></head><body>{body}</body></html>".encode()
    parsed = parse_page(
        content, "https://www.example.com/live", fetched_at=datetime(2025, 8, 15, 20, tzinfo=UTC)
    )
    assert (parsed.tz, parsed.tz_source) == (zone, "language")
