"""The zone a page's wall-clock times are read in, and how it was found.

The chain, most trusted first:

1. `configured`: the source names a zone (`timezone:`, `--tz`);
2. `page_offset`: the page's own machine-written times (structured `datePublished` /
   `dateModified`, `article:published_time`, `<time datetime>`) carry offsets, and one
   zone consistent with the TLD or the language has exactly those offsets at those
   instants (`+05:30` on an English page is India; `+01:00` in winter on a German page is
   Berlin). An offset of zero alone is no evidence: many systems write every time in UTC;
3. `abbreviation`: a zone abbreviation printed after the page's clocks (`21:06 (IST)`),
   one of whose zones is the TLD's or language's zone, or has the page's offsets (IST is
   India with `+05:30`, Ireland with `+00:00`/`+01:00`);
4. `tld`, 5. `language` (`de` → Europe/Berlin), 6. `default`: UTC.

A note in the page's prose (`All times below are in Beijing time.`) sets the zone of the
entries after it, unless the source configured one (`prose`, see `prose_zones`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any, cast
from zoneinfo import ZoneInfo

import lxml.etree

from pipeline.models import TzSource
from pipeline.parse.context import RawEntry
from pipeline.parse.html_text import Element
from pipeline.parse.timeparse import YEARS, language_zone, tld_zone


@dataclass(frozen=True, slots=True)
class PageZone:
    tz: str
    source: TzSource


# Zones a page in a language is likely written for, most likely first; the offsets a page
# states pick one. Pages in other languages (or none) may be in any of these.
_LANGUAGE_REGIONS = {
    "en": (
        "Europe/London",
        "Europe/Dublin",
        "America/New_York",
        "America/Chicago",
        "America/Denver",
        "America/Los_Angeles",
        "America/Phoenix",
        "America/Halifax",
        "Asia/Kolkata",
        "Asia/Karachi",
        "Asia/Singapore",
        "Asia/Manila",
        "Asia/Hong_Kong",
        "Australia/Sydney",
        "Australia/Brisbane",
        "Australia/Perth",
        "Pacific/Auckland",
        "Africa/Johannesburg",
        "Africa/Lagos",
        "Africa/Nairobi",
    ),
    "es": (
        "Europe/Madrid",
        "America/Mexico_City",
        "America/Bogota",
        "America/Lima",
        "America/Santiago",
        "America/Argentina/Buenos_Aires",
        "America/Caracas",
    ),
    "pt": ("Europe/Lisbon", "America/Sao_Paulo", "Africa/Luanda"),
    "fr": ("Europe/Paris", "America/Toronto", "Africa/Dakar", "Africa/Casablanca"),
    "de": ("Europe/Berlin",),
    "it": ("Europe/Rome",),
    "nl": ("Europe/Amsterdam",),
    "pl": ("Europe/Warsaw",),
}
_ELSEWHERE = (
    "Europe/Berlin",
    "Europe/Helsinki",
    "Europe/Istanbul",
    "Europe/Moscow",
    "Asia/Jerusalem",
    "Asia/Dubai",
    "Asia/Bangkok",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Asia/Seoul",
)
_EVERYWHERE = tuple(
    dict.fromkeys([*(z for zones in _LANGUAGE_REGIONS.values() for z in zones), *_ELSEWHERE])
)
# Abbreviations pages print after a clock, read as the page's zone (the chain's
# `abbreviation` step): those naming several zones (`IST`), which `markers` leaves to
# the page's offsets, and single zones, whose IANA name also gives the page the rules
# of its other clocks (`AEST` → Australia/Sydney, not only +10:00).
_ABBREVIATION_ZONES = {
    "IST": ("Asia/Kolkata", "Europe/Dublin", "Asia/Jerusalem"),
    "IDT": ("Asia/Jerusalem",),
    "AEST": ("Australia/Sydney", "Australia/Brisbane"),
    "AEDT": ("Australia/Sydney",),
    "JST": ("Asia/Tokyo",),
    "KST": ("Asia/Seoul",),
    "HKT": ("Asia/Hong_Kong",),
    "SGT": ("Asia/Singapore",),
    "PKT": ("Asia/Karachi",),
    "MSK": ("Europe/Moscow",),
    "SAST": ("Africa/Johannesburg",),
    "NZST": ("Pacific/Auckland",),
    "NZDT": ("Pacific/Auckland",),
    "WAT": ("Africa/Lagos",),
    "EAT": ("Africa/Nairobi",),
}
# A clock, then tags, then the abbreviation, as in `21:06 (IST)` or `9.30pm <b>IST</b>`,
# read backwards from each abbreviation: a forward search would try every number of a
# page's scripts and styles (about 10x the cost on large pages).
_PRINTED_ZONE = re.compile(
    "(?:" + "|".join(sorted(_ABBREVIATION_ZONES, key=len, reverse=True)) + r")\b"
)
_CLOCK_BEFORE_REVERSED = re.compile(
    r"\s*\(?(?:\s*>[^<>]{0,120}<)*\s*(?:(?i:\.?m\.?[ap])\s*)?\d{2}[:.]\d{1,2}(?![\d:])"
)
_CLOCK_REACH = 600  # characters between a clock and its abbreviation, tags included
# ISO 8601 with an offset, as machines write it.
_ISO_OFFSET = re.compile(
    r"^\s*(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(Z|[+-]\d{2}:?\d{2})\s*$"
)
_META_TIMES = (
    "article:published_time",
    "article:modified_time",
    "og:updated_time",
    "og:article:published_time",
)
_LD_TIMES = ("datePublished", "dateModified", "dateCreated", "uploadDate")
# libxml2 lists the attributes at a quarter of the cost of `iterfind`'s look at each element.
_ITEMPROPS = lxml.etree.XPath("descendant::*/@itemprop")


def page_zone(
    *,
    configured: str | None,
    host: str,
    language: str | None,
    offsets: Iterable[datetime] = (),
    printed: Iterable[str] = (),
) -> PageZone:
    """The zone of the page's wall-clock times by the chain above. `offsets` are the
    page's machine-written times with the offset they were written with; `printed` the
    abbreviations printed after its clocks."""
    if configured:
        return PageZone(configured, "configured")
    site = [z for z in (tld_zone(host), language_zone(language)) if z]
    stated = list(offsets)
    by_offset = _offset_zone(stated, site, language)
    if by_offset:
        return PageZone(by_offset, "page_offset")
    by_name = _abbreviation_zone(printed, stated, site)
    if by_name:
        return PageZone(by_name, "abbreviation")
    if tld_zone(host):
        return PageZone(site[0], "tld")
    if site:
        return PageZone(site[0], "language")
    return PageZone("UTC", "default")


def _offset_zone(stated: list[datetime], site: list[str], language: str | None) -> str | None:
    nonzero = [moment for moment in stated if moment.utcoffset()]
    if not nonzero:
        # Only UTC times: that is the page's zone only when the site's zone agrees.
        return next((z for z in site if stated and _fits(z, stated)), None)
    region = _LANGUAGE_REGIONS.get((language or "")[:2].lower(), ())
    anywhere = () if site or region else _EVERYWHERE
    return next((z for z in (*site, *region, *anywhere) if _fits(z, nonzero)), None)


def _abbreviation_zone(
    printed: Iterable[str], stated: list[datetime], site: list[str]
) -> str | None:
    """The zone of the abbreviation printed most often that the site's zone or the page's
    offsets agree with. The agreeing zones are known before the page is searched: when
    there are none (the usual case), it is not searched at all."""
    agreeing = {
        name: zone
        for name, candidates in _ABBREVIATION_ZONES.items()
        if (zone := _agreeing(candidates, stated, site))
    }
    if not agreeing:
        return None
    counts = Counter(name for name in map(str.upper, printed) if name in agreeing)
    return agreeing[counts.most_common(1)[0][0]] if counts else None


def _agreeing(candidates: tuple[str, ...], stated: list[datetime], site: list[str]) -> str | None:
    return next(
        (zone for zone in candidates if zone in site or (stated and _fits(zone, stated))), None
    )


def _fits(zone: str, moments: list[datetime]) -> bool:
    """The zone had each moment's offset at that moment."""
    return all(_offset(zone, m) == m.utcoffset() for m in moments)


