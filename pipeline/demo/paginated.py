"""Paginated test tickers for the replay server: a ticker that shows its newest entries
on page 1 and links older ones as further pages, in each style live blogs use.

Styles (the link a page gives to the next older one):

- ``path``: ``/<id>/page/N``, with ``rel="next"`` / ``rel="prev"`` links;
- ``query``: ``?page=N``, with a numbered pager bar ("1 / 4") linking every page;
- ``block``: Guardian-like ``?page=with:block-<entry>`` ("Older page"), re-cut whenever
  entries arrive: every entry's block key leads to the page holding it now, entries carry
  their own anchors;
- ``older``: an "Ältere Einträge" link to ``?before=<entry>`` (the entries older than it);
- ``loop``: like ``path``, but the last page's "older" link leads back to page 1 through a
  URL of its own, so a reader that does not watch for repeats goes round forever;
- ``endless``: one entry a page, every page linking a further one: given a few hundred
  entries, a chain longer than any reader should follow.

`write_ticker` writes one ``<stamp>.pages.json`` snapshot per point of a timeline.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

__all__ = ["STYLES", "Post", "posts", "ticker_pages", "write_ticker"]

STYLES = ("path", "query", "block", "older", "loop", "endless")
PER_PAGE = 10
BERLIN = ZoneInfo("Europe/Berlin")
_WEEKDAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
_MONTHS = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
]


@dataclass(frozen=True, slots=True)
class Post:
    """One ticker entry: a short unique key, its publication time and its text."""

    key: str
    at: datetime
    headline: str

    @property
    def body(self) -> str:
        return f"Meldung {self.headline}: ein Text, der lang genug für einen Eintrag ist."


def posts(count: int, start: datetime, step: timedelta, prefix: str = "p") -> list[Post]:
    """`count` posts, the first at `start`, one every `step`, oldest first."""
    return [
        Post(f"{prefix}{n:03d}", start + n * step, f"{prefix.upper()} {n:03d}")
        for n in range(count)
    ]


def ticker_pages(source_id: str, shown: list[Post], style: str) -> dict[str, dict[str, str]]:
    """Every page of the ticker showing `shown` (newest first) and the request targets
    that lead to each: the snapshot `pipeline.demo.replay` serves."""
    if style not in STYLES:
        raise ValueError(f"unknown pagination style {style!r} (known: {', '.join(STYLES)})")
    if style == "older":
        return _recut_pages(source_id, shown)
    size = 1 if style == "endless" else PER_PAGE
    cuts = [shown[i : i + size] for i in range(0, len(shown), size)] or [[]]
    pages: dict[str, str] = {}
    routes: dict[str, str] = {}
    for number, cut in enumerate(cuts, start=1):
        name = f"page-{number}"
        pages[name] = _html(source_id, cut, _pager(source_id, style, cuts, number))
        for target in _targets(style, cuts, number):
            routes[target] = name
    return {"pages": pages, "routes": routes}


def _targets(style: str, cuts: list[list[Post]], number: int) -> list[str]:
    """The request targets (after the source's path) that lead to page `number`."""
    if style == "block":
        return [""] * (number == 1) + [f"?page=with:block-{p.key}" for p in cuts[number - 1]]
    if number == 1:
        return {"query": ["", "?page=1"], "loop": ["", "page/1/again"]}.get(style, [""])
    return [f"?page={number}"] if style == "query" else [f"page/{number}"]


def _pager(source_id: str, style: str, cuts: list[list[Post]], number: int) -> str:
    base = f"/{source_id}"
    last = number == len(cuts)
    if style == "query":
        bar = "".join(f'<a href="?page={n}">{n}</a> ' for n in range(1, len(cuts) + 1))
        return f'<nav class="pager">{number} / {len(cuts)} {bar}</nav>'
    if style == "block":
        older = "" if last else f'<a href="?page=with:block-{cuts[number][0].key}">Older page</a>'
        newer = (
            f'<a href="?page=with:block-{cuts[number - 2][0].key}">Newer page</a>'
            if number > 1
            else ""
        )
        return f'<nav><a href="{base}">Latest</a> {newer} {older}</nav>'
    if style == "loop" and last:
        return f'<nav><a rel="next" href="{base}/page/1/again">Older entries</a></nav>'
    nxt = f'<a rel="next" href="{base}/page/{number + 1}">Next</a>' if not last else ""
    prev = f'<a rel="prev" href="{base}/page/{number - 1}">Previous</a>' if number > 2 else ""
    return f"<nav>{prev} {nxt}</nav>"


def _recut_pages(source_id: str, shown: list[Post]) -> dict[str, dict[str, str]]:
    """``?before=<key>``: the `PER_PAGE` entries older than that entry, so pages are cut
    anew from wherever the link says."""
    pages: dict[str, str] = {}
    routes: dict[str, str] = {}
    for start in range(max(1, len(shown))):
        cut = shown[start : start + PER_PAGE]
        rest = shown[start + PER_PAGE :]
        link = f'<a href="/{source_id}?before={cut[-1].key}">Ältere Einträge</a>' if rest else ""
        name = f"from-{start}"
        pages[name] = _html(source_id, cut, f"<nav>{link}</nav>")
        routes["" if start == 0 else f"?before={shown[start - 1].key}"] = name
    return {"pages": pages, "routes": routes}


def _html(source_id: str, cut: list[Post], pager: str) -> str:
    day = cut[0].at.astimezone(BERLIN) if cut else datetime(2025, 8, 14, tzinfo=BERLIN)
    heading = f"{_WEEKDAYS[day.weekday()]}, {day.day}. {_MONTHS[day.month - 1]} {day.year}"
    items = "".join(
        f'<article id="block-{p.key}"><h2>{p.at.astimezone(BERLIN):%H.%M} Uhr: {p.headline}</h2>'
        f"<p>{p.body}</p></article>"
        for p in cut
    )
    return (
        f"<html><head><title>Liveticker {source_id}</title></head><body>"
        f"<h1>Liveticker {source_id}</h1><h2>{heading}</h2>{items}{pager}</body></html>"
    )


def write_ticker(
    root: Path, source_id: str, style: str, timeline: list[tuple[datetime, list[Post]]]
) -> Path:
    """Snapshots of a paginated ticker: at each time, the posts it shows (any order; the
    page lists them newest first). Returns the source's folder."""
    folder = root / source_id
    folder.mkdir(parents=True, exist_ok=True)
    for at, shown in timeline:
        newest_first = sorted(shown, key=lambda p: p.at, reverse=True)
        data = ticker_pages(source_id, newest_first, style)
        stamp = at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        (folder / f"{stamp}.pages.json").write_text(json.dumps(data), encoding="utf-8")
    return folder
