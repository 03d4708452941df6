"""Generic HTML tickers with no markup: headings that start with a time marker
(`12.31 Uhr: …`), grouped under day headers (`Donnerstag, 14. August 2025`).

This is the BR24 / NZZ structure. Later versions widen the marker set (`+++ 14:26 +++`,
`9:43PM`, `4m ago`, `<time datetime>`); the shape of the walk stays the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from bs4 import BeautifulSoup, Tag

from pipeline.parse.context import RawEntry
from pipeline.parse.html_text import element_text, tidy
from pipeline.timeparse import parse_clock, parse_day_header

HEADINGS = ["h2", "h3", "h4"]
_MARKER = re.compile(r"^\s*(\d{1,2}[.:]\d{2}\s*Uhr)\s*:?\s*(.*)$", re.S)


@dataclass(slots=True)
class _Open:
    raw: RawEntry
    nodes: list[Tag]


def time_heading_entries(soup: BeautifulSoup, page_day: date) -> list[RawEntry]:
    """Entries introduced by time-marked headings; body = following siblings up to the
    next heading."""
    day = page_day
    entries: list[_Open] = []
    for heading in soup.find_all(HEADINGS):
        text = tidy(heading.get_text(" "))
        header_day = parse_day_header(text, default_year=day.year)
        marker = _MARKER.match(text)
        if marker is None and header_day is not None and len(text) < 60:
            day = header_day
        elif marker is not None:
            entries.append(_Open(_raw(heading, marker, day), _body_nodes(heading)))
    return [_finish(e) for e in entries]


def _raw(heading: Tag, marker: re.Match[str], day: date) -> RawEntry:
    clock = parse_clock(marker.group(1))
    local = datetime.combine(day, clock) if clock else None
    anchor = heading.get("id") or (heading.parent.get("id") if heading.parent else None)
    return RawEntry(
        body="",
        headline=marker.group(2).strip() or None,
        local_time=local,
        time_text=marker.group(1),
        precision="minute" if local else "none",
        anchor=anchor if isinstance(anchor, str) else None,
    )


def _body_nodes(heading: Tag) -> list[Tag]:
    nodes: list[Tag] = []
    for sibling in heading.find_next_siblings():
        if sibling.name in HEADINGS or sibling.find(HEADINGS):
            break
        nodes.append(sibling)
    return nodes


def _finish(entry: _Open) -> RawEntry:
    entry.raw.body = "\n\n".join(t for t in (element_text(n) for n in entry.nodes) if t)
    return entry.raw
