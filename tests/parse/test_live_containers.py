"""Rendered tickers the page itself declares to be live lists (`<amp-live-list>`,
`role="log"`): their entries are a ticker even when their times are out of order (an
editor reordered them), and the seconds a "time ago" widget prints before its script runs
are no part of an entry's text. Synthetic pages, written for the test."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pipeline.models import ParsedPage
from pipeline.parse import parse_page

URL = "https://news.example.org/live/storm"
FETCHED = datetime(2024, 3, 9, 15, 0, tzinfo=UTC)
BODY = "The reporter on the coast describes what the storm did overnight, in a sentence."
# Six updates as an editor arranged them: not in the order they were written.
WRITTEN = [
    FETCHED - timedelta(minutes=m) for m in (40, 25, 55, 10, 70, 30)
]  # 3 of 6 in one direction


def update(n: int, written: datetime, printed: datetime) -> str:
    millis = int(written.timestamp() * 1000)
    return (
        f'<section class="u-box" id="u{n}" data-made-time="{millis}">'
        f'<a href="#u{n}"><x-ago stamp="{printed.isoformat()}">'
        f"{int(printed.timestamp())}</x-ago></a>"
        f"<h3>Update {n}</h3><p>{BODY} Number {n}.</p></section>"
    )


def live_page(container: str, closing: str) -> bytes:
    updates = "".join(
        update(n, written, FETCHED - timedelta(hours=n)) for n, written in enumerate(WRITTEN)
    )
    items = f'<div class="items">{updates}</div>'
    body = f'<main><div class="col-x">{container}{items}{closing}</div></main>'
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Storm live</title>'
        f"</head><body>{body}</body></html>"
    ).encode()


def parse(content: bytes) -> ParsedPage:
    return parse_page(content, URL, fetched_at=FETCHED)


DECLARED = {
    "amp-live-list": ('<amp-live-list id="l1" data-max-items-per-page="10">', "</amp-live-list>"),
    "role-log": ('<div class="stream" role="log">', "</div>"),
}


@pytest.mark.parametrize("name", sorted(DECLARED))
def test_a_declared_live_list_is_a_ticker_whatever_its_order(name: str) -> None:
    parsed = parse(live_page(*DECLARED[name]))
    assert (parsed.parser, parsed.is_liveblog) == ("html", True)
    assert [e.published_at for e in parsed.entries] == [
        w.replace(second=0, microsecond=0) for w in WRITTEN
    ]
    assert [e.time_text for e in parsed.entries] == [
        f"[data-made-time={int(w.timestamp() * 1000)}]" for w in WRITTEN
    ]
    assert not parsed.warnings


@pytest.mark.parametrize("name", sorted(DECLARED))
def test_printed_epoch_seconds_are_no_body_text(name: str) -> None:
    parsed = parse(live_page(*DECLARED[name]))
    assert [e.body for e in parsed.entries] == [f"{BODY} Number {n}." for n in range(6)]
    assert [e.headline for e in parsed.entries] == [f"Update {n}" for n in range(6)]


def test_the_same_series_undeclared_is_rejected_with_a_warning() -> None:
    parsed = parse(live_page('<div class="stream">', "</div>"))
    assert not parsed.is_liveblog
    assert any("entries in time order" in w for w in parsed.warnings)


def test_a_live_list_around_part_of_the_series_does_not_count() -> None:
    # The declared container must hold every block of the series, not just the first.
    updates = [
        update(n, written, FETCHED - timedelta(hours=n)) for n, written in enumerate(WRITTEN)
    ]
    body = (
        '<main><div class="col-x">'
        f'<div role="log"><div class="wrap"><div class="items">{updates[0]}</div></div></div>'
        f'<div><div class="wrap"><div class="items">{"".join(updates[1:])}</div></div></div>'
        "</div></main>"
    )
    content = f'<html lang="en"><head><title>T</title></head><body>{body}</body></html>'
    parsed = parse(content.encode())
    assert not parsed.is_liveblog
    assert any("6 time-marked blocks" in w for w in parsed.warnings)


def test_an_epoch_far_from_the_entry_time_stays_in_the_text() -> None:
    # A number that happens to have ten digits, a year away from the entry: prose.
    far = int((FETCHED - timedelta(days=400)).timestamp())
    page = live_page(*DECLARED["role-log"]).replace(
        f"{BODY} Number 2.".encode(), f"{BODY} Number 2.</p><p>{far}".encode()
    )
    entry = parse(page).entries[2]
    assert entry.body.endswith(str(far))
