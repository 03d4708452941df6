"""Per-site parser profiles, for the few sites generic detection cannot read well enough.

A profile is a small declarative class: XPath 1.0 selectors as class attributes, a
`version`, and a `valid_until` date after which it still runs but the page carries a
warning (site layouts drift; a stale profile should be looked at, not trusted silently).
A source names its profile in `sources.yaml` (`profile: sportowefakty-coventry`); nothing
is ever keyed on a URL. `container` is searched from the document, `entry` from the
container, and the other entry selectors from each entry; `pinned` and `key_event` are
XPath expressions that are true for a marked entry.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import ClassVar
from zoneinfo import ZoneInfo

import lxml.etree

from pipeline.errors import ConfigError
from pipeline.parse.blocks import PageClock
from pipeline.parse.context import PageContext, RawEntry
from pipeline.parse.html_text import Element, fragment_text, words_of
from pipeline.parse.markers import (
    HALF_DAY,
    SLACK,
    Marker,
    minutes,
    moment_on,
    resolve_day,
    time_element,
)
from pipeline.parse.pagedate import read_date_text
from pipeline.parse.timeparse import parse_with_library


class Profile:
    """Base class: subclasses set the selectors. Only `entry` is required."""

    name: ClassVar[str]
    version: ClassVar[int]
    valid_until: ClassVar[date]
    container: ClassVar[str] = "/html/body"
    entry: ClassVar[str]
    time: ClassVar[str | None] = None  # element whose `datetime` or text is the time
    headline: ClassVar[str | None] = None
    body: ClassVar[str | None] = None  # default: the whole entry
    anchor_attribute: ClassVar[str] = "id"
    pinned: ClassVar[str | None] = None
    key_event: ClassVar[str | None] = None
    page_day: ClassVar[str | None] = None  # element stating the ticker's (first) day
    language: ClassVar[str | None] = None  # the site's language, for dates in words
    newest_first: ClassVar[bool] = True


class SportoweFaktyCoventry(Profile):
    """WP SportoweFakty match reports (`/relacja/`): `coventry` entries in a microdata
    LiveBlogPosting without update items. Heat results (`coventry--composite`) carry a
    heat number as headline and a race duration (`62.93 sek.`) but no time, which generic
    detection can only keep as untimed blocks; the match day is only in a fact table."""

    name = "sportowefakty-coventry"
    version = 1
    valid_until = date(2027, 6, 30)
    container = "//*[@itemtype='https://schema.org/LiveBlogPosting']"
    entry = "./div[contains(concat(' ', normalize-space(@class), ' '), ' coventry ')]"
    time = "./aside/time"
    headline = "./header/*[contains(@class, 'coventry__title')]"
    # A heat's score ("5 : 1"), then its riders or the entry's text.
    body = (
        "./header/*/*[contains(@class, 'coventry__state')]"
        " | ./div[contains(@class, 'coventry__body')]"
    )
    key_event = "contains(@class, 'coventry--highlight')"
    page_day = "//tr[td[1][normalize-space() = 'Data i godzina']]/td[2]"
    language = "pl"


PROFILES: dict[str, type[Profile]] = {p.name: p for p in (SportoweFaktyCoventry,)}


def get_profile(name: str) -> type[Profile]:
    """The registered profile of this name; a `ConfigError` naming it when there is none."""
    try:
        return PROFILES[name]
    except KeyError:
        known = ", ".join(sorted(PROFILES))
        raise ConfigError(f"unknown parser profile {name!r} (known: {known})") from None


def profile_entries(
    root: Element,
    profile: type[Profile],
    clock: PageClock,
    ctx: PageContext,
    warnings: list[str],
) -> list[RawEntry]:
    """The entries the profile's selectors find, in page order (warnings appended)."""
    if ctx.fetched_at.date() > profile.valid_until:
        warnings.append(
            f"profile {profile.name} v{profile.version} is past its valid-until date "
            f"{profile.valid_until.isoformat()}; check it against the site"
        )
    containers = _select(root, profile.container)
    if not containers:
        return []
    items = _select(containers[0], profile.entry)
    markers = [_marker(item, profile, ctx) for item in items]
    days = _days(markers, _page_day(root, profile, ctx), clock, profile.newest_first)
    return [
        _entry(item, profile, marker, day)
        for item, marker, day in zip(items, markers, days, strict=True)
    ]


def _entry(item: Element, profile: type[Profile], marker: Marker | None, day: date) -> RawEntry:
    headline = _first_text(item, profile.headline)
    body_nodes = _select(item, profile.body) if profile.body else [item]
    anchor = item.get(profile.anchor_attribute)
    return RawEntry(
        body="\n\n".join(t for t in (_text(n) for n in body_nodes) if t),
        headline=headline,
        local_time=moment_on(marker, day),
        time_text=marker.text if marker else _first_text(item, profile.time),
        precision=marker.precision if marker else "none",
        anchor=anchor or None,
        tz_source="abbreviation" if marker is not None and marker.zone is not None else None,
        node=item,
        pinned=_true(item, profile.pinned),
        key_event=_true(item, profile.key_event),
    )


def _marker(item: Element, profile: type[Profile], ctx: PageContext) -> Marker | None:
    found = _select(item, profile.time) if profile.time else []
    return time_element(found[0], ctx.fetched_at) if found else None


def _page_day(root: Element, profile: type[Profile], ctx: PageContext) -> date | None:
    text = _first_text(root, profile.page_day)
    if not text:
        return None
    local = read_date_text(text)
    if local is not None:
        return local.date()
    language = profile.language or ctx.language
    found = parse_with_library(text, language, ctx.fetched_at, ctx.tz)
    return found[0].astimezone(ZoneInfo(ctx.tz)).date() if found else None


def _days(
    markers: list[Marker | None], first_day: date | None, clock: PageClock, newest_first: bool
) -> list[date]:
    """Each entry's day. From a stated first day, clocks run forward in time order and a
    clock more than half a day before the previous one is the next day; without one,
    they count back from the page's day, as generic detection does."""
    order = list(range(len(markers)))
    forward = first_day is not None
    if newest_first == forward:
        order.reverse()
    day, previous = first_day or clock.day, None
    days = [day] * len(markers)
    for index in order:
        marker = markers[index]
        if marker is None or marker.clock is None:
            days[index] = day
            continue
        if marker.day:
            days[index] = resolve_day(marker.day, clock.day) or day
            continue
        day = _step(day, marker.clock, previous, clock, forward)
        days[index], previous = day, marker.clock
    return days


def _step(day: date, clock: time, previous: time | None, page: PageClock, forward: bool) -> date:
    if previous is None:
        late = not forward and datetime.combine(day, clock) > page.reference + SLACK
        return day - timedelta(days=1) if late else day
    jump = minutes(clock) - minutes(previous)
    if forward and jump < -HALF_DAY:
        return day + timedelta(days=1)
    if not forward and jump > HALF_DAY:
        return day - timedelta(days=1)
    return day


def _first_text(node: Element, selector: str | None) -> str | None:
    found = _select(node, selector) if selector else []
    text = words_of(found[0]) if found else ""
    return text or None


def _text(node: Element) -> str:
    return fragment_text(lxml.etree.tostring(node, encoding="unicode", method="html"))


def _true(item: Element, expression: str | None) -> bool:
    return bool(item.xpath(expression)) if expression else False


def _select(node: Element, expression: str) -> list[Element]:
    """The elements an XPath selector finds (text and attribute results left out)."""
    found = node.xpath(expression)
    return (
        [n for n in found if isinstance(n, lxml.etree._Element)] if isinstance(found, list) else []
    )
