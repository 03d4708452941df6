"""Time markers that open a ticker entry, read from the start of a short text.

Forms: `12.31 Uhr:`, `+++ 14:26 +++`, `17.30 Uhr`, `9:43PM`, `Posted at 15:05`,
`12.50 BST`, `11:04 GMT+2`, `01u29`, `11 h 04`, `11 Uhr`, `9am`, `14.08.2025 21:15 Uhr`,
`11:48, Thu, Jul 18, 2024`, `4m ago`, `vor 5 Minuten`, a date before the clock (`Aug. 15,
2025, 9:04 AM EDT`, `Fr, 15.08.2025 • 11:04 Uhr`, `15 août 2025 à 11h04`, `2025-08-15
11:04`), "today" or "yesterday" before it (`Heute, 11:04 Uhr`) and a word for "at" before
it (`ore 11:04`, `um 11.04 Uhr`). The fast regex path; structured values (`<time
datetime>`) are read by the caller first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

from pipeline.models import Precision
from pipeline.parse.html_text import Element, words_of
from pipeline.parse.timeparse import WEEKDAYS, month_number, parse_loose

# Zone abbreviations tickers print after a clock. "IST" is left out on purpose: India
# (+05:30) and Ireland (+01:00) both use it; it is skipped and the source's zone applies.
NAMED_ZONES = {"ET": "America/New_York", "CT": "America/Chicago", "PT": "America/Los_Angeles"}
ZONE_OFFSETS = {
    "UTC": 0,
    "GMT": 0,
    "BST": 60,
    "WET": 0,
    "WEST": 60,
    "CET": 60,
    "MEZ": 60,
    "CEST": 120,
    "MESZ": 120,
    "EET": 120,
    "EEST": 180,
    "EST": -300,
    "EDT": -240,
    "CST": -360,
    "CDT": -300,
    "PST": -480,
    "PDT": -420,
    "MST": -420,
    "MDT": -360,
    "AKST": -540,
    "AKDT": -480,
    "HST": -600,
    "WAT": 60,
    "SAST": 120,
    "EAT": 180,
    "MSK": 180,
    "PKT": 300,
    "HKT": 480,
    "SGT": 480,
    "AWST": 480,
    "JST": 540,
    "KST": 540,
    "ACST": 570,
    "AEST": 600,
    "ACDT": 630,
    "AEDT": 660,
    "NZST": 720,
    "NZDT": 780,
}
# `GMT+2`, `UTC-05:00`: an offset, not the zone it follows.
_OFFSET_ZONE = r"(?:GMT|UTC)\s?[+\-−]\s?(?:1[0-4]|0?\d)(?::?[0-5]\d)?"  # the world's: ±14:00
_ZONES = "|".join([_OFFSET_ZONE, *sorted([*ZONE_OFFSETS, *NAMED_ZONES], key=len, reverse=True)])
_OFFSET = re.compile(r"([+\-−])\s?(\d{1,2}):?(\d{2})?$")
# "at" before a clock, in the languages we read: `ore 11:04`, `um 11 Uhr`, `godz. 11:04`.
_AT = r"(?:at|um|ore|alle|a las|à|às|om|o|godz\.|o godz\.)\s*(?=\d)"
_PREFIX = re.compile(
    r"^(?:posted|updated|published|aktualisiert|veröffentlicht|stand|mis à jour|publié"
    r"|actualizado|publicado|aggiornato|pubblicato|bijgewerkt|gepubliceerd|zaktualizowano"
    r"|opublikowano|atualizado)(?:\s+(?P<then>at|um|on|à|a las|alle|om|o|às|le|am|el|il|op|em))?"
    rf":?\s+|^(?P<at>{_AT})",
    re.I,
)
_PLUSES = re.compile(r"^\+{2,}\s*(.+?)\s*\+{2,}\s*(.*)$", re.S)
_FULL_DE = re.compile(
    r"^(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4}),?\s+(?:um\s+)?(\d{1,2})[:.](\d{2})(?:\s*Uhr)?\s*:?"
)
_CLOCK = re.compile(
    r"^(\d{1,2})(?:(:)|([.u]|\s?h\s?))(\d{2})(?::\d{2}(?!\d))?(?![\d]|[.,:]\d)"
    r"(?:\s*(a\.?m\.?|p\.?m\.?)(?![a-z]))?"
    r"(?:\s*(Uhr|uur|h)\b)?"
    rf"(?:\s*\(?\b({_ZONES})\b\)?)?"
    r"(?:\s*\([A-Z]{2,5}\))?",
    re.I,
)
# A full hour (`11 Uhr`, `9am`, `9 p.m.`, `11h`): group 4, the hour's minutes, is empty.
_HOUR = re.compile(
    r"^(\d{1,2})()()()\s?(?:(a\.?m\.?|p\.?m\.?)(?![a-z])|(Uhr|uur|h)(?!\w))"
    rf"(?:\s*\(?\b({_ZONES})\b\)?)?",
    re.I,
)
_SEPARATOR = re.compile(r"^[\s:|\-–—]+")
# A clock anywhere in a dateline ("Last Updated: 21:25 GMT Sunday, 16 February 2014"), not
# the day and month of a dotted date.
_LINE_CLOCK = re.compile(
    r"(?<![\d.:])(\d{1,2})[:.](\d{2})(?![\d]|[.,:]\d)(?:\s*(a\.?m\.?|p\.?m\.?)(?![a-z]))?"
    rf"(?:\s*(?:Uhr|uur))?(?:\s*\(?\b({_ZONES})\b\)?)?",
    re.I,
)
_DAY_IN_WORDS = (
    r"(?:(\d{1,2})\.?\s+(?:de\s+)?([^\W\d_]{3,12})\.?"
    r"|([^\W\d_]{3,12})\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b)(?:,?\s+(?:de\s+)?(\d{4}))?"
)
_DATE_WORDS = re.compile(rf"^(?:[^\W\d_]{{2,12}}\.?,?\s+)?{_DAY_IN_WORDS}")
# A date before a clock: `15 August 2025`, `Aug. 15`, `15.08.2025`, `15.08.`,
# `15/08/2025`, `2025-08-15`, after a weekday (`timeparse.WEEKDAYS`) or not.
_LEADING_WORDS = re.compile(rf"^{_DAY_IN_WORDS}")
_DATE_NUMBERS = re.compile(
    r"^(?:(\d{4})-(\d{1,2})-(\d{1,2})(?=[\sT,])|(\d{1,2})([./])(\d{1,2})\5(\d{4}|\d{2}(?!\d))?)"
)
# "Today" and "yesterday" before a clock (`Heute, 11:04 Uhr`, `Yesterday at 21:15`, `Hier à
# 21h15`), as days back from the fetch.
DAYS_AGO = {
    **dict.fromkeys(("today", "heute", "aujourd'hui", "aujourd’hui", "hoy", "oggi"), 0),
    **dict.fromkeys(("vandaag", "dzisiaj", "dziś", "hoje"), 0),
    **dict.fromkeys(("yesterday", "gestern", "hier", "ayer", "ieri", "gisteren"), 1),
    **dict.fromkeys(("wczoraj", "ontem"), 1),
}
_DAY_WORD = re.compile(rf"^({'|'.join(DAYS_AGO)})\b", re.I)
_WEEKDAY = re.compile(r"^([^\W\d_][\w-]{1,16})\.?,?\s+")
# Between a date and its clock: `, `, ` • `, ` | `, ` - `, ` at `, ` à `, ` um `, `T`.
_DATE_CLOCK_GAP = re.compile(rf"^(?:T|,?\s*(?:[•·|/\-–—,]\s*)?(?:{_AT})?)")
# Relative times in en, de, fr, es, it, nl, pl, pt: "2 hr 55 min ago", "vor einer Stunde",
# "il y a 5 minutes", "hace 5 minutos", "5 minuti fa", "5 minuten geleden", "5 minut temu",
# "godzinę temu", "há 5 minutos", "5 minutos atrás". A unit, with or without an amount
# before it ("an", "une", "een": one); up to three in a row.
_UNIT_WORDS = (
    r"(?:(?P<day>d|days?|tag(?:en?)?|jours?|d[ií]as?|giorn[oi]|dag(?:en)?|dni|dzień)"
    r"|(?P<hour>h|hrs?|hours?|std|stunden?|heures?|horas?|or[ae]|uur|u|godz|godzin[ayę]?)"
    r"|(?P<minute>m|mins?|minutes?|minuten?|minut[oiyaę]?|minutos)"
    r"|(?P<second>s|secs?|seconds?|sek|sekunden?|secondes?|segundos?|second[io]|seconden?"
    r"|sekund[ayę]?))\b\.?"
)
_AMOUNT = r"(?P<amount>\d{1,3}(?!\d)|an?|one|une?|una|uno|un'|uma|um|een|ein(?:e[mr]?)?)"
_PART = re.compile(rf"(?:{_AMOUNT}\s*)?{_UNIT_WORDS}", re.I)
# The same, without the groups' names (a pattern names a group once).
_PARTS = re.sub(r"\(\?P<\w+>", "(?:", rf"(?:(?:{_AMOUNT}\s*)?{_UNIT_WORDS}\s*){{1,3}}")
_RELATIVE = re.compile(
    rf"^(?:(?:vor|il y a|hace|há)\s+(?P<before>{_PARTS})"
    rf"|(?P<after>{_PARTS})\s*(?:ago|fa|geleden|temu|atrás|atras))(?!\w)",
    re.I,
)
# An age without "ago", where an element holds nothing else (`5m`, `2 hrs`, `5 Min.`).
_BARE_AGO = re.compile(
    r"^(?P<after>\d{1,2}\s?(?:m|mins?|minutes?|h|hrs?|hours?|min\.|std\.))$", re.I
)
# Where a bare `11h` is an hour of the clock, not an age.
_CLOCK_H_LANGUAGES = ("fr", "es", "it", "pt", "nl", "pl", "de")
_NOW = re.compile(
    r"^(?:just now|gerade eben|soeben|à l'instant|ahora mismo|justo ahora|proprio ora|poco fa"
    r"|zojuist|przed chwilą|agora mesmo)(?!\w)",
    re.I,
)
_SECONDS = {"day": 86400, "hour": 3600, "minute": 60, "second": 1}


@dataclass(frozen=True, slots=True)
class Marker:
    """What a marker says. `moment` is exact (aware) or wall clock (naive) with a date;
    `clock` alone needs a day from the page; `zone` pins a clock to a printed zone."""

    text: str
    rest: str
    precision: Precision
    moment: datetime | None = None
    clock: time | None = None
    day: tuple[int, int, int | None] | None = None  # (month, day, year?) printed after a clock
    zone: tzinfo | None = None
    relative: bool = False
    stamped: bool = False  # read from an attribute: `text` records which, the page prints none
    days_ago: int | None = None  # a clock after "today" (0) or "yesterday" (1): from the fetch


def read_marker(
    text: str, fetched_at: datetime, *, whole: bool = False, language: str | None = None
) -> Marker | None:
    """The marker at the start of `text`, or None. `whole`: the text is a dedicated time
    element, so a bare `12.50` counts too; `language`: the page's, for month names."""
    text = text.strip()
    pluses = _PLUSES.match(text) if text.startswith("++") else None
    if pluses:
        inner = read_marker(pluses.group(1), fetched_at, whole=True, language=language)
        return _with(inner, text[: pluses.start(2)].strip(), pluses.group(2)) if inner else None
    # Most texts tried open with a digit: the patterns for words are not asked then.
    prefix = _PREFIX.match(text) if text[:1].isalpha() else None
    body = text[prefix.end() :] if prefix else text
    found = (
        _relative(body, fetched_at, whole, language)
        or _full_de(body)
        or _dated(body, language)
        or _clock(
            body, whole, language, dated=bool(prefix and prefix.group("at", "then") != (None, None))
        )
    )
    if found is None:
        return None
    consumed = len(text) - len(body) + len(found.text)
    return _with(found, text[:consumed].strip(), text[consumed:])


