"""Generic HTML tickers with no markup: headings that start with a time marker
(`12.31 Uhr: …`), optionally grouped under day headers (`Donnerstag, 14. August 2025`).

This is the BR24 / NZZ structure. Entries before any day header take the page's day; on
such runs a clock that jumps against the page's order means midnight was crossed, and
an entry more than ten minutes after the page's own time belongs to the day before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import pairwise

from bs4 import BeautifulSoup, Tag

from pipeline.parse.context import RawEntry
from pipeline.parse.html_text import element_text, tidy
from pipeline.timeparse import parse_clock, parse_day_header

HEADINGS = ["h2", "h3", "h4"]
_MARKER = re.compile(r"^\s*(\d{1,2}[.:]\d{2}\s*Uhr)\s*:?\s*(.*)$", re.S)
_SLACK = timedelta(minutes=10)
_HALF_DAY = 12 * 60


@dataclass(slots=True)
class _Found:
    heading: Tag
    time_text: str
    headline: str
    clock: time | None
    header_day: date | None  # the day header above it, if any


def time_heading_entries(
    soup: BeautifulSoup, page_day: date, reference: datetime
) -> list[RawEntry]:
    """Entries introduced by time-marked headings; body = following siblings up to the
    next heading. `reference` is the page's own time as a naive local datetime."""
    found = _find(soup, default_year=page_day.year)
    days = _days(found, page_day, reference)
    return [_entry(f, day) for f, day in zip(found, days, strict=True)]


def _find(soup: BeautifulSoup, default_year: int) -> list[_Found]:
    found: list[_Found] = []
    header_day: date | None = None
    for heading in soup.find_all(HEADINGS):
        text = tidy(heading.get_text(" "))
        marker = _MARKER.match(text)
        if marker is not None:
            clock = parse_clock(marker.group(1))
            found.append(_Found(heading, marker.group(1), marker.group(2), clock, header_day))
        elif len(text) < 60:
            header_day = parse_day_header(text, default_year=default_year) or header_day
    return found


def _days(found: list[_Found], page_day: date, reference: datetime) -> list[date]:
    """The day of each entry: its header's, else rolled back from the page day."""
    clocks = [f.clock for f in found if f.header_day is None and f.clock is not None]
    newest_first = _descending(clocks)
    order = range(len(found)) if newest_first else range(len(found) - 1, -1, -1)
    days: dict[int, date] = {}
    day, previous = page_day, None
    for index in order:
        item = found[index]
        if item.header_day is not None or item.clock is None:
            days[index] = item.header_day or day
            continue
        if _rolls_back(day, item.clock, previous, reference):
            day -= timedelta(days=1)
        days[index], previous = day, item.clock
    return [days[i] for i in range(len(found))]


def _rolls_back(day: date, clock: time, previous: time | None, reference: datetime) -> bool:
    """Newest first: a first entry after the fetch, or a clock more than half a day
    later than the entry above (00.30 then 23.50), is from the day before."""
    if previous is None:
        return datetime.combine(day, clock) > reference + _SLACK
    return _minutes(clock) - _minutes(previous) > _HALF_DAY


def _descending(clocks: list[time]) -> bool:
    """Page order, judged on steps shorter than half a day (midnight jumps excluded);
    newest first when undecided, as most tickers are."""
    steps = [_minutes(b) - _minutes(a) for a, b in pairwise(clocks)]
    return sum(-_HALF_DAY <= s <= 0 for s in steps) >= sum(0 < s <= _HALF_DAY for s in steps)


def _minutes(clock: time) -> int:
    return clock.hour * 60 + clock.minute


def _entry(item: _Found, day: date) -> RawEntry:
    local = datetime.combine(day, item.clock) if item.clock else None
    anchor = item.heading.get("id")
    return RawEntry(
        body=_body(item.heading),
        headline=item.headline.strip() or None,
        local_time=local,
        time_text=item.time_text,
        precision="minute" if local else "none",
        anchor=anchor if isinstance(anchor, str) else None,
    )


def _body(heading: Tag) -> str:
    nodes: list[Tag] = []
    for sibling in heading.find_next_siblings():
        if sibling.name in HEADINGS or sibling.find(HEADINGS):
            break
        nodes.append(sibling)
    return "\n\n".join(t for t in (element_text(n) for n in nodes) if t)
