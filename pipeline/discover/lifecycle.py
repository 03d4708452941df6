"""When a ticker has ended: its `coverageEndTime` has passed, its `eventStatus` or an end
badge says so, or it has shown no new entry for `QUIET_PERIOD`. An ended ticker is due
at most once per `ENDED_REFETCH` (late corrections), never at the normal cadence."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

import lxml.html

from pipeline.errors import ConfigError
from pipeline.parse.jsonld import find_live_blogs
from pipeline.parse.timeparse import parse_utc

QUIET_PERIOD = timedelta(hours=12)
ENDED_REFETCH = timedelta(days=1)
_ENDED_STATUS = re.compile(r"EventCompleted|EventCancelled|EventPostponed", re.IGNORECASE)
# Badges newsrooms print when a ticker closes; matched only in short badge-like elements.
_END_BADGE = re.compile(
    r"^\s*(this live blog has (now )?ended|live coverage has ended|ticker beendet|"
    r"dieser (live)?ticker ist beendet|ende des tickers)\b",
    re.IGNORECASE,
)


def ended_at(body: bytes, now: datetime) -> tuple[datetime, str] | None:
    """When and why the page says it has ended, or None while it is live."""
    for blog in _live_blogs(body):
        end = _time(blog.get("coverageEndTime"))
        if end is not None and end <= now:
            return end, "coverageEndTime"
        if _ENDED_STATUS.search(str(blog.get("eventStatus", ""))):
            return now, "eventStatus"
    if _has_end_badge(body):
        return now, "end badge"
    return None


def coverage_end(body: bytes) -> datetime | None:
    """The page's own `coverageEndTime`, past or future (the loader ends the ticker
    when it passes, whether or not the page changes again)."""
    ends = [end for blog in _live_blogs(body) if (end := _time(blog.get("coverageEndTime")))]
    return min(ends) if ends else None


def is_quiet(entry_times: Sequence[datetime], now: datetime) -> bool:
    """No entry for `QUIET_PERIOD` (a ticker without dated entries is never quiet)."""
    return bool(entry_times) and now - max(entry_times) >= QUIET_PERIOD


def _live_blogs(body: bytes) -> Iterator[dict[str, Any]]:
    for block in re.findall(rb"<script[^>]*ld\+json[^>]*>(.*?)</script>", body, re.DOTALL):
        try:
            value = json.loads(block)
        except ValueError:
            continue
        yield from find_live_blogs([value])


def _time(value: Any) -> datetime | None:
    try:
        return parse_utc(str(value)) if value else None
    except ConfigError:
        return None


def _has_end_badge(body: bytes) -> bool:
    try:
        root = lxml.html.fromstring(body)
    except (ValueError, lxml.etree.ParserError):
        return False
    texts = ("".join(map(str, el.itertext())) for el in root.iter("p", "div", "span", "strong"))
    return any(len(t) < 120 and _END_BADGE.search(t) for t in texts)
