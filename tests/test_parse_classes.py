"""Issue 15's failure classes 5, 6, 7 and 10 and the languages, each on a synthetic page
written for the test: times only in attributes, dates from the page's own lines,
multi-day tickers, times only in the page's application state."""

from __future__ import annotations

from datetime import UTC, datetime

from pipeline.models import ParsedPage
from pipeline.parse import parse_page

URL = "https://ticker.example.de/live"
FETCHED = datetime(2024, 8, 31, 12, 0, tzinfo=UTC)


def page(body: str, head: str = "", lang: str = "de") -> bytes:
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>Ticker</title>{head}</head><body>{body}</body></html>"
    ).encode()


def parse(content: bytes, url: str = URL, **kwargs: object) -> ParsedPage:
    return parse_page(content, url, fetched_at=FETCHED, **kwargs)  # type: ignore[arg-type]


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# --- class 7: multi-day tickers ---------------------------------------------------------------

MULTI_DAY = """<main><div class="ticker">
<h2>Samstag, 31. August 2024</h2>
<h2>10.15 Uhr: Am Samstagmorgen</h2><p>Text vom Samstagmorgen.</p>
<h2>08.30 Uhr: Früh am Samstag</h2><p>Text vom frühen Samstag.</p>
<h2>Freitag, 30. August 2024</h2>
<h2>21.45 Uhr: Freitagabend</h2><p>Text vom Freitagabend.</p>
<h2>18.30 Uhr: Freitagnachmittag</h2><p>Text vom Freitagnachmittag.</p>
<h2>Donnerstag, 29. August 2024</h2>
<h2>22.00 Uhr: Donnerstagabend</h2><p>Text vom Donnerstagabend.</p>
<h2>19.05 Uhr: Donnerstag früher</h2><p>Text vom Donnerstag.</p>
</div></main>"""


def test_multi_day_ticker_newest_first_is_a_ticker() -> None:
    parsed = parse(page(MULTI_DAY))
    assert (parsed.parser, parsed.is_liveblog) == ("html", True)
    assert [e.published_at for e in parsed.entries] == [
        utc(2024, 8, 31, 8, 15),
        utc(2024, 8, 31, 6, 30),
        utc(2024, 8, 30, 19, 45),
        utc(2024, 8, 30, 16, 30),
        utc(2024, 8, 29, 20, 0),
        utc(2024, 8, 29, 17, 5),
    ]
    assert not parsed.warnings


def ticker_of(clocks: list[str]) -> bytes:
    entries = "".join(
        f'<div class="entry"><span class="time">{clock}</span>'
        f"<p>Eine Meldung mit genug eigenem Text, um als Eintrag zu zählen ({n}).</p></div>"
        for n, clock in enumerate(clocks)
    )
    return page(f'<main><div class="ticker">{entries}</div></main>')


def test_one_late_inserted_entry_keeps_the_ticker() -> None:
    # Past midnight, newest first, 23:55 posted late below 23:50: bare clocks would make
    # two of four steps go the wrong way.
    parsed = parse(ticker_of(["00:40", "00:20", "23:50", "23:55", "23:30"]))
    assert parsed.is_liveblog
    assert [e.published_at for e in parsed.entries] == [
        utc(2024, 8, 30, 22, 40),
        utc(2024, 8, 30, 22, 20),
        utc(2024, 8, 30, 21, 50),
        utc(2024, 8, 30, 21, 55),
        utc(2024, 8, 30, 21, 30),
    ]


def test_a_series_out_of_order_is_rejected_with_a_warning() -> None:
    parsed = parse(ticker_of(["14:00", "09:00", "13:00", "08:00", "15:00", "10:00"]))
    assert not parsed.is_liveblog
    assert any(
        "not read as a ticker: only 3 of 6 entries in time order" in w for w in parsed.warnings
    )