def _with(marker: Marker, written: str, rest: str) -> Marker:
    # match, not sub: sub would try the anchored pattern at every position of a long rest.
    separator = _SEPARATOR.match(rest)
    return Marker(
        text=written,
        rest=(rest[separator.end() :] if separator else rest).strip(),
        precision=marker.precision,
        moment=marker.moment,
        clock=marker.clock,
        day=marker.day,
        zone=marker.zone,
        relative=marker.relative,
        days_ago=marker.days_ago,
    )


def _relative(text: str, fetched_at: datetime, whole: bool, language: str | None) -> Marker | None:
    if text[:1].isalpha() and (now := _NOW.match(text)):
        return Marker(now.group(0), "", "minute", moment=fetched_at, relative=True)
    match = _RELATIVE.match(text) or (_BARE_AGO.match(text) if whole else None)
    if not match:
        return None
    if match.group(0)[-1:].lower() == "h" and (language or "")[:2] in _CLOCK_H_LANGUAGES:
        return None
    seconds = sum(
        (int(amount) if (amount := part.group("amount") or "1").isdigit() else 1)
        * _SECONDS[str(part.lastgroup)]
        for part in _PART.finditer(match.groupdict().get("before") or match.group("after"))
    )
    moment = fetched_at - timedelta(seconds=seconds)
    return Marker(match.group(0), "", "minute", moment=moment, relative=True)