def _offset(zone: str, moment: datetime) -> timedelta | None:
    return moment.astimezone(_zone(zone)).utcoffset()


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def with_offset(text: object) -> datetime | None:
    """An ISO 8601 time that states its offset, kept in that offset; else None."""
    if not isinstance(text, str) or len(text) > 40:
        return None
    match = _ISO_OFFSET.match(text)
    if not match:
        return None
    offset = match.group(2).replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(f"{match.group(1).replace(' ', 'T')}{offset}")
    except ValueError:
        return None
    return moment if moment.year in YEARS else None


def stated_offsets(root: Element, ld_values: list[Any]) -> list[datetime]:
    """The page's machine-written times that carry an offset: JSON-LD and microdata
    dates, the article meta tags, `<time datetime>`."""
    texts: list[object] = []
    _ld_times(ld_values, texts)
    for element in root.iter("meta", "time"):
        if element.tag == "time":
            texts.append(element.get("datetime"))
        elif (element.get("property") or element.get("name") or "").lower() in _META_TIMES:
            texts.append(element.get("content"))
    for value in cast(list[lxml.etree._ElementUnicodeResult], _ITEMPROPS(root)):
        if value in _LD_TIMES and (owner := value.getparent()) is not None:
            texts.append(owner.get("content") or owner.get("datetime"))
    strings = [text for text in texts if isinstance(text, str)]
    # Each text read once: pages repeat most of theirs (an update's datePublished as
    # its dateModified, the same time in JSON-LD, meta tag and <time>).
    moments = {text: with_offset(text) for text in dict.fromkeys(strings)}
    return [moment for text in strings if (moment := moments[text]) is not None]


