"""The publishing date of a page that states none in JSON-LD or the common meta tags.

Signals, most trusted first: an `itemprop="datePublished"` element; a meta tag whose name
says "published"; the byline (the first date written after the page's `<h1>`); a date in
the `<title>`; the bare `date` meta (often the last edit, so it yields to the byline); and
last `htmldate`'s heuristics (URL, visible dates, copyright lines). Every signal is bounded
by the fetch: a page is not published after it was fetched.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from functools import cache
from typing import Any, cast

import lxml.etree
import lxml.html
from htmldate import find_date
from lxml.etree import ParserError
from lxml.html import HtmlElement

from pipeline.parse.context import PageContext
from pipeline.parse.html_text import Element, text_of
from pipeline.parse.timeparse import GERMAN_MONTHS, YEARS, parse_loose, to_utc

# htmldate logs every failed guess at INFO/WARNING; it is a fallback, so keep it quiet.
logging.getLogger("htmldate").setLevel(logging.ERROR)

_PUBLISHED_META = re.compile(r"publish(?!er)|pub-?date|sailthru\.date|\bcreated\b", re.I)
_WEAK_META = ("date", "DC.Date", "dc.date")
# "28.04.2020 18:00", "18.10.2019 - 17:08 Uhr", "29.04.2020, 12:01"
_DOTTED = re.compile(
    r"(?<!\d)(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4})(?!\d)(?:[\s,\-–|um]{1,8}(\d{1,2})[:.](\d{2}))?"
)
# "19. Oktober 2019, 19:08 Uhr"
_WORDS = re.compile(
    r"(?<!\d)(\d{1,2})\.\s+([A-Za-zäÄ]{3,9})\.?\s+(\d{4})(?:[\s,|um]{1,8}(\d{1,2})[:.](\d{2}))?"
)
_ISO = re.compile(r"^\s*\d{4}-\d{2}-\d{2}")
_BYLINE_NODES = 40
_BYLINE_CHARS = 400
_BYLINE_LINE = 60
_SKIP = {"script", "style", "noscript", "template"}
_Finder = Callable[[Element], Iterator[str]]


def page_date(
    html: str | Element, ctx: PageContext, *, markup: str | None = None
) -> datetime | None:
    """The page's publishing time in UTC (a date alone: its local midnight), or None.
    `html` is the page's text or its parsed tree; with a tree, `markup` is its text, parsed
    again only for `htmldate`, the last resort (which needs `lxml.html`'s own elements)."""
    tree = _tree(html) if isinstance(html, str) else html
    if tree is None:
        return None
    for finder in (_itemprop, _published_metas, _byline, _title, _weak_metas):
        for text in finder(tree):
            moment = _read(text, ctx)
            if moment is not None:
                return moment
    if not isinstance(tree, HtmlElement):
        tree = _tree(markup) if markup is not None else None
    return _htmldate(tree, ctx) if tree is not None else None


def read_date_text(text: str) -> datetime | None:
    """A date as pages write it for people or machines: ISO 8601 and RFC 2822 values,
    `28.04.2020 18:00`, `19. Oktober 2019, 19:08 Uhr`. Naive results are wall clock."""
    if _ISO.match(text):
        return parse_loose(text.strip())
    for pattern in (_DOTTED, _WORDS):
        match = pattern.search(text)
        if match:
            return _from_match(match)
    return parse_loose(text.strip()) if len(text) <= 40 and any(c.isdigit() for c in text) else None


def _from_match(match: re.Match[str]) -> datetime | None:
    day, month_text, year, hour, minute = match.groups()
    month = int(month_text) if month_text.isdigit() else GERMAN_MONTHS.get(month_text.lower())
    if month is None or int(year) not in YEARS:
        return None
    try:
        return datetime(int(year), month, int(day), int(hour or 0), int(minute or 0))  # noqa: DTZ001 - wall clock, zone applied later
    except ValueError:
        return None


def _read(text: str, ctx: PageContext) -> datetime | None:
    moment = read_date_text(text)
    if moment is None:
        return None
    utc = to_utc(moment, ctx.tz)[0]
    return utc if utc <= ctx.fetched_at + timedelta(days=1) else None


def _tree(html: str) -> HtmlElement | None:
    try:
        # A parser per call: lxml parsers must not be shared between threads.
        parser = lxml.html.HTMLParser(encoding="utf-8")
        return lxml.html.document_fromstring(html.encode("utf-8", "replace"), parser)
    except (ParserError, ValueError):
        return None


def _itemprop(tree: Element) -> Iterator[str]:
    for element in _xpath(tree, "//*[@itemprop='datePublished']"):
        yield element.get("content") or element.get("datetime") or text_of(element)


def _published_metas(tree: Element) -> Iterator[str]:
    for meta in tree.iter("meta"):
        name = meta.get("property") or meta.get("name") or meta.get("itemprop") or ""
        if _PUBLISHED_META.search(name) and "modified" not in name.lower():
            yield meta.get("content") or ""


def _byline(tree: Element) -> Iterator[str]:
    """The first date in the text right after the headline: bylines sit there."""
    headings = _xpath(tree, "//h1")
    if not headings:
        return
    seen = 0
    for node in _xpath(headings[0], f"following::text()[position() <= {_BYLINE_NODES}]"):
        parent = node.getparent()
        if parent is None or parent.tag in _SKIP:
            continue
        value = parent.get("datetime") if parent.tag == "time" else None
        if value and _ISO.match(value):
            yield value
        text = str(node).strip()
        # A byline is short; a date inside a longer text is a caption or a story's own.
        if len(text) <= _BYLINE_LINE and (_DOTTED.search(text) or _WORDS.search(text)):
            yield text
            return
        seen += len(text)
        if seen > _BYLINE_CHARS:
            return


def _title(tree: Element) -> Iterator[str]:
    titles = [
        *_xpath(tree, "//title/text()"),
        *_xpath(tree, "//meta[@property='og:title']/@content"),
    ]
    for title in titles:
        if _DOTTED.search(title):
            yield str(title)


def _weak_metas(tree: Element) -> Iterator[str]:
    for name in _WEAK_META:
        for meta in _xpath(tree, "//meta[@name=$name]", name=name):
            yield meta.get("content") or ""


@cache
def _compiled(path: str) -> lxml.etree.XPath:
    return lxml.etree.XPath(path)


def _xpath(node: Element, path: str, name: str = "") -> list[Any]:
    """The nodes `path` selects (compiled once: `Element.xpath` compiles on every call)."""
    # lxml's stubs type an XPath result as any XPath value; these paths select nodes.
    return cast(list[Any], _compiled(path)(node, name=name))


def _htmldate(tree: HtmlElement, ctx: PageContext) -> datetime | None:
    found = find_date(
        tree,
        url=ctx.url,
        original_date=True,
        extensive_search=False,
        outputformat="%Y-%m-%dT%H:%M:%S%z",
        max_date=ctx.fetched_at.date().isoformat(),
    )
    moment = parse_loose(found) if found else None
    return to_utc(moment, ctx.tz)[0] if moment else None