def _full_de(text: str) -> Marker | None:
    match = _FULL_DE.match(text) if text[:1].isdigit() else None
    if not match:
        return None
    day, month, year, hour, minute = (int(g) for g in match.groups())
    try:
        moment = datetime(year, month, day, hour, minute)  # noqa: DTZ001 - wall clock
    except ValueError:
        return None
    return Marker(match.group(0), "", "minute", moment=moment)


def _dated(text: str, language: str | None) -> Marker | None:
    """A clock after a date (`Aug. 15, 2025, 9:04 AM EDT`): the date becomes the
    marker's printed day, as a date printed after a clock does; or after "today" or
    "yesterday" (`Gestern, 21:15 Uhr`)."""
    days_ago = None
    if text[:1].isalpha() and (word := _DAY_WORD.match(text)):
        day, consumed, days_ago = None, word.end(), DAYS_AGO[word.group(1).lower()]
    else:
        day, consumed = _leading_day(text, language)
    if day is None and days_ago is None:
        return None
    gap = _DATE_CLOCK_GAP.match(text[consumed:])
    start = consumed + (gap.end() if gap else 0)
    if start == consumed and text[consumed : consumed + 1].isdigit():
        return None  # `15.08.2025` glued to a number is no date and clock
    clock = _clock(text[start:], False, language, dated=True)
    if clock is None or clock.clock is None:
        return None
    if not clock.text[1:2].isdigit() and clock.text.replace(":", "").isdigit():
        return None  # `26.10.2025 | 2:43`: a video's date and length, no clock
    return replace(clock, text=text[:start] + clock.text, day=day, days_ago=days_ago)