def _ld_times(value: Any, found: list[object]) -> None:
    """The JSON-LD times in `value`, depth first, appended to `found` (one list handed
    down, not a generator per level: the values of a large page are thousands deep)."""
    if isinstance(value, list):
        for item in value:
            if isinstance(item, (dict, list)):
                _ld_times(item, found)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key in _LD_TIMES:
                found.append(item)
            elif isinstance(item, (dict, list)):
                _ld_times(item, found)


def printed_abbreviations(markup: str) -> Iterator[str]:
    """Zone abbreviations the page prints right after a clock (`21:06 (IST)`), in page
    order. A generator: `page_zone` reads it only when nothing earlier in its chain gave
    the zone, and the search costs as much as parsing the page."""
    for match in _PRINTED_ZONE.finditer(markup):
        start = match.start()
        if start and markup[start - 1].isalpha():
            continue
        before = markup[max(0, start - _CLOCK_REACH) : start][::-1]
        if _CLOCK_BEFORE_REVERSED.match(before):
            yield match.group(0)


# Zones prose names ("All times below are in Beijing time.", "Times are Eastern").
_PROSE_NAMES = {
    "beijing": "Asia/Shanghai",
    "china": "Asia/Shanghai",
    "chinese": "Asia/Shanghai",
    "hong kong": "Asia/Hong_Kong",
    "taipei": "Asia/Taipei",
    "taiwan": "Asia/Taipei",
    "tokyo": "Asia/Tokyo",
    "japan": "Asia/Tokyo",
    "japanese": "Asia/Tokyo",
    "seoul": "Asia/Seoul",
    "korean": "Asia/Seoul",
    "singapore": "Asia/Singapore",
    "india": "Asia/Kolkata",
    "indian": "Asia/Kolkata",
    "israel": "Asia/Jerusalem",
    "israeli": "Asia/Jerusalem",
    "moscow": "Europe/Moscow",
    "kyiv": "Europe/Kyiv",
    "ukraine": "Europe/Kyiv",
    "ukrainian": "Europe/Kyiv",
    "eastern": "America/New_York",
    "et": "America/New_York",
    "new york": "America/New_York",
    "washington": "America/New_York",
    "central": "America/Chicago",
    "mountain": "America/Denver",
    "pacific": "America/Los_Angeles",
    "uk": "Europe/London",
    "british": "Europe/London",
    "london": "Europe/London",
    "irish": "Europe/Dublin",
    "ireland": "Europe/Dublin",
    "central european": "Europe/Berlin",
    "cet": "Europe/Berlin",
    "berlin": "Europe/Berlin",
    "paris": "Europe/Paris",
    "sydney": "Australia/Sydney",
    "australian eastern": "Australia/Sydney",
    "gmt": "UTC",
    "utc": "UTC",
}
_CONNECTOR = (
    r"below|above|shown|listed|given|here|on this page|from here on|from now on|are|is|now|in|the"
).replace(" ", r"\s+")
_PROSE = re.compile(
    r"\b(?:all\s+times|times\s+(?:below|above|shown|listed|given|here|on\s+this\s+page|are))"
    rf"(?:[\s,:]+(?:{_CONNECTOR}))*[\s,:]+("
    + "|".join(sorted(_PROSE_NAMES, key=len, reverse=True)).replace(" ", r"\s+")
    + r")\b",
    re.I,
)
_NO_PROSE = frozenset({"script", "style", "noscript", "template"})
# The texts a note could be in (`_note_zone` reads the same texts), found by libxml2: a
# search of the whole markup would cost about as much as parsing it. Scripts are tested
# out before the search, as their text is often most of the page; the other elements
# without prose only for the few texts found.
_TIMES_TEXTS = lxml.etree.XPath(
    "descendant::text()[not(parent::script)][contains(., 'imes') or contains(., 'IMES')]"
)


