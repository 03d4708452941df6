"""Time text + context → aware UTC datetime, precision and flags.

Local wall-clock times are converted with `zoneinfo`. DST rule (documented in the README):
an ambiguous local time (the repeated hour in autumn) is taken as the *first* occurrence
(summer time, ``fold=0``) and flagged ``dst_ambiguous``; a non-existent local time (the
skipped hour in spring) is moved forward by the gap and flagged ``dst_nonexistent``.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateparser.date import DateDataParser
from dateutil import parser as dateutil_parser

from pipeline.models import Precision

GERMAN_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("januar", "jan"),
            ("februar", "feb"),
            ("märz", "maerz", "mär", "mrz"),
            ("april", "apr"),
            ("mai",),
            ("juni", "jun"),
            ("juli", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("oktober", "okt"),
            ("november", "nov"),
            ("dezember", "dez"),
        ],
        start=1,
    )
    for name in names
}

ENGLISH_MONTHS = {
    name: number
    for number, full in enumerate(
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ],
        start=1,
    )
    for name in {full, full[:3], full[:4]}
}

# "14.08.2025 21:15 Uhr", "14.08.2025, 21.15 Uhr"
_FULL_DE = re.compile(
    r"^\s*(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4}),?\s+(\d{1,2})[:.](\d{2})(?:\s*Uhr)?\s*$"
)
# "21.15 Uhr", "21:15 Uhr:", "21:15"
_CLOCK = re.compile(r"^\s*(\d{1,2})[:.](\d{2})(?:\s*Uhr)?\s*:?\s*$")
# "Donnerstag, 14. August 2025", "14. August", "Donnerstag, 18. 7.", "14.08.2025"
_JS_ZONE_NAME = re.compile(r"\s*\([^)]*\)\s*$")
# Offsets (seconds) of the zone abbreviations found in machine-written timestamps.
_ABBREVIATIONS = {
    "UTC": 0,
    "GMT": 0,
    "BST": 3600,
    "CET": 3600,
    "MEZ": 3600,
    "CEST": 7200,
    "MESZ": 7200,
    "EST": -18000,
    "EDT": -14400,
    "PST": -28800,
    "PDT": -25200,
}
_DAY_WORDS = re.compile(r"(\d{1,2})\.\s*([A-Za-zÄÖÜäöü]+)\.?\s*(\d{4})?")
_DAY_NUMS = re.compile(r"(\d{1,2})\.\s?(\d{1,2})\.(?:\s?(\d{4}))?")
# "Tuesday 15 May 2023", "15 May", "May 15, 2023"
_DAY_EN = (
    re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]{3,9})\b\.?(?:,?\s+(\d{4}))?"),
    re.compile(r"\b([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s+(\d{4}))?"),
)
# Years whose wall-clock times every zone offset (and a day's step back) keeps inside
# datetime's range: the parsers answer None outside it rather than overflow later.
YEARS = range(2, 9999)


def to_utc(local: datetime, tz: str) -> tuple[datetime, tuple[str, ...]]:
    """Interpret a naive wall-clock time in `tz`; return UTC and DST flags. Raises
    ValueError for a year outside `YEARS` (the parsers here never return one)."""
    if local.year not in YEARS:
        raise ValueError(f"{local.isoformat()}: year outside {YEARS.start}..{YEARS.stop - 1}")
    if local.tzinfo is not None:
        return local.astimezone(UTC), ()
    zone = ZoneInfo(tz)
    first = local.replace(tzinfo=zone, fold=0)
    second = local.replace(tzinfo=zone, fold=1)
    if first.utcoffset() == second.utcoffset():
        return first.astimezone(UTC), ()
    round_trip = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    if round_trip != local:
        gap = (first.utcoffset() or timedelta()) - (second.utcoffset() or timedelta())
        return (first + abs(gap)).astimezone(UTC), ("dst_nonexistent",)
    return first.astimezone(UTC), ("dst_ambiguous",)


def parse_iso(text: str | None, *, allow_naive: bool = False) -> datetime | None:
    """Parse an ISO-8601 timestamp to UTC. A value without offset is rejected, or with
    `allow_naive` returned naive (wall clock, for `to_utc` in the page's zone)."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.year not in YEARS:
        return None
    if value.tzinfo is None:
        return value if allow_naive else None
    return value.astimezone(UTC)


def parse_loose(text: str | None) -> datetime | None:
    """A machine-written timestamp in any common shape (ISO 8601, RFC 2822, JavaScript's
    `Date.toString()`, `Fri Apr 28 19:20:36 CEST 2023`): aware UTC, or naive wall clock
    when it carries no offset."""
    if not text or len(text) > 80:
        return None
    value = parse_iso(text, allow_naive=True)
    if value is not None:
        return value
    cleaned = _JS_ZONE_NAME.sub("", text).replace("GMT+", "+").replace("GMT-", "-").strip()
    try:
        value = dateutil_parser.parse(cleaned, tzinfos=_ABBREVIATIONS)
        if value.year not in YEARS:
            return None
        return value.astimezone(UTC) if value.tzinfo else value
    except (ValueError, OverflowError):
        return None


# The library parser's input bound: dateparser tries many patterns per language, so its
# time grows with the text; time texts longer than this are sentences, not times.
LIBRARY_MAX_CHARS = 64
_LIBRARY_LANGUAGES = ("de", "en")


def parse_with_library(
    text: str, language: str | None, fetched_at: datetime, tz: str
) -> tuple[datetime, Precision] | None:
    """The last resort for time text the regex path cannot read (`28 Września 2020,
    18:00`, `gestern, 14:05`): `dateparser`, restricted to the page's language (German and
    English when unknown), preferring the past, relative to the fetch (never the clock).
    Returns UTC and "minute" or "day" (a result at local midnight), or None."""
    if not text.strip() or len(text) > LIBRARY_MAX_CHARS:
        return None
    languages = [language[:2].lower()] if language else list(_LIBRARY_LANGUAGES)
    settings = {
        "PREFER_DATES_FROM": "past",
        "RELATIVE_BASE": fetched_at.astimezone(ZoneInfo(tz)).replace(tzinfo=None),
        "TIMEZONE": tz,
        "RETURN_AS_TIMEZONE_AWARE": True,
        "TO_TIMEZONE": "UTC",
    }
    try:
        found = DateDataParser(languages=languages, settings=settings).get_date_data(text)
    except Exception:  # a heuristic third-party parser: any failure means unreadable
        return None
    moment = found.date_obj
    if moment is None or moment.tzinfo is None or moment.year not in YEARS:
        return None
    local = moment.astimezone(ZoneInfo(tz))
    return moment.astimezone(UTC), "day" if local.time() == time(0, 0) else "minute"


def parse_german_datetime(text: str) -> datetime | None:
    """`14.08.2025 21:15 Uhr` → naive local datetime, or None."""
    match = _FULL_DE.match(text)
    if not match:
        return None
    day, month, year, hour, minute = (int(g) for g in match.groups())
    return _safe_datetime(year, month, day, hour, minute)


def parse_clock(text: str) -> time | None:
    """`21.15 Uhr:` → time(21, 15), or None."""
    match = _CLOCK.match(text)
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2))
    return time(hour, minute) if hour < 24 and minute < 60 else None