def _leading_day(text: str, language: str | None) -> tuple[tuple[int, int, int | None] | None, int]:
    """(month, day, year?) of the date `text` opens with, and its length. A slashed date
    whose order cannot be told (`05/08/2025`: 5 August or May 8) is no day, nor one after
    a word that is no weekday (`Update, 29.04.2020`)."""
    weekday = _WEEKDAY.match(text) if text[:1].isalpha() else None
    skip = weekday.end() if weekday and weekday.group(1).lower() in WEEKDAYS else 0
    day, consumed = _day_at_start(text[skip:], language)
    return day, skip + consumed


def _day_at_start(
    text: str, language: str | None
) -> tuple[tuple[int, int, int | None] | None, int]:
    if numbers := _DATE_NUMBERS.match(text):
        return _numeric_day(numbers.groups()), numbers.end()
    words = _LEADING_WORDS.match(text)
    month = month_number(words.group(2) or words.group(3), language) if words else None
    if words is None or month is None:
        return None, 0
    year = int(words.group(5)) if words.group(5) else None
    return (month, int(words.group(1) or words.group(4)), year), words.end()


def _numeric_day(groups: tuple[str | None, ...]) -> tuple[int, int, int | None] | None:
    iso_year, iso_month, iso_day, first, separator, second, year = groups
    if iso_year:
        return int(iso_month or 0), int(iso_day or 0), int(iso_year)
    day, month = int(first or 0), int(second or 0)
    if separator == "/" and day <= 12:
        if month <= 12:
            return None
        day, month = month, day  # US order: month first
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    full_year = int(year) + (2000 if len(year) == 2 else 0) if year else None
    return month, day, full_year