def prose_zones(root: Element, entries: list[RawEntry], texts: Iterable[str] | None) -> None:
    """Give each entry the zone the latest prose note above it names (`All times below
    are in Beijing time.`; a later note may switch to another), recorded as `prose`.
    Entries above every note, and entries whose time states its own offset, keep theirs.
    `texts`: the page's texts that say "times", when a pass over its texts collected them
    (`blocks.marked_entries`); else they are looked for here."""
    candidates = _prose_texts(root) if texts is None else texts
    if not entries or not any(_PROSE.search(text) for text in candidates):
        return
    by_node = {raw.node: raw for raw in entries if raw.node is not None}
    zone: str | None = None
    for element in root.iter():
        raw = by_node.get(element)
        if raw is not None and zone is not None and _wall_clock(raw):
            raw.zone, raw.tz_source = zone, "prose"
        zone = _note_zone(element) or zone


def _prose_texts(root: Element) -> Iterator[str]:
    for text in cast(list[lxml.etree._ElementUnicodeResult], _TIMES_TEXTS(root)):
        owner = text.getparent()
        if text.is_tail and owner is not None:  # a tail is its element's parent's text
            owner = owner.getparent()
        if owner is not None and owner.tag not in _NO_PROSE:
            yield str(text)


def _wall_clock(raw: RawEntry) -> bool:
    return raw.local_time is None or raw.local_time.tzinfo is None


def _note_zone(element: Element) -> str | None:
    if not isinstance(element.tag, str):
        return None
    parent = element.getparent()
    texts = (
        element.text if element.tag not in _NO_PROSE else None,
        element.tail if parent is None or parent.tag not in _NO_PROSE else None,
    )
    found = [m for text in texts if text for m in _PROSE.finditer(text)]
    return _PROSE_NAMES[" ".join(found[-1].group(1).lower().split())] if found else None
