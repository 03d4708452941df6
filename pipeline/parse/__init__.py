"""`parse_page`: one fetched page → a `ParsedPage` with one `Entry` per ticker entry.

Formats in order of trust: schema.org LiveBlogPosting JSON-LD, time-marked headings in
HTML, plain text. A page with none of these is an ordinary article: one entry,
`is_liveblog = False`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import lxml.etree

from pipeline.errors import ConfigError
from pipeline.models import ParsedPage
from pipeline.parse import blocks, feed, jsonld, pagination, profiles, zones
from pipeline.parse.blocks import PageClock
from pipeline.parse.context import PageContext, RawEntry, build_entries
from pipeline.parse.decode import Body, decode_body, header
from pipeline.parse.html_text import Element, element_text, parse_html, text_of, tidy
from pipeline.parse.language import detect_language
from pipeline.parse.merge import merge
from pipeline.parse.microdata import microdata_entries
from pipeline.parse.pagedate import page_date
from pipeline.parse.state import state_entries
from pipeline.parse.text import parse_text
from pipeline.parse.timeparse import parse_loose, to_utc

__all__ = ["parse_page"]

# Leading whitespace then "<", matched in place (lstrip would copy a whole page).
_MARKUP_START = re.compile(r"\s*<")
# Characters of a page's opening: more than the tests of how a page begins read
# (`feed.is_feed` reads 4096), past its leading whitespace.
_OPENING = 8192
_OPENING_MARGIN = 16

_KINDS = ("auto", "jsonld", "html", "text", "feed")
_ARTICLE_TYPES = (
    "LiveBlogPosting",
    "NewsArticle",
    "Article",
    "BlogPosting",
    "ReportageNewsArticle",
)
_META_PUBLISHED = (
    "article:published_time",
    "og:article:published_time",
    "pubdate",
    "publishdate",
    "DC.date.issued",
    "dcterms.created",
    "parsely-pub-date",
)


def parse_page(
    content: bytes,
    url: str,
    *,
    fetched_at: datetime,
    headers: Mapping[str, str] | None = None,
    tz: str | None = None,
    language: str | None = None,
    profile: str | None = None,
    kind: str = "auto",
    page_url: str | None = None,
) -> ParsedPage:
    """Split a fetched page into entries. `fetched_at` must be timezone-aware; `tz` is the
    zone of wall-clock times on the page (default: from the URL's TLD and the language).

    Raises `pipeline.errors.ParseError` for a body that is no page at all (empty, or not
    text in any encoding) and nothing else for any content: markup, JSON-LD or feed XML
    that is broken is read as far as it goes, with `warnings` on the result.

    `profile` names a per-site profile (`profiles.PROFILES`) tried before generic HTML
    detection; `kind` (a source's `kind:`) restricts the formats tried: `feed`, `text`,
    `jsonld` (structured data only) or `html` (rendered entries only). An unknown profile
    or kind is a `ConfigError`.

    `page_url` is the address a deeper page of a ticker was read from, `url` then being
    the ticker's own: entries take their ids and links from `url`, so an entry keeps its
    id when it slides from page 1 to page 2, while the links to further pages
    (`older_pages`) are read against `page_url`."""
    if fetched_at.tzinfo is None:
        raise ValueError("fetched_at must be timezone-aware")
    site = profiles.get_profile(profile) if profile else None
    if kind not in _KINDS:
        raise ConfigError(f"unknown source kind {kind!r} (known: {', '.join(_KINDS)})")
    body = decode_body(content, headers)
    if body.head(1) == "\ufeff":
        # lxml reads the body as it came only when that is the text's UTF-8, no BOM cut.
        body = Body(body.text.lstrip("\ufeff"), None, body.warnings)
    markup: str | bytes = body.text if body.utf8 is None else body.utf8
    given = _Input(body, markup, url, fetched_at, tz, language, headers, _Choice(kind, site))
    page = _parse_text(given, page_url)
    page.warnings[:0] = body.warnings
    if page_url is not None:
        page.url = page_url
    return page


@dataclass(frozen=True, slots=True)
class _Input:
    """What `parse_page` was given, decoded: every format reads its page from this."""

    body: Body  # its text decoded on first use: an HTML page is read from `markup`
    markup: str | bytes  # what lxml reads: the body as it came when that is UTF-8
    url: str
    fetched_at: datetime
    tz: str | None  # the source's own zone
    language: str | None  # the source's language
    headers: Mapping[str, str] | None
    choice: _Choice

    @property
    def text(self) -> str:
        return self.body.text

    @property
    def opening(self) -> str:
        """The text's start, as the tests of how a page begins see it: its first
        characters, or the whole text when its leading whitespace runs past them."""
        head = self.body.head(_OPENING)
        # str.isspace and the regex `\s` know the same whitespace.
        exact = len(head) < _OPENING or not head[: _OPENING - _OPENING_MARGIN].isspace()
        return head if exact else self.text

    def context(
        self,
        language: str | None,
        *,
        canonical: str | None = None,
        offsets: list[datetime] | None = None,
        printed: Iterable[str] = (),
        locale: str | None = None,
    ) -> PageContext:
        """The page's context, its zone by the chain in `zones`, from the evidence the
        format found (the page's language, canonical link, offsets, printed zones, and
        the language tag with its region, `en-US`, when the page gives one)."""
        zone = zones.page_zone(
            configured=self.tz,
            host=urlsplit(self.url).hostname or "",
            language=locale or language,
            offsets=offsets or (),
            printed=printed,
        )
        return PageContext(self.url, self.fetched_at, zone.tz, language, canonical, zone.source)


def _parse_text(given: _Input, page_url: str | None) -> ParsedPage:
    kind, opening = given.choice.kind, given.opening
    content_type = header(given.headers, "content-type")
    if kind == "feed" or (kind == "auto" and feed.is_feed(opening, content_type)):
        return feed.parse_feed(given.text, given.context(given.language))
    if kind == "text" or (kind == "auto" and _is_plain_text(opening, content_type)):
        text = given.text
        lang = given.language or detect_language(text)
        printed = zones.printed_abbreviations(text)
        return parse_text(text, given.context(lang, printed=printed))
    return _parse_html(given, page_url)


def _is_plain_text(text: str, content_type: str) -> bool:
    if content_type:
        return content_type.split(";")[0].strip().lower() == "text/plain"
    return _MARKUP_START.match(text) is None


def _parse_html(given: _Input, page_url: str | None) -> ParsedPage:
    url, choice = given.url, given.choice
    root = _document(given.markup)
    links = pagination.pager(root, page_url or url, url)
    lang = given.language or root.get("lang") or _detected_language(root)
    warnings: list[str] = []
    ld_values = jsonld.json_ld_objects(root, warnings)
    metas = _metas(root)
    canonical = _canonical_link(root)
    ctx = given.context(
        lang[:2] if lang else None,
        canonical=canonical or metas.get("og:url"),
        offsets=zones.stated_offsets(root, ld_values),
        printed=_printed(given),
        locale=_locale(lang, metas),
    )
    page = ParsedPage(
        url=url,
        parser="",
        is_liveblog=True,
        entries=[],
        canonical_url=canonical,
        language=ctx.language,
        warnings=warnings,
    )
    _page_meta(root, ld_values, metas, page, ctx)
    page.tz, page.tz_source = ctx.tz, ctx.tz_source
    page.older_pages, page.next_pages = links.older, links.explicit
    page.published_at = page.published_at or page_date(root, ctx, markup=given.text)
    structured, page.parser = _structured(root, ld_values, ctx, choice)
    notes: list[str] = []
    rendered, rendered_by = (
        _rendered(root, page, ctx, choice, bool(structured), notes) if choice.rendered else ([], "")
    )
    if ctx.tz_source != "configured":
        zones.prose_zones(root, rendered, notes if rendered_by == "html" else None)
    if rendered and not structured:
        page.parser = rendered_by
    raws = merge(structured, rendered, ctx, page.warnings)
    page.structured_count, page.rendered_count = len(structured), len(rendered)
    page.matched_count = sum(raw.twinned for raw in structured)
    if not raws:
        raws = [_article_entry(root, page)]
        page.parser, page.is_liveblog = "article", False
    page.entries = build_entries(raws, ctx)
    return page


def _printed(given: _Input) -> Iterator[str]:
    """`zones.printed_abbreviations` of the text, decoded only when they are read."""
    yield from zones.printed_abbreviations(given.text)


def _document(markup: str | bytes) -> Element:
    root = parse_html(markup)
    return root if root is not None else lxml.etree.Element("html")


@dataclass(frozen=True, slots=True)
class _Choice:
    """The formats a source allows and the profile it names."""

    kind: str
    profile: type[profiles.Profile] | None

    @property
    def structured(self) -> bool:
        return self.kind in ("auto", "jsonld")

    @property
    def rendered(self) -> bool:
        return self.kind in ("auto", "html")


def _rendered(
    root: Element,
    page: ParsedPage,
    ctx: PageContext,
    choice: _Choice,
    structured: bool,
    notes: list[str],
) -> tuple[list[RawEntry], str]:
    """Entries the HTML renders, and the parser that found them: the source's profile
    first, else generic detection (times in attributes only on pages without
    `structured` entries, which carry their own; texts that may be zone notes collected
    in `notes`)."""
    if choice.profile is not None:
        found = profiles.profile_entries(
            root, choice.profile, _page_clock(page, ctx), ctx, page.warnings
        )
        if found:
            return found, f"profile:{choice.profile.name}"
        page.warnings.append(f"profile {choice.profile.name} found no entries")
    clock = _page_clock(page, ctx)
    found = blocks.marked_entries(root, clock, page.warnings, stamps=not structured, notes=notes)
    return found, "html"


def _structured(
    root: Element, ld_values: list[object], ctx: PageContext, choice: _Choice
) -> tuple[list[RawEntry], str]:
    """Entries the page lists in schema.org markup, JSON-LD first, then microdata; else
    those its embedded application state holds. A source of `kind: html` reads the state
    but no schema.org markup: the state is the page's own, what its scripts render."""
    if not choice.structured:
        return (state_entries(root, ctx), "state") if choice.rendered else ([], "")
    blogs = jsonld.find_live_blogs(ld_values)
    raws = [raw for blog in blogs for raw in jsonld.blog_entries(blog, ctx)]
    if raws:
        return raws, "jsonld"
    if raws := microdata_entries(root):
        return raws, "microdata"
    return state_entries(root, ctx), "state"


def _locale(lang: str | None, metas: dict[str, str]) -> str | None:
    """The page's language tag with a region (`en-US`, `pt_BR`): its own, else its
    `og:locale`."""
    for tag in (lang, metas.get("og:locale")):
        if tag and len(tag) >= 5 and tag[2] in "-_":
            return tag
    return None


def _detected_language(root: Element) -> str | None:
    body = root.find(".//body")
    return detect_language(text_of(body)) if body is not None else None


def _canonical_link(root: Element) -> str | None:
    return next((link.get("href") for link in root.iter("link") if _is_canonical(link)), None)


def _page_meta(
    root: Element,
    ld_values: list[object],
    metas: dict[str, str],
    page: ParsedPage,
    ctx: PageContext,
) -> None:
    title = root.find(".//title")
    page.title = tidy(text_of(title)) or None if title is not None else None
    for obj in (o for v in ld_values for o in jsonld.walk(v)):
        if "datePublished" in obj or jsonld.has_type(obj, *_ARTICLE_TYPES):
            page.title = page.title or (str(obj.get("headline") or "") or None)
            page.published_at = page.published_at or _aware(obj.get("datePublished"), ctx)
            page.modified_at = page.modified_at or _aware(obj.get("dateModified"), ctx)
    for name in _META_PUBLISHED:
        page.published_at = page.published_at or _aware(metas.get(name.lower()), ctx)
    page.modified_at = page.modified_at or _aware(metas.get("article:modified_time"), ctx)


def _is_canonical(link: Element) -> bool:
    return "canonical" in (link.get("rel") or "").lower().split() and bool(link.get("href"))


def _metas(root: Element) -> dict[str, str]:
    """`<meta property|name=… content=…>`, the first of each name."""
    found: dict[str, str] = {}
    for meta in root.iter("meta"):
        key = (meta.get("property") or meta.get("name") or "").lower()
        content = meta.get("content")
        if key and content and key not in found:
            found[key] = content
    return found


def _aware(value: object, ctx: PageContext) -> datetime | None:
    """A machine-written page time in UTC; one without offset is the page's wall clock."""
    moment = parse_loose(value) if isinstance(value, str) else None
    return to_utc(moment, ctx.tz)[0] if moment else None


def _page_clock(page: ParsedPage, ctx: PageContext) -> PageClock:
    """The page's day (its modified time, else the fetch) and the fetch time, both as
    local wall clock, and its publishing day: clock-only entries count back from the
    page's own day (see `blocks._timing`), and none is later than the fetch."""
    zone = ZoneInfo(ctx.tz)
    day = (page.modified_at or ctx.fetched_at).astimezone(zone).date()
    reference = ctx.fetched_at.astimezone(zone).replace(tzinfo=None)
    published = page.published_at.astimezone(zone).date() if page.published_at else None
    return PageClock(
        day=day,
        reference=reference,
        fetched_at=ctx.fetched_at,
        language=ctx.language,
        stated=page.modified_at is not None,
        published=published,
        page_zone=zone,
    )


def _article_entry(root: Element, page: ParsedPage) -> RawEntry:
    body_node = next(
        (
            n
            for n in (root.find(".//article"), root.find(".//main"), root.find(".//body"))
            if n is not None
        ),
        root,
    )
    return RawEntry(
        body=element_text(body_node),
        headline=page.title,
        local_time=page.published_at,
        time_text=page.published_at.isoformat() if page.published_at else None,
        precision="second" if page.published_at else "none",
    )
