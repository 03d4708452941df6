"""RSS and Atom feeds of ticker updates: one entry per item, read with `feedparser`.

Item times come from the feed's own structured values: an ISO-8601 value as written
(so an offset-less one is read in the source's zone), else feedparser's parsed
`struct_time`, which it has already normalised to UTC.
"""

from __future__ import annotations

import calendar
import io
import re
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser

from pipeline.models import ParsedPage
from pipeline.parse.context import PageContext, RawEntry, build_entries
from pipeline.parse.html_text import fragment_text
from pipeline.parse.timeparse import YEARS, parse_iso

__all__ = ["FeedResult", "is_feed", "parse_feed", "read_feed"]

FEED_TYPES = {"application/rss+xml", "application/atom+xml", "application/rdf+xml"}
XML_TYPES = {"application/xml", "text/xml"}
# The root element after any XML declaration, processing instructions, comments and doctype.
_FEED_ROOT = re.compile(
    r"\A\s*(?:<\?[^>]*\?>\s*|<!--.*?-->\s*|<!DOCTYPE[^>]*>\s*)*<(?:rss|feed|rdf:RDF)\b",
    re.DOTALL | re.IGNORECASE,
)
# Numeric character references; feedparser's lenient parser crashes on ones that name
# no character (a surrogate, or past U+10FFFF).
_CHARREF = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));")
# feedparser reports these when the charset we hand it (always UTF-8, the text is
# already decoded) disagrees with the document's own declaration: not a defect.
_HARMLESS = (feedparser.CharacterEncodingOverride,)


@dataclass(slots=True)
class FeedResult:
    """What a feed says about itself, and its items as raw entries in feed order."""

    entries: list[RawEntry]
    title: str | None = None
    link: str | None = None
    language: str | None = None
    updated_at: datetime | None = None
    warnings: list[str] = field(default_factory=list)


_XML_START = re.compile(r"\s*<\?xml")


def is_feed(text: str, content_type: str) -> bool:
    """A declared feed type, or XML (declared, or undeclared with an XML declaration)
    whose root element is `<rss>`, `<feed>` or `<rdf:RDF>`."""
    media = content_type.split(";")[0].strip().lower()
    if media in FEED_TYPES:
        return True
    if media in XML_TYPES or _XML_START.match(text):
        return _FEED_ROOT.match(text[:4096]) is not None
    return False


def parse_feed(text: str, ctx: PageContext) -> ParsedPage:
    """A feed as a page: the feed's title, link and language, one entry per item."""
    result = read_feed(text, ctx.url)
    if ctx.language is None and result.language:
        ctx = replace(ctx, language=result.language[:2].lower())
    page = ParsedPage(
        url=ctx.url,
        parser="feed",
        is_liveblog=bool(result.entries),
        entries=build_entries(result.entries, ctx),
        title=result.title,
        canonical_url=result.link,
        modified_at=result.updated_at,
        language=ctx.language,
        tz=ctx.tz,
        tz_source=ctx.tz_source,
        warnings=result.warnings,
    )
    if not result.entries:
        page.warnings.append("feed has no items")
    return page


def read_feed(text: str, url: str) -> FeedResult:
    """Parse feed text; relative item links are resolved against `url`."""
    # A stream, never a str: feedparser treats a str that looks like a URL or a path as
    # something to fetch or open.
    try:
        parsed: Any = feedparser.parse(
            io.BytesIO(_CHARREF.sub(_valid_charref, text).encode("utf-8", errors="replace")),
            response_headers={
                "content-location": url,
                "content-type": "application/xml; charset=utf-8",
            },
        )
    except ValueError as exc:
        # feedparser's strict parser splits expat's namespaced names on spaces and fails
        # on a namespace URI that decodes to one (found by fuzzing); nothing is readable.
        return FeedResult([], warnings=[f"feed cannot be read ({exc})"])
    head = parsed.get("feed", {})
    result = FeedResult(
        entries=[_raw_entry(item, url) for item in parsed.get("entries", [])],
        title=_clean(_text(head.get("title"))),
        link=_text(head.get("link")),
        language=_text(head.get("language")),
        updated_at=_struct_utc(head.get("updated_parsed")),
    )
    problem = parsed.get("bozo_exception")
    if problem is not None and not isinstance(problem, _HARMLESS):
        result.warnings.append(
            f"feed is not well-formed ({type(problem).__name__}); read leniently"
        )
    return result


def _valid_charref(match: re.Match[str]) -> str:
    hex_digits, digits = match.groups()
    code = int(hex_digits, 16) if hex_digits else int(digits)
    valid = code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF
    return match.group(0) if valid else "&#xFFFD;"


def _raw_entry(item: Any, url: str) -> RawEntry:
    published, published_text = _time(item, "published")
    updated, updated_text = _time(item, "updated")
    when = published or updated
    link = _text(item.get("link"))
    return RawEntry(
        body=_body(item),
        headline=_clean(_text(item.get("title"))),
        local_time=when,
        time_text=published_text if published else updated_text,
        precision="second" if when else "none",
        anchor=_text(item.get("id")),
        url=urljoin(url, link) if link else None,
        updated_at=_aware_utc(updated) if published and updated != published else None,
        authors=_authors(item),
    )


def _time(item: Any, key: str) -> tuple[datetime | None, str | None]:
    """(time, text as written). A naive ISO value stays naive: a wall-clock time in the
    source's zone, converted later like any other. `dict.get` skips feedparser's
    deprecated fallback from `updated` to `published`."""
    written = _text(dict.get(item, key))
    value = parse_iso(written, allow_naive=True) if written else None
    return (value or _struct_utc(dict.get(item, f"{key}_parsed"))), written


def _text(value: object) -> str | None:
    """A non-empty string, else None. Feed elements named like feedparser's own keys
    (`<updated_parsed>`, a nested `<title>`) put dicts where strings belong; fuzzing
    found them."""
    return value if isinstance(value, str) and value else None


def _struct_utc(value: object) -> datetime | None:
    if not isinstance(value, time.struct_time):
        return None
    try:
        moment = datetime.fromtimestamp(calendar.timegm(value), UTC)
    except (OverflowError, ValueError, OSError):
        return None
    # Year 9999 fits a datetime but not its conversions; found by fuzzing.
    return moment if moment.year in YEARS else None


def _aware_utc(value: datetime | None) -> datetime | None:
    """`updated_at` is stored as is, so only an exact (offset-carrying) time is kept."""
    return value.astimezone(UTC) if value is not None and value.tzinfo is not None else None


def _body(item: Any) -> str:
    """The fullest text the item carries: `content`, else `summary`."""
    contents = item.get("content")
    for content in contents if isinstance(contents, list) else []:
        if isinstance(content, dict) and (value := _text(content.get("value"))):
            return fragment_text(value)
    return fragment_text(_text(item.get("summary")) or "")


def _authors(item: Any) -> tuple[str, ...]:
    found = [a.get("name") for a in item.get("authors") or [] if isinstance(a, dict)]
    if not found:
        found = [item.get("author")]
    names = (n.strip() for n in found if isinstance(n, str) and n.strip())
    return tuple(dict.fromkeys(names))


def _clean(markup: str | None) -> str | None:
    return fragment_text(markup) or None if markup else None
