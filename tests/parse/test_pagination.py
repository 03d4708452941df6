"""Links to a ticker's older pages: every style found, other pages of the site ignored."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipeline.parse import parse_page
from pipeline.parse.html_text import parse_html
from pipeline.parse.pagination import older_pages, page_number, pager

TICKER = "https://news.example/live/storm-ticker"
AT = datetime(2025, 8, 14, 19, 15, tzinfo=UTC)


def links(body: str, page_url: str = TICKER) -> list[str]:
    root = parse_html(f"<html><head></head><body>{body}</body></html>")
    assert root is not None
    return older_pages(root, page_url, TICKER)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('<link rel="next" href="/live/storm-ticker?page=2">', [f"{TICKER}?page=2"]),
        ('<a rel="next" href="/live/storm-ticker/page/2">Next</a>', [f"{TICKER}/page/2"]),
        ('<a href="?page=with:block-abc">Older page</a>', [f"{TICKER}?page=with:block-abc"]),
        ('<a href="?before=123">Ältere Einträge</a>', [f"{TICKER}?before=123"]),
        ('<a href="?c=9">Weitere Einträge</a>', [f"{TICKER}?c=9"]),
        ('<a href="?c=9">Articles plus anciens</a>', [f"{TICKER}?c=9"]),
        ('<a href="?c=9">Entradas anteriores</a>', [f"{TICKER}?c=9"]),
        ('<a href="?c=9">Post precedenti</a>', [f"{TICKER}?c=9"]),
        ('<a href="?c=9">Oudere berichten</a>', [f"{TICKER}?c=9"]),
        ('<a href="?c=9">Starsze wpisy</a>', [f"{TICKER}?c=9"]),
        ('<a href="?c=9">Posts mais antigos</a>', [f"{TICKER}?c=9"]),
        ('<a href="?c=9" aria-label="Older entries">→</a>', [f"{TICKER}?c=9"]),
        ('<a href="/live/storm-ticker/3">3</a>', [f"{TICKER}/3"]),
    ],
)
def test_each_style_is_found(body: str, expected: list[str]) -> None:
    assert links(body) == expected


def test_a_numbered_bar_ranks_by_number_and_drops_page_one() -> None:
    bar = "".join(f'<a href="?page={n}">{n}</a>' for n in (1, 14, 3, 2))
    assert links(bar) == [f"{TICKER}?page={n}" for n in (2, 3, 14)]


def test_the_older_link_comes_before_opaque_page_keys() -> None:
    body = '<a href="?page=with:block-z">Oldest</a><a href="?page=with:block-b">Older</a>'
    assert links(body) == [f"{TICKER}?page=with:block-b", f"{TICKER}?page=with:block-z"]


@pytest.mark.parametrize(
    "body",
    [
        '<a href="https://other.example/live/storm-ticker?page=2">Older</a>',  # other host
        '<a href="/live/other-ticker?page=2">Older</a>',  # other ticker on the host
        '<a href="/live/storm-ticker">Older</a>',  # the ticker itself
        '<a href="/live/storm-ticker#older">Older</a>',
        '<a href="/live/storm-ticker/entry-1">Read the full story</a>',  # not a pager
        '<a href="/live/storm-ticker/x">Older voters in the region say that they feel let down</a>',
        '<a href="?commentpage=2">2</a>',
    ],
)
def test_links_off_the_ticker_or_not_pagers_are_ignored(body: str) -> None:
    assert links(body) == []


def test_relative_links_resolve_against_the_page_read() -> None:
    page2 = f"{TICKER}/page/2"
    assert links('<a rel="next" href="3">Next</a>', page2) == [f"{TICKER}/page/3"]
    assert links(f'<a href="{TICKER}">1</a><a rel="prev" href="{TICKER}">', page2) == []


def test_page_numbers() -> None:
    assert page_number(f"{TICKER}?page=4", TICKER) == 4
    assert page_number(f"{TICKER}/page/4", TICKER) == 4
    assert page_number(f"{TICKER}/4", TICKER) == 4
    assert page_number(f"{TICKER}?page=with:block-x", TICKER) is None


def test_a_deeper_page_keeps_the_ids_of_the_ticker() -> None:
    body = (
        '<html><body><link rel="next" href="?page=3">'
        + "".join(
            f'<article id="e{n}"><h2>{12 - n}:00 Uhr: Meldung {n}</h2>'
            f"<p>Ein Text, der lang genug ist, um ein Eintrag zu sein, Nummer {n}.</p></article>"
            for n in range(3)
        )
        + "</body></html>"
    ).encode()
    first = parse_page(body, TICKER, fetched_at=AT, tz="Europe/Berlin")
    deeper = parse_page(
        body, TICKER, fetched_at=AT, tz="Europe/Berlin", page_url=f"{TICKER}?page=2"
    )
    assert [e.entry_id for e in deeper.entries] == [e.entry_id for e in first.entries]
    assert deeper.url == f"{TICKER}?page=2"
    assert deeper.older_pages == [f"{TICKER}?page=3"]


def test_the_pager_tells_explicit_older_links_from_guesses() -> None:
    root = parse_html(
        '<html><body><a href="?page=with:block-new">Newer page</a>'
        '<a href="?page=with:block-old">Older page</a><a rel="next" href="?page=3">3</a>'
        '<a href="?page=2">2</a></body></html>'
    )
    assert root is not None
    found = pager(root, TICKER, TICKER)
    assert found.older == older_pages(root, TICKER, TICKER)
    assert found.explicit == [f"{TICKER}?page=3", f"{TICKER}?page=with:block-old"]