def _clock(text: str, whole: bool, language: str | None, *, dated: bool = False) -> Marker | None:
    match = _CLOCK.match(text) or _HOUR.match(text)
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(4) or 0)
    meridiem, uhr, zone = match.group(5), match.group(6), match.group(7)
    if not match.group(4) and uhr and uhr.lower() == "h" and not (whole or dated):
        return None  # `11h` alone in its element, or after a date or an "at"
    # A dot or "u" between hour and minute is also a decimal or a score: only with a
    # suffix that makes it a time, after a date or an "at", or when the element holds
    # nothing else. An "h" (`11h04`, `11 h 04`) is a clock.
    dotted = match.group(3) and "h" not in match.group(3).lower()
    if dotted and not (meridiem or uhr or zone or whole or dated):
        return None
    if whole and match.end() < len(text.rstrip(": ")) and dotted and not uhr:
        return None
    hour24 = _twelve_hour(hour, meridiem)
    if hour24 is None or hour24 > 23 or minute > 59:
        return None
    day, consumed = _trailing_day(text[match.end() :], language)
    return Marker(
        text[: match.end() + consumed],
        "",
        "minute",
        clock=time(hour24, minute),
        day=day,
        zone=_zone(zone) if zone else None,
    )


def line_clock(text: str) -> tuple[time, tzinfo | None] | None:
    """The clock a dateline prints, with the zone printed after it, or None."""
    match = _LINE_CLOCK.search(text)
    if not match:
        return None
    hour = _twelve_hour(int(match.group(1)), match.group(3))
    minute = int(match.group(2))
    if hour is None or hour > 23 or minute > 59:
        return None
    return time(hour, minute), _zone(match.group(4)) if match.group(4) else None


def _zone(abbreviation: str) -> tzinfo:
    key = abbreviation.upper()
    if key in NAMED_ZONES:
        return ZoneInfo(NAMED_ZONES[key])
    if offset := _OFFSET.search(key):
        sign = -1 if offset.group(1) in "-−" else 1
        return timezone(
            sign * timedelta(hours=int(offset.group(2)), minutes=int(offset.group(3) or 0))
        )
    return timezone(timedelta(minutes=ZONE_OFFSETS[key]))


def _twelve_hour(hour: int, meridiem: str | None) -> int | None:
    if not meridiem:
        return hour
    if not 1 <= hour <= 12:
        return None
    return hour % 12 + (12 if meridiem.lower().startswith("p") else 0)


def _trailing_day(
    rest: str, language: str | None
) -> tuple[tuple[int, int, int | None] | None, int]:
    """`, Thu, Jul 18, 2024` / ` 6 OCT 2020` / ` Feb 26` after a clock."""
    stripped = rest.lstrip(" ,")
    match = _DATE_WORDS.match(stripped)
    if not match:
        return None, 0
    day_text = match.group(1) or match.group(4)
    month = month_number(match.group(2) or match.group(3), language)
    if month is None:
        return None, 0
    printed_year = int(match.group(5)) if match.group(5) else None
    return (month, int(day_text), printed_year), len(rest) - len(stripped) + match.end()


def resolve_day(parts: tuple[int, int, int | None], page_day: date) -> date | None:
    """A printed day without a year takes the page's year, or the year before when that
    would put it more than a day after the page (a December entry on a January page)."""
    month, day, year = parts
    try:
        found = date(year or page_day.year, month, day)
        if year is None and found > page_day + timedelta(days=1):
            found = found.replace(year=found.year - 1)
    except ValueError:
        return None
    return found


def printed_day(marker: Marker, fetch_day: date, page_day: date) -> date | None:
    """The day printed with a marker's time: "today"/"yesterday" counted back from the
    fetch, or a date (its year, when it prints none, from the page's day); else None."""
    if marker.days_ago is not None:
        return fetch_day - timedelta(days=marker.days_ago)
    return resolve_day(marker.day, page_day) if marker.day else None


# Clock arithmetic shared by generic detection and profiles: a clock more than half a
# day away from its neighbour crossed midnight; an entry may be this much after the page.
HALF_DAY = 12 * 60
SLACK = timedelta(minutes=10)


def minutes(clock: time) -> int:
    return clock.hour * 60 + clock.minute


