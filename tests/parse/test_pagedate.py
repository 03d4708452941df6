"""Page dates of articles that state none in JSON-LD or the common meta tags."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from pipeline.parse import parse_page
from pipeline.parse.context import PageContext
from pipeline.parse.pagedate import page_date, read_date_text

FETCHED = datetime(2026, 6, 1, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")
CTX = PageContext(
    url="https://news.example.de/a/b", fetched_at=FETCHED, tz="Europe/Berlin", language="de"
)


def html(body: str, head: str = "", title: str = "Artikel") -> str:
    return f"<html><head><title>{title}</title>{head}</head><body>{body}</body></html>"


def day(moment: datetime | None) -> str | None:
    return moment.astimezone(BERLIN).date().isoformat() if moment else None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Stand: 28.04.2020 18:00 Uhr", datetime(2020, 4, 28, 18, 0)),  # noqa: DTZ001
        ("18.10.2019 - 17:08 Uhr", datetime(2019, 10, 18, 17, 8)),  # noqa: DTZ001
        ("19. Oktober 2019, 19:08 Uhr", datetime(2019, 10, 19, 19, 8)),  # noqa: DTZ001
        ("05.04.2020", datetime(2020, 4, 5)),  # noqa: DTZ001 - day first, as written in German
        ("2020-04-27T18:50:24+02:00", datetime(2020, 4, 27, 16, 50, 24, tzinfo=UTC)),
        ("kein Datum", None),
        ("31.02.2020", None),
    ],
)
def test_date_texts_are_read_day_first(text: str, expected: datetime | None) -> None:
    assert read_date_text(text) == expected


def test_itemprop_date_published_beats_a_navigation_date() -> None:
    page = html(
        "<time>Mittwoch, 8. Juli 2020</time><h1>Titel</h1>"
        '<span itemprop="datePublished" content="2020-04-27T18:50:24+02:00">27.04.2020</span>'
    )
    assert day(page_date(page, CTX)) == "2020-04-27"


def test_a_meta_named_published_is_read_but_not_the_publisher() -> None:
    head = (
        '<meta name="publisher" content="Verlag 2019">'
        '<meta name="vr:published-time" content="18.10.2019 17:08">'
    )
    assert day(page_date(html("<p>Text</p>", head), CTX)) == "2019-10-18"


def test_the_byline_under_the_headline_beats_the_bare_date_meta() -> None:
    head = '<meta name="date" content="2020-04-29T11:52:23">'
    body = "<h1>Daten gehackt</h1><p><span>Stand: 28.04.2020 18:00 Uhr</span></p><p>Text.</p>"
    assert day(page_date(html(body, head), CTX)) == "2020-04-28"


def test_a_dated_caption_is_no_byline_but_the_title_date_counts() -> None:
    body = (
        "<h1>Gegenoffensive</h1><p>Ukrainische Kriegstechnik bei den Kämpfen um Bachmut, "
        "24. April 2023</p>"
    )
    assert day(page_date(html(body, title="Gegenoffensive | DW | 28.04.2023"), CTX)) == "2023-04-28"


def test_a_day_first_datetime_attribute_is_not_read_month_first() -> None:
    body = '<h1>Titel</h1><time datetime="01-11-2023 10:29">1. November 2023 10:29</time>'
    assert day(page_date(html(body), CTX)) == "2023-11-01"


def test_a_date_after_the_fetch_is_ignored() -> None:
    body = "<h1>Titel</h1><p>12.12.2030</p>"
    assert page_date(html(body), CTX) is None


def test_the_bare_date_meta_is_still_read_when_nothing_else_is_there() -> None:
    head = '<meta name="date" content="2020-04-29T11:52:23">'
    assert day(page_date(html("<p>Text.</p>", head), CTX)) == "2020-04-29"


def test_parse_page_uses_the_byline_for_an_article() -> None:
    body = (
        "<article><h1>Titel</h1><p>29.04.2020, 12:01 Uhr</p><p>" + "Text. " * 40 + "</p></article>"
    )
    page = parse_page(
        html(body, '<meta name="date" content="2020-04-30">').encode(),
        CTX.url,
        fetched_at=FETCHED,
    )
    assert not page.is_liveblog
    assert day(page.published_at) == "2020-04-29"
