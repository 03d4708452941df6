"""Listings read from their bodies (feeds, news sitemaps, sitemap indexes, section
pages) and the bad ones refused with a one-line error, classification and lifecycle
from what a page says, and the adaptive policy's bounds."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta

import pytest

from pipeline.discover import lifecycle, policy
from pipeline.discover.classify import check_order, ticker_id
from pipeline.discover.feeds import MAX_INFLATED, read_listing
from pipeline.errors import FeedError

BASE = "https://www.example.de/news/"
NOW = datetime(2025, 8, 14, 18, 0, tzinfo=UTC)
SITEMAP_NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'


def test_rss_atom_sitemap_index_and_section_page() -> None:
    rss = b"<rss version='2.0'><channel><item><link>/a</link></item></channel></rss>"
    atom = b"<feed xmlns='http://www.w3.org/2005/Atom'><entry><link href='/b'/></entry></feed>"
    urlset = f"<urlset {SITEMAP_NS}><url><loc>https://www.example.de/c</loc></url></urlset>"
    index = f"<sitemapindex {SITEMAP_NS}><sitemap><loc>/s1.xml</loc></sitemap></sitemapindex>"
    section = (
        b"<!doctype html><html><body><a href='/d#top'>d</a><a href='mailto:x'>m</a></body></html>"
    )
    assert read_listing(rss, BASE, "x").items == ["https://www.example.de/a"]
    assert read_listing(atom, BASE, "x").items == ["https://www.example.de/b"]  # feedparser's link
    assert read_listing(gzip.compress(urlset.encode()), BASE, "x").items == [
        "https://www.example.de/c"
    ]
    assert read_listing(index.encode(), BASE, "x").children == ["https://www.example.de/s1.xml"]
    assert read_listing(section, BASE, "x").items == ["https://www.example.de/d"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (gzip.compress(b"<urlset>" + b" " * (MAX_INFLATED + 10)), "inflates past"),
        (b"\x1f\x8b\x08\x00garbage", "broken gzip"),
        (f"<urlset {SITEMAP_NS}><url><loc>x</url>".encode(), "malformed sitemap"),
        (b"%PDF-1.4 not a listing", "neither a feed"),
    ],
    ids=["gzip-bomb", "broken-gzip", "malformed", "not-a-listing"],
)
def test_bad_listings_are_one_line_errors(body: bytes, message: str) -> None:
    with pytest.raises(FeedError, match=message) as caught:
        read_listing(body, BASE, "blatt~listing")
    assert "\n" not in str(caught.value) and "blatt~listing" in str(caught.value)


def test_ticker_ids_are_stable_and_url_words_only_order() -> None:
    assert ticker_id("blatt", BASE + "a") == ticker_id("blatt", BASE + "a")
    assert ticker_id("blatt", BASE + "a") != ticker_id("other", BASE + "a")
    assert ticker_id("blatt", BASE + "a") != ticker_id("blatt", BASE + "b")
    # the page, not the URL as listed: scheme, port, tracking parameters aside
    same_page = ("http://www.example.de:8080/news/a", BASE + "a?utm_source=rss")
    assert {ticker_id("blatt", url) for url in same_page} == {ticker_id("blatt", BASE + "a")}
    assert check_order([BASE + "wahl", BASE + "liveticker-wahl", BASE + "x"]) == [
        BASE + "liveticker-wahl",
        BASE + "wahl",
        BASE + "x",
    ]


def live_blog(extra: str) -> bytes:
    return (
        '<html><head><script type="application/ld+json">{"@type": "LiveBlogPosting", '
        f"{extra}}}</script></head><body></body></html>"
    ).encode()


def test_a_ticker_ends_when_it_says_so() -> None:
    ended = live_blog('"coverageEndTime": "2025-08-14T19:00:00+02:00"')
    assert lifecycle.ended_at(ended, NOW) == (NOW - timedelta(hours=1), "coverageEndTime")
    assert (
        lifecycle.ended_at(live_blog('"coverageEndTime": "2025-08-14T23:00:00+02:00"'), NOW) is None
    )
    assert lifecycle.coverage_end(ended) == NOW - timedelta(hours=1)
    status = live_blog('"eventStatus": "https://schema.org/EventCompleted"')
    assert lifecycle.ended_at(status, NOW) == (NOW, "eventStatus")
    badge = b"<html><body><p>Dieser Liveticker ist beendet.</p><p>Text</p></body></html>"
    assert lifecycle.ended_at(badge, NOW) == (NOW, "end badge")
    assert lifecycle.ended_at(b"<html><body><p>Live</p></body></html>", NOW) is None


def test_quiet_tickers_and_adaptive_bounds() -> None:
    assert lifecycle.is_quiet([NOW - lifecycle.QUIET_PERIOD], NOW)
    assert not lifecycle.is_quiet([NOW - timedelta(hours=1)], NOW)
    assert not lifecycle.is_quiet([], NOW)
    assert policy.adaptive_interval([], NOW) == policy.NO_ACTIVITY
    assert policy.adaptive_interval([NOW], NOW) == policy.MIN_INTERVAL
    assert policy.adaptive_interval([NOW - timedelta(days=1)], NOW) == policy.MAX_INTERVAL
    hour = policy.adaptive_interval([NOW - timedelta(hours=1)], NOW)
    assert policy.MIN_INTERVAL < hour < policy.MAX_INTERVAL