def parse_day_header(text: str, *, default_year: int) -> date | None:
    """`Donnerstag, 14. August 2025`, `Donnerstag, 18. 7.` or `Tuesday 15 May` → date."""
    words = _DAY_WORDS.search(text)
    if words and words.group(2).lower() in GERMAN_MONTHS:
        month = GERMAN_MONTHS[words.group(2).lower()]
        return _safe_date(int(words.group(3) or default_year), month, int(words.group(1)))
    english = _english_day(text, default_year)
    if english is not None:
        return english
    nums = _DAY_NUMS.search(text)
    if nums:
        year = int(nums.group(3) or default_year)
        return _safe_date(year, int(nums.group(2)), int(nums.group(1)))
    return None


def _english_day(text: str, default_year: int) -> date | None:
    for order, pattern in enumerate(_DAY_EN):
        for match in pattern.finditer(text):
            day_text, month_text = (match.group(1), match.group(2))[:: 1 - 2 * order]
            month = ENGLISH_MONTHS.get(month_text.lower())
            if month is not None:
                return _safe_date(int(match.group(3) or default_year), month, int(day_text))
    return None


def is_future(value: datetime, fetched_at: datetime) -> bool:
    """More than ten minutes after the fetch: a clock or parse error at the source."""
    return value - fetched_at > timedelta(minutes=10)


def _safe_date(year: int, month: int, day: int) -> date | None:
    if year not in YEARS:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _safe_datetime(year: int, month: int, day: int, hour: int, minute: int) -> datetime | None:
    if year not in YEARS:
        return None
    try:
        return datetime(year, month, day, hour, minute)  # noqa: DTZ001 - wall clock, zone applied later
    except ValueError:
        return None


_TLD_ZONES = {
    ".de": "Europe/Berlin",
    ".at": "Europe/Vienna",
    ".ch": "Europe/Zurich",
    ".uk": "Europe/London",
    ".ie": "Europe/Dublin",
    ".nl": "Europe/Amsterdam",
    ".be": "Europe/Brussels",
    ".pl": "Europe/Warsaw",
    ".in": "Asia/Kolkata",
}
_LANGUAGE_ZONES = {"de": "Europe/Berlin", "nl": "Europe/Amsterdam", "pl": "Europe/Warsaw"}


def default_timezone(host: str, language: str | None) -> str:
    """The zone a page's wall-clock times are read in when the source names none."""
    return default_zone(host, language)[0]


def default_zone(host: str, language: str | None) -> tuple[str, str]:
    """`default_timezone` and how it was found: `tld`, `language` or `default` (UTC)."""
    for tld, zone in _TLD_ZONES.items():
        if host.endswith(tld):
            return zone, "tld"
    by_language = _LANGUAGE_ZONES.get((language or "")[:2].lower())
    return (by_language, "language") if by_language else ("UTC", "default")
