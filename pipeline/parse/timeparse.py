"""Time text + context → aware UTC datetime, precision and flags.

Local wall-clock times are converted with `zoneinfo`. DST rule (documented in the README):
an ambiguous local time (the repeated hour in autumn) is taken as the *first* occurrence
(summer time, ``fold=0``) and flagged ``dst_ambiguous``; a non-existent local time (the
skipped hour in spring) is moved forward by the gap and flagged ``dst_nonexistent``.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from dateparser.date import DateDataParser
from dateutil import parser as dateutil_parser

from pipeline.errors import ConfigError
from pipeline.models import Precision

# Month names as day headers and datelines print them, January first: full names (Polish
# in the genitive a date takes, and the nominative), common abbreviations, spellings
# without diacritics. Abbreviations that are also words of other languages ("out", "set",
# "sie") only count on pages in their own language (`month_names`).
MONTHS: dict[str, tuple[tuple[str, ...], ...]] = {
    "en": (
        ("january", "jan"),
        ("february", "feb"),
        ("march", "mar"),
        ("april", "apr"),
        ("may",),
        ("june", "jun"),
        ("july", "jul"),
        ("august", "aug"),
        ("september", "sep", "sept"),
        ("october", "oct"),
        ("november", "nov"),
        ("december", "dec"),
    ),
    "de": (
        ("januar", "jan", "jänner"),
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
    ),
    "fr": (
        ("janvier", "janv"),
        ("février", "fevrier", "févr", "fevr"),
        ("mars",),
        ("avril", "avr"),
        ("mai",),
        ("juin",),
        ("juillet", "juil"),
        ("août", "aout"),
        ("septembre", "sept"),
        ("octobre", "oct"),
        ("novembre", "nov"),
        ("décembre", "decembre", "déc"),
    ),
    "es": (
        ("enero", "ene"),
        ("febrero", "feb"),
        ("marzo", "mar"),
        ("abril", "abr"),
        ("mayo",),
        ("junio", "jun"),
        ("julio", "jul"),
        ("agosto", "ago"),
        ("septiembre", "setiembre", "sep", "sept"),
        ("octubre", "oct"),
        ("noviembre", "nov"),
        ("diciembre", "dic"),
    ),
    "it": (
        ("gennaio", "gen"),
        ("febbraio", "feb"),
        ("marzo", "mar"),
        ("aprile", "apr"),
        ("maggio", "mag"),
        ("giugno", "giu"),
        ("luglio", "lug"),
        ("agosto", "ago"),
        ("settembre", "set"),
        ("ottobre", "ott"),
        ("novembre", "nov"),
        ("dicembre", "dic"),
    ),
    "nl": (
        ("januari", "jan"),
        ("februari", "feb"),
        ("maart", "mrt"),
        ("april", "apr"),
        ("mei",),
        ("juni", "jun"),
        ("juli", "jul"),
        ("augustus", "aug"),
        ("september", "sep", "sept"),
        ("oktober", "okt"),
        ("november", "nov"),
        ("december", "dec"),
    ),
    "pl": (
        ("stycznia", "styczeń", "styczen", "sty"),
        ("lutego", "luty", "lut"),
        ("marca", "marzec", "mar"),
        ("kwietnia", "kwiecień", "kwiecien", "kwi"),
        ("maja", "maj"),
        ("czerwca", "czerwiec", "cze"),
        ("lipca", "lipiec", "lip"),
        ("sierpnia", "sierpień", "sierpien", "sie"),
        ("września", "wrzesnia", "wrzesień", "wrz"),
        ("października", "pazdziernika", "październik", "paź"),
        ("listopada", "listopad", "lis"),
        ("grudnia", "grudzień", "grudzien", "gru"),
    ),
    "pt": (
        ("janeiro", "jan"),
        ("fevereiro", "fev"),
        ("março", "marco", "mar"),
        ("abril", "abr"),
        ("maio", "mai"),
        ("junho", "jun"),
        ("julho", "jul"),
        ("agosto", "ago"),
        ("setembro", "set"),
        ("outubro", "out"),
        ("novembro", "nov"),
        ("dezembro", "dez"),
    ),
}
# Weekday names and their short forms, and the words a date may follow ("le 15 août",
# "am 15. August", "on Aug. 15"), in the languages whose months `MONTHS` holds.
WEEKDAYS = frozenset(
    {
        "monday",
        "mon",
        "tuesday",
        "tue",
        "tues",
        "wednesday",
        "wed",
        "thursday",
        "thu",
        "thur",
        "thurs",
        "friday",
        "fri",
        "saturday",
        "sat",
        "sunday",
        "sun",
        "montag",
        "mo",
        "dienstag",
        "di",
        "mittwoch",
        "mi",
        "donnerstag",
        "do",
        "freitag",
        "fr",
        "samstag",
        "sa",
        "sonnabend",
        "sonntag",
        "so",
        "lundi",
        "lun",
        "mardi",
        "mar",
        "mercredi",
        "mer",
        "jeudi",
        "jeu",
        "vendredi",
        "ven",
        "samedi",
        "sam",
        "dimanche",
        "dim",
        "lunes",
        "martes",
        "miércoles",
        "miercoles",
        "mié",
        "jueves",
        "jue",
        "viernes",
        "vie",
        "sábado",
        "sabado",
        "sáb",
        "domingo",
        "dom",
        "lunedì",
        "lunedi",
        "martedì",
        "martedi",
        "mercoledì",
        "mercoledi",
        "giovedì",
        "giovedi",
        "gio",
        "venerdì",
        "venerdi",
        "sabato",
        "sab",
        "domenica",
        "maandag",
        "ma",
        "dinsdag",
        "woensdag",
        "wo",
        "donderdag",
        "vrijdag",
        "vr",
        "zaterdag",
        "za",
        "zondag",
        "zo",
        "poniedziałek",
        "poniedzialek",
        "pon",
        "wtorek",
        "wt",
        "środa",
        "sroda",
        "śr",
        "czwartek",
        "czw",
        "piątek",
        "piatek",
        "pt",
        "sobota",
        "sob",
        "niedziela",
        "niedz",
        "nd",
        "segunda",
        "seg",
        "segunda-feira",
        "terça",
        "terca",
        "ter",
        "terça-feira",
        "quarta",
        "qua",
        "quarta-feira",
        "quinta",
        "qui",
        "quinta-feira",
        "sexta",
        "sex",
        "sexta-feira",
        "the",
        "on",
        "am",
        "le",
        "el",
        "il",
        "op",
        "em",
        "dnia",
    }
)

# Pages without a language: the two the parser has always read.
_DEFAULT_LANGUAGES = ("en", "de")


def _month_table(*languages: str) -> dict[str, int]:
    return {
        name: number
        for language in languages
        for number, names in enumerate(MONTHS[language], start=1)
        for name in names
    }


GERMAN_MONTHS = _month_table("de")
ENGLISH_MONTHS = _month_table("en")


@cache
def month_names(language: str | None) -> dict[str, int]:
    """Month name → number for a page in `language`: its own names, English and German
    (printed on pages of every language), or English and German alone."""
    own = (language or "")[:2].lower()
    return _month_table(*_DEFAULT_LANGUAGES, *((own,) if own in MONTHS else ()))


def month_number(name: str, language: str | None = None) -> int | None:
    return month_names(language).get(name.lower().rstrip("."))


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
_DAY_NUMS = re.compile(r"(\d{1,2})\.\s?(\d{1,2})\.(?:\s?(\d{4}))?")
_ISO_DAY = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_SLASHED_DAY = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})/(\d{4})(?!\d)")
# Day, then month: "14. August 2025", "Tuesday 15 May 2023", "jeudi 1er août",
# "29 de agosto de 2024", "29 sierpnia 2024"; month, then day: "May 15, 2023".
_LETTERS = r"[^\W\d_]{3,12}"
_DAY_FIRST = re.compile(
    rf"(?<!\d)(\d{{1,2}})(?:\.|st|nd|rd|th|er|º)?\s*(?:de\s+)?({_LETTERS})\b\.?"
    r"(?:,?\s+(?:de\s+)?(\d{4}))?"
)
_MONTH_FIRST = re.compile(rf"\b({_LETTERS})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}}))?")
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


def parse_utc(text: str, what: str = "time") -> datetime:
    """An ISO-8601 time with a UTC offset (`Z` allowed) given by a user (a flag, a run
    parameter), as aware UTC; `what` names it in the `ConfigError` for anything else."""
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"{what} {text!r} is not an ISO-8601 time") from None
    if parsed.utcoffset() is None:
        raise ConfigError(f"{what} {text!r} needs an offset, e.g. Z or +02:00")
    return parsed.astimezone(UTC)


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


_NUMERIC_DATE = re.compile(r"\s*(\d{1,2})([./])(\d{1,2})\2\d{2,4}\b")
_FILLERS = (datetime(2000, 1, 1), datetime(2001, 2, 2))  # noqa: DTZ001 - date fillers, no time


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
    numbers = _NUMERIC_DATE.match(cleaned)
    if (
        numbers
        and numbers.group(2) == "/"
        and max(int(numbers.group(1)), int(numbers.group(3))) <= 12
    ):
        return None  # `05/08/2025`: 5 August or May 8
    try:
        value, other = (
            dateutil_parser.parse(
                cleaned,
                default=default,
                tzinfos=_ABBREVIATIONS,
                dayfirst=bool(numbers and numbers.group(2) == "."),  # `05.08.2025`: 5 August
            )
            for default in _FILLERS
        )
        # The library fills what the text leaves out from its default; without one, from
        # today. A text that names no whole date (`11:04`) is no timestamp.
        if value.date() != other.date() or value.year not in YEARS:
            return None
        return value.astimezone(UTC) if value.tzinfo else value
    except (ValueError, OverflowError):  # an offset of a day or more (`14+60`) too
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


def parse_day_header(text: str, *, default_year: int, language: str | None = None) -> date | None:
    """`Donnerstag, 14. August 2025`, `Donnerstag, 18. 7.`, `Tuesday 15 May`, `jeudi 29
    août 2024`, `29 de agosto de 2024` → date. Month names of `language` (see
    `month_names`)."""
    names = month_names(language)
    for order, pattern in enumerate((_DAY_FIRST, _MONTH_FIRST)):
        for match in pattern.finditer(text):
            day_text, month_text = (match.group(1), match.group(2))[:: 1 - 2 * order]
            month = names.get(month_text.lower())
            if month is not None:
                return _safe_date(int(match.group(3) or default_year), month, int(day_text))
    nums = _DAY_NUMS.search(text)
    if nums:
        year = int(nums.group(3) or default_year)
        return _safe_date(year, int(nums.group(2)), int(nums.group(1)))
    if iso := _ISO_DAY.search(text):
        return _safe_date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
    return _slashed_day(text)


def _slashed_day(text: str) -> date | None:
    """`15/08/2025` or `08/15/2025`; None when either order could be meant."""
    found = _SLASHED_DAY.search(text)
    if found is None:
        return None
    first, second, year = (int(g) for g in found.groups())
    if (first <= 12) == (second <= 12):
        return None
    day, month = (first, second) if first > 12 else (second, first)
    return _safe_date(year, month, day)


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
    ".lu": "Europe/Luxembourg",
    ".fr": "Europe/Paris",
    ".es": "Europe/Madrid",
    ".it": "Europe/Rome",
    ".pt": "Europe/Lisbon",
    ".pl": "Europe/Warsaw",
    ".cz": "Europe/Prague",
    ".dk": "Europe/Copenhagen",
    ".se": "Europe/Stockholm",
    ".no": "Europe/Oslo",
    ".fi": "Europe/Helsinki",
    ".gr": "Europe/Athens",
    ".ua": "Europe/Kyiv",
    ".in": "Asia/Kolkata",
    ".jp": "Asia/Tokyo",
    ".cn": "Asia/Shanghai",
    ".au": "Australia/Sydney",
    ".nz": "Pacific/Auckland",
    ".br": "America/Sao_Paulo",
    ".mx": "America/Mexico_City",
    ".ar": "America/Argentina/Buenos_Aires",
}
# A language spoken mostly in one zone (German in DE, AT and CH alike); "en" is not one.
# A language tag's region names the country; where the country spans several zones, the
# one most of its newsrooms keep (New York, Toronto, Sydney, São Paulo, Mexico City).
_REGION_ZONES = {
    **{"en-us": "America/New_York", "es-us": "America/New_York", "en-gb": "Europe/London"},
    **{"en-ie": "Europe/Dublin", "en-in": "Asia/Kolkata", "en-au": "Australia/Sydney"},
    **{"en-ca": "America/Toronto", "fr-ca": "America/Toronto", "en-nz": "Pacific/Auckland"},
    **{"en-za": "Africa/Johannesburg", "en-ng": "Africa/Lagos", "en-ke": "Africa/Nairobi"},
    **{"en-sg": "Asia/Singapore", "en-ph": "Asia/Manila", "en-pk": "Asia/Karachi"},
    **{"pt-br": "America/Sao_Paulo", "pt-pt": "Europe/Lisbon", "es-mx": "America/Mexico_City"},
    **{"es-ar": "America/Argentina/Buenos_Aires", "es-co": "America/Bogota"},
    **{"es-cl": "America/Santiago", "es-pe": "America/Lima", "es-es": "Europe/Madrid"},
    **{"de-at": "Europe/Vienna", "de-ch": "Europe/Zurich", "fr-ch": "Europe/Zurich"},
    **{"it-ch": "Europe/Zurich", "fr-be": "Europe/Brussels", "nl-be": "Europe/Brussels"},
}
_LANGUAGE_ZONES = {
    "de": "Europe/Berlin",
    "fr": "Europe/Paris",
    "es": "Europe/Madrid",
    "it": "Europe/Rome",
    "nl": "Europe/Amsterdam",
    "pl": "Europe/Warsaw",
    "pt": "Europe/Lisbon",
    "cs": "Europe/Prague",
    "da": "Europe/Copenhagen",
    "sv": "Europe/Stockholm",
}


def tld_zone(host: str) -> str | None:
    """The zone of the host's country-code top-level domain, if it has one zone."""
    host = host.lower().rstrip(".")
    return next((zone for tld, zone in _TLD_ZONES.items() if host.endswith(tld)), None)


def language_zone(language: str | None) -> str | None:
    """The zone of a language tag: its region's (`en-US`, `pt_BR`), else the language's."""
    tag = (language or "").lower().replace("_", "-")
    return _REGION_ZONES.get(tag[:5]) or _LANGUAGE_ZONES.get(tag[:2])


def default_timezone(host: str, language: str | None) -> str:
    """The zone a page's wall-clock times are read in when neither the source nor the
    page names one: the TLD's, else the language's, else UTC."""
    return tld_zone(host) or language_zone(language) or "UTC"
