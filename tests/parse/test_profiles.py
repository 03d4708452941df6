"""Per-site profiles and source kinds, on small synthetic pages; the shipped profile also
on its real page (read from ../shared/realpages, skipped when absent)."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from pipeline.cycle import parse_result
from pipeline.errors import ConfigError
from pipeline.fetch.client import FetchResult
from pipeline.models import ParsedPage
from pipeline.parse import parse_page, profiles
from pipeline.sources import Source, load_sources
from tests.support.realpages import LIVEBLOGS

FETCHED = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
URL = "https://sport.example.pl/relacja/1"
REAL = LIVEBLOGS
SPORTOWEFAKTY = REAL / "sportowefakty.wp.pl_sportowefakty.wp.pl.falubaz.html.gz"


def coventry_page(*, day_row: bool = True) -> bytes:
    """The coventry layout: timed comments, untimed heat results, a fact table."""
    entries = [
        ("905", "coventry coventry--special coventry--highlight", "<time>00:10</time>", "Koniec."),
        ("102", "coventry coventry--composite", "", "Rider A 3"),
        ("903", "coventry", "<time>23:50</time>", "Prawie północ."),
        ("901", "coventry", '<i class="icon-start"></i>', "Start meczu."),
    ]
    blocks = "".join(
        f'<div class="{cls}" id="{anchor}"><aside class="coventry__aside">{aside}</aside>'
        + (
            '<header class="coventry__header"><span class="coventry__title h5">Bieg 1</span>'
            '<span class="coventry__time">62.93 sek.</span><div class="coventry__result">'
            '<div class="coventry__state">5 : 1</div></div></header>'
            if "composite" in cls
            else ""
        )
        + f'<div class="coventry__body"><p>{text}</p></div></div>'
        for anchor, cls, aside, text in entries
    )
    table = (
        "<table><tr><td>Data i godzina</td><td> 28 Września 2020, 18:00 </td></tr></table>"
        if day_row
        else ""
    )
    return (
        "<html><head><title>Relacja</title></head><body>"
        f'<div class="coveragelist" itemscope itemtype="https://schema.org/LiveBlogPosting">'
        f"{blocks}</div>{table}</body></html>"
    ).encode()


def parse(content: bytes, **kwargs: Any) -> ParsedPage:
    return parse_page(content, URL, fetched_at=FETCHED, tz="Europe/Warsaw", **kwargs)


def test_the_coventry_profile_reads_entries_heats_and_the_match_day() -> None:
    page = parse(coventry_page(), profile="sportowefakty-coventry")
    assert page.parser == "profile:sportowefakty-coventry"
    assert [e.url.rsplit("#", 1)[1] for e in page.entries] == ["905", "102", "903", "901"]
    final, heat, late, start = page.entries
    # 23:50 on the match day, then past midnight: 00:10 is the next day (Warsaw, CEST).
    assert late.published_at == datetime(2020, 9, 28, 21, 50, tzinfo=UTC)
    assert final.published_at == datetime(2020, 9, 28, 22, 10, tzinfo=UTC)
    assert final.key_event and not late.key_event
    assert (heat.headline, heat.body, heat.published_at) == ("Bieg 1", "5 : 1\n\nRider A 3", None)
    assert (start.body, start.published_at) == ("Start meczu.", None)
    assert page.warnings == []


def test_without_a_stated_day_clocks_count_back_from_the_fetch() -> None:
    page = parse(coventry_page(day_row=False), profile="sportowefakty-coventry")
    final, _, late, _ = page.entries
    assert final.published_at == datetime(2026, 5, 31, 22, 10, tzinfo=UTC)
    assert late.published_at == datetime(2026, 5, 31, 21, 50, tzinfo=UTC)  # 23:50 the day before


class _Stale(profiles.Profile):
    name = "test-stale"
    version = 3
    valid_until = date(2026, 1, 31)
    container = "//ol[@class='ticker']"
    entry = "./li"
    time = ".//time"
    headline = "./h3"
    body = "./p"
    anchor_attribute = "data-id"
    pinned = "contains(@class, 'pinned')"
    newest_first = False


@pytest.fixture
def stale() -> Iterator[type[profiles.Profile]]:
    profiles.PROFILES[_Stale.name] = _Stale
    yield _Stale
    del profiles.PROFILES[_Stale.name]


def ticker(items: str) -> bytes:
    return f'<html><body><ol class="ticker">{items}</ol></body></html>'.encode()


def test_a_stale_profile_still_runs_but_warns(stale: type[profiles.Profile]) -> None:
    page = parse(
        ticker(
            '<li data-id="a1" class="pinned"><time datetime="2026-05-31T09:00:00Z">9:00</time>'
            "<h3>Eins</h3><p>Erster Text.</p></li>"
            '<li data-id="a2"><time>12:05</time><h3>Zwei</h3><p>Zweiter Text.</p></li>'
        ),
        profile=stale.name,
    )
    first, second = page.entries
    assert (first.headline, first.body, first.pinned) == ("Eins", "Erster Text.", True)
    assert first.published_at == datetime(2026, 5, 31, 9, 0, tzinfo=UTC)
    assert first.time_precision == "minute"
    assert second.url.endswith("#a2") and not second.pinned
    assert second.published_at == datetime(2026, 6, 1, 10, 5, tzinfo=UTC)
    assert any("test-stale v3 is past its valid-until date 2026-01-31" in w for w in page.warnings)


def test_a_profile_that_finds_nothing_falls_back_to_generic_detection(
    stale: type[profiles.Profile],
) -> None:
    body = "".join(
        f"<h3>{hour}.00 Uhr: Meldung {hour}</h3><p>{'Text der Meldung. ' * 5}</p>"
        for hour in (11, 10, 9)
    )
    page = parse(f"<html><body><div>{body}</div></body></html>".encode(), profile=stale.name)
    assert page.parser == "html"
    assert len(page.entries) == 3
    assert "profile test-stale found no entries" in page.warnings


def test_an_unknown_profile_is_a_config_error_naming_it() -> None:
    with pytest.raises(ConfigError, match="'no-such-site'"):
        parse(coventry_page(), profile="no-such-site")


def test_sources_yaml_refuses_an_unknown_profile(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text(
        "sources:\n  - id: one\n    url: https://example.org/live\n    profile: bbc\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"sources\[0\]\.profile: unknown profile 'bbc'"):
        load_sources(path)


# --- kinds ---------------------------------------------------------------------------------


def ld_and_html() -> bytes:
    """A page with one JSON-LD update and a different rendered ticker."""
    blog = {
        "@type": "LiveBlogPosting",
        "liveBlogUpdate": [
            {
                "@type": "BlogPosting",
                "articleBody": "Nur im JSON-LD, lang genug.",
                "datePublished": "2026-06-01T08:00:00Z",
            },
        ],
    }
    rendered = "".join(
        f"<h3>{hour}.00 Uhr: Gerendert {hour}</h3><p>{'Nur im HTML zu lesen. ' * 4}</p>"
        for hour in (11, 10)
    )
    return (
        f'<html lang="de"><head><script type="application/ld+json">{json.dumps(blog)}</script>'
        f"</head><body><div>{rendered}</div></body></html>"
    ).encode()


def test_kind_jsonld_reads_only_structured_data() -> None:
    page = parse(ld_and_html(), kind="jsonld")
    assert page.parser == "jsonld"
    assert [e.body for e in page.entries] == ["Nur im JSON-LD, lang genug."]


def test_kind_html_reads_only_rendered_entries() -> None:
    page = parse(ld_and_html(), kind="html")
    assert page.parser == "html"
    assert [e.headline for e in page.entries] == ["Gerendert 11", "Gerendert 10"]


def test_kind_auto_merges_both() -> None:
    assert len(parse(ld_and_html()).entries) == 3


def test_kind_text_reads_markup_as_plain_text() -> None:
    body = b"<Ticker>\n\n14.08.2025 21:15 Uhr\n\nSchlagzeile\n\nEin Absatz mit Text."
    page = parse(body, kind="text")
    assert page.parser == "text"
    assert page.entries[0].headline == "Schlagzeile"


def test_kind_feed_reads_a_feed_served_as_html() -> None:
    rss = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><item>'
        b"<title>Eins</title><description>Text.</description><guid>x1</guid>"
        b"<pubDate>Mon, 01 Jun 2026 08:00:00 GMT</pubDate></item></channel></rss>"
    )
    page = parse(rss, kind="feed", headers={"content-type": "text/html"})
    assert page.parser == "feed"
    assert [e.headline for e in page.entries] == ["Eins"]


def test_an_unknown_kind_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="'rss'"):
        parse(ld_and_html(), kind="rss")


def test_the_cycle_passes_the_sources_profile_and_kind() -> None:
    source = Source(
        "sf", URL, kind="html", timezone="Europe/Warsaw", profile="sportowefakty-coventry"
    )
    result = FetchResult(source_id="sf", url=URL, fetched_at=FETCHED)
    page = parse_result(source, result, coventry_page())
    assert page is not None and page.parser == "profile:sportowefakty-coventry"


# --- the real page -------------------------------------------------------------------------


REAL_URL = "https://sportowefakty.wp.pl/zuzel/relacja/110331/fogo-unia-leszno-rm-solar-falubaz-zielona-gora"


@pytest.mark.skipif(not SPORTOWEFAKTY.is_file(), reason=f"real page not available: {REAL}")
def test_the_coventry_profile_on_its_real_page() -> None:
    content = gzip.decompress(SPORTOWEFAKTY.read_bytes())
    page = parse_page(content, REAL_URL, fetched_at=FETCHED, profile="sportowefakty-coventry")
    generic = parse_page(content, REAL_URL, fetched_at=FETCHED)
    assert len(page.entries) == len(generic.entries) == 53
    timed = [e for e in page.entries if e.published_at]
    assert len(timed) == len([e for e in generic.entries if e.published_at]) == 20
    # Times are on the match day; generic detection takes it from the page's own date too.
    assert {e.published_at.date() for e in timed if e.published_at} == {date(2020, 9, 28)}
    assert [e.published_at for e in generic.entries] == [e.published_at for e in page.entries]
    heats = [e for e in page.entries if (e.headline or "").startswith("Bieg ")]
    assert len(heats) == 15 and all(" : " in h.body.split("\n\n")[0] for h in heats)
    text = "\n".join(f"{e.headline}\n{e.body}" for e in page.entries)
    assert "W Lesznie zaczął mocno padać deszcz." in text
    assert "Grupa WP" not in text and "Zobacz również" not in text