def time_element(
    element: Element, fetched_at: datetime, language: str | None = None
) -> Marker | None:
    """A `<time>` element: its `datetime` attribute when machine-readable (a date alone
    dates the clock its text prints), else its text read as a marker."""
    text = words_of(element)
    value = (element.get("datetime") or "").strip()
    moment = parse_loose(value)
    precision: Precision = "day" if len(value) <= 10 else "minute"
    if moment is None or precision == "day":
        printed = read_marker(text, fetched_at, whole=True, language=language) if text else None
        if moment is None:
            return printed
        if printed is not None and printed.clock is not None:
            # `<time datetime="2025-08-14">11:04 Uhr</time>`: the day from the attribute
            return replace(printed, day=printed.day or (moment.month, moment.day, moment.year))
    if precision == "minute" and (moment.second or moment.microsecond):
        precision = "second"
    return Marker(text or value, "", precision, moment=moment)


# Elements other than `<time>` with an exact time in an attribute (`title`, `data-*`, a
# `datetime` where it does not belong): an ISO 8601 value with a clock, or epoch seconds
# or milliseconds in an attribute named for a time or date. One libxml2 pass, so it is
# asked only when the text markers are not enough (see `blocks`).
_ISO_VALUE = (
    "string-length(.) >= 16 and string-length(.) <= 40 and substring(., 5, 1) = '-'"
    " and substring(., 8, 1) = '-' and substring(., 14, 1) = ':'"
)
_EPOCH_VALUE = (
    "(contains(name(), 'time') or contains(name(), 'date')) and translate(., '0123456789', '') = ''"
    " and (string-length(.) = 10 or string-length(.) = 13)"
)
STAMP_PATH = (
    "descendant::*[not(self::time or self::meta or self::link or self::script)]"
    f"[@*[({_ISO_VALUE}) or ({_EPOCH_VALUE})]]"
)
_EPOCH_START = datetime(2000, 1, 1, tzinfo=UTC)


_EDIT_NAMES = ("modif", "updat", "edit", "chang")


def stamp_marker(element: Element, fetched_at: datetime, *, posted: bool = False) -> Marker | None:
    """An element's exact time from its attributes (the earliest, when several hold one:
    `data-post-time` before `data-last-modified-time`), its text recording where the time
    was found: `[data-timestamp=2024-02-16T20:09:00Z]`. `posted`: only attributes that
    may say when it was posted, none named for an edit (`data-last-updated`)."""
    attributes = (
        (str(name), str(value))
        for name, value in element.attrib.items()
        if not (posted and any(word in str(name).lower() for word in _EDIT_NAMES))
    )
    stamps = [
        (moment, f"[{name}={value}]")
        for name, value in attributes
        if (moment := stamp_time(name, value, fetched_at)) is not None
    ]
    if not stamps:
        return None
    moment, written = min(stamps, key=lambda stamp: stamp[0].replace(tzinfo=None))
    precision: Precision = "second" if moment.second or moment.microsecond else "minute"
    return Marker(written, "", precision, moment=moment, stamped=True)


def stamp_time(name: str, value: str, fetched_at: datetime) -> datetime | None:
    """An exact time written for machines: ISO 8601 with a clock, or epoch seconds or
    milliseconds when `name` says it is a time or date; else None."""
    value = value.strip()
    if value.isdigit():
        if "time" not in name and "date" not in name:
            return None
        seconds = int(value) / (1000 if len(value) == 13 else 1)
        moment = datetime.fromtimestamp(seconds, UTC)
        # Ten digits are also ids and counters: only a time this century, before the fetch.
        return moment if _EPOCH_START <= moment <= fetched_at + timedelta(days=1) else None
    if len(value) < 16 or value[4] != "-" or value[13] != ":":
        return None
    return parse_loose(value)


def moment_on(marker: Marker | None, day: date, zone: tzinfo | None = None) -> datetime | None:
    """The marker's time on `day` (a clock's day comes from the page), or None; a clock
    without a printed zone is in `zone` when given (the page's dateline prints one), else
    wall clock."""
    if marker is None or marker.moment is not None:
        return marker.moment if marker else None
    if marker.clock is None:
        return None
    local = datetime.combine(day, marker.clock)
    zone = marker.zone or zone
    return local.replace(tzinfo=zone) if zone else local
