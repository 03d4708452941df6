"""Entries kept in a page's embedded application state: `__NEXT_DATA__`,
`window.__APOLLO_STATE__ = {…}`, `window.__INITIAL_STATE__ = JSON.parse("…")`, any
`window.name = {…}`, JSON typed `application/json`, or such JSON base64-encoded in a
string; a normalised cache's embedded objects are read through their references.

Read generically, by shape and never by a site's keys: a post is an object with an id that
the rendered page uses as (or at the end of) a DOM id or `data-…id` value, an exact time
(ISO 8601 with a clock, or epoch seconds or milliseconds under a key naming a time or
date) and a text of its own (or a headline). Objects with the same keys as a matched post
are posts too, so the state may list more entries than the DOM shows, except those whose
own URL is another page; a shape needs `MIN_MATCHED` posts matched in distinct DOM
elements side by side that are no teasers (links elsewhere), so an article's
related-content lists do not count.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime
from typing import Any, cast
from urllib.parse import urlsplit, urlunsplit

import lxml.etree

from pipeline.models import Precision
from pipeline.parse.context import PageContext, RawEntry
from pipeline.parse.html_text import Element, element_text, fragment_text, text_of
from pipeline.parse.identity import normalise
from pipeline.parse.markers import stamp_time

MIN_MATCHED = 2
_MIN_TEXT = 20
_MIN_ID = 4
_MAX_LINK_SHARE = 0.5  # as for rendered series (`blocks.MAX_LINK_SHARE`)
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
# Rich text nests: body → blocks → block → inline runs → run → its text.
_MAX_DEPTH = 10
# `__NAME__ = …`, and any `window.name = {…}` (`window.__preloadedData = {…}`): two
# patterns, each with a literal start the regex engine scans for quickly.
_ASSIGNMENT = re.compile(r"__[A-Za-z_]+__\s*=\s*")
_WINDOW_ASSIGNMENT = re.compile(r"window\.[A-Za-z_$][\w$]*\s*=\s*(?=[{\[\"'J])")
# DOM attributes that may carry a post's id: `id`, and `data-…id` (`data-post-id`).
_DOM_IDS = lxml.etree.XPath(
    "//@id | //@*[starts-with(name(), 'data-') and substring(name(), string-length(name()) - 1)"
    " = 'id']"
)
_JSON_PARSE = re.compile(r"JSON\.parse\(\s*(?=[\"'])")
_BASE64 = re.compile(r"[\"'](eyJ[A-Za-z0-9+/_-]{40,}={0,2}|W3[A-Za-z0-9+/_-]{40,}={0,2})[\"']")
_TIME_KEY = re.compile(r"time|date|at$", re.I)
_ID_KEY = re.compile(r"id$|^key$|^uuid$", re.I)
_TITLE_KEY = re.compile(r"title|headline", re.I)
_URL_KEY = re.compile(r"^(?:url|link|href|permalink)$", re.I)
_DECODER = json.JSONDecoder()


def state_entries(root: Element, ctx: PageContext) -> list[RawEntry]:
    """The posts in the page's application state, in the state's order, or []."""
    values = [value for script in root.iter("script") for value in _state_values(script)]
    if not values:
        return []
    posts = [post for value in values for post in _posts(value, ctx, _embedded(value))]
    if not posts:
        return []
    dom_ids = _dom_ids(root)
    shapes: dict[frozenset[str], list[_Post]] = defaultdict(list)
    for post in posts:
        shapes[frozenset(post.fields)].append(post)
    found: list[RawEntry] = []
    page = _page_path(ctx.url)
    texts: dict[Element, str] = {}
    for group in shapes.values():
        anchors = [_dom_anchor(post, dom_ids, texts) for post in group]
        if _separate([a[1] for a in anchors if a is not None]) >= MIN_MATCHED:
            found += [
                post.entry(anchor)
                for post, anchor in zip(group, anchors, strict=True)
                if anchor is not None or not post.elsewhere(page)
            ]
    return found


def _separate(elements: list[Element]) -> int:
    """How many distinct elements render the posts, or 0 when one holds another: a
    ticker's posts are side by side (two copies of an article's own record in the state
    both match the page's `<body data-…id>`)."""
    distinct = set(elements)
    if any(a in distinct for e in distinct for a in e.iterancestors()):
        return 0
    return len(distinct)


_DomIds = dict[str, tuple[str, Element]]


def _dom_ids(root: Element) -> _DomIds:
    """Each id the DOM carries (`id`, `data-…id`) with the first element carrying it,
    looked up by the id itself, else by each of its ends after a separator (`123` for
    `post-123`): one pass here instead of a scan of every id for every post."""
    exact: list[tuple[str, Element]] = [
        (str(value), element)
        for value in cast(list[lxml.etree._ElementUnicodeResult], _DOM_IDS(root))
        if (element := value.getparent()) is not None
    ]
    found: _DomIds = {}
    for dom_id, element in exact:
        found.setdefault(dom_id, (dom_id, element))
    for dom_id, element in exact:
        for at in range(1, len(dom_id) - _MIN_ID + 1):
            if not dom_id[at - 1].isalnum():
                found.setdefault(dom_id[at:], (dom_id, element))
    return found


def _page_path(url: str) -> str:
    """The page's address without query and fragment: its posts' own URLs extend it."""
    return urlunsplit(urlsplit(url)._replace(query="", fragment="")).rstrip("/")


def _state_values(script: Element) -> Iterator[Any]:
    """The JSON a script holds as state: all of it (typed JSON), after `__X__ =`, in a
    `JSON.parse("…")` or a base64 string."""
    text = script.text or ""
    kind = (script.get("type") or "").lower()
    if "ld+json" in kind or len(text) < _MIN_TEXT:
        return
    found: list[Any] = []
    if "json" in kind:
        found += _decoded(text.strip(), 0)
    else:
        starts = sorted(
            m.end() for pattern in (_ASSIGNMENT, _WINDOW_ASSIGNMENT) for m in pattern.finditer(text)
        )
        found += (value for start in dict.fromkeys(starts) for value in _decoded(text, start))
    if not found:
        found += (value for m in _BASE64.finditer(text) for value in _base64(m.group(1)))
    yield from found


def _decoded(text: str, start: int) -> Iterator[Any]:
    parse = _JSON_PARSE.match(text, start)
    try:
        value, _ = _DECODER.raw_decode(text, parse.end() if parse else start)
        if parse and isinstance(value, str):
            value = json.loads(value)
    except ValueError:
        return
    if isinstance(value, str):
        yield from _base64(value)
    elif isinstance(value, dict | list):
        yield value


def _base64(text: str) -> Iterator[Any]:
    try:
        value = json.loads(base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_"))
    except (binascii.Error, ValueError):
        return
    if isinstance(value, dict | list):
        yield value


class _Post:
    """An object of the state that looks like a post."""

    __slots__ = ("body", "fields", "headline", "id", "ids", "time", "time_text", "url")

    def __init__(
        self, obj: dict[str, Any], ids: list[str], time: tuple[str, datetime], table: _Table
    ) -> None:
        self.fields = tuple(obj)
        self.id, self.ids = ids[0], ids
        self.time_text, self.time = f"[state {time[0]}={obj[time[0]]}]", time[1]
        self.headline = next(
            (
                title.strip()
                for k, v in obj.items()
                if _TITLE_KEY.search(k) and (title := _title(v, table))
            ),
            None,
        )
        texts = [fragment_text(t) for t in _strings(obj, 0, table) if t.strip() != self.headline]
        self.body = "\n\n".join(dict.fromkeys(t for t in texts if t))
        self.url = next(
            (v for k, v in obj.items() if _URL_KEY.search(k) and isinstance(v, str)), None
        )

    def elsewhere(self, page: str) -> bool:
        """The post's own URL is another page's: a teaser for it, not an entry here."""
        return self.url is not None and not _page_path(self.url).startswith(page)

    def entry(self, anchor: _Anchor | None) -> RawEntry:
        precision: Precision = "second" if self.time.second or self.time.microsecond else "minute"
        return RawEntry(
            body=self._body(anchor[1]) if anchor else self.body,
            headline=self.headline or None,
            local_time=self.time,
            time_text=self.time_text,
            precision=precision,
            anchor=anchor[0] if anchor else self.id,
        )

    def _body(self, element: Element) -> str:
        """The state's text when the element renders it whole, else the element's: a
        cache that splits rich text into runs (and drops words) is no better source
        than the page that renders it."""
        if self.body and normalise(self.body) in normalise(text_of(element)):
            return self.body
        shown = [p for p in element_text(element).split("\n\n") if p.strip() != self.headline]
        return "\n\n".join(shown)


_Table = dict[str, Any]


def _embedded(value: Any) -> _Table:
    """A normalised cache's objects by key (Apollo's `{"Article:1": {…}, "$Article:1.body":
    {…}}`, at the top of the state or one level down), for its references."""
    table: _Table = {}
    for level in (value, *(value.values() if isinstance(value, dict) else ())):
        if isinstance(level, dict):
            table.update((k, v) for k, v in level.items() if isinstance(v, dict))
    return table


def _resolved(value: Any, table: _Table) -> Any:
    """An embedded object a normalised cache stored apart (`{"type": "id", "generated":
    true, "id": "$Article:1.body"}`): the object itself. References to entities of their
    own (an author, an image: not generated) are not followed, so a post's text is its
    own."""
    if isinstance(value, dict) and value.get("generated") is True and value.get("type") == "id":
        return table.get(str(value.get("id")), value)
    return value


def _title(value: Any, table: _Table) -> str | None:
    """A headline: the string under a title key, or the first prose of the object it
    refers to (`{"default": "…"}`)."""
    value = _resolved(value, table)
    if isinstance(value, str):
        return value
    return next(_strings(value, 1, table), None) if isinstance(value, dict) else None


def _posts(value: Any, ctx: PageContext, table: _Table) -> Iterator[_Post]:
    """Post-shaped objects anywhere in `value`, in document order; a post's own children
    are not searched. A stack, not recursion: nested generators would hand each post up
    through every level of a deep state."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            post = _post(item, ctx, table)
            if post is not None:
                yield post
                continue
            item = list(item.values())
        if isinstance(item, list):
            stack.extend(v for v in reversed(item) if isinstance(v, dict | list))


def _post(obj: dict[str, Any], ctx: PageContext, table: _Table) -> _Post | None:
    ids = [
        str(v)
        for k, v in obj.items()
        if _ID_KEY.search(k) and isinstance(v, str | int) and not isinstance(v, bool)
    ]
    ids = [i for i in ids if len(i) >= _MIN_ID]
    if not ids:
        return None
    # ISO values under any key; numbers only under a key naming a time or date.
    times = [
        (key, moment)
        for key, value in obj.items()
        if isinstance(value, str | int)
        and not isinstance(value, bool)
        and (name := "time" if _TIME_KEY.search(key) else "") is not None
        and (moment := stamp_time(name, str(value), ctx.fetched_at)) is not None
    ]
    if not times:
        return None
    post = _Post(obj, ids, min(times, key=lambda t: t[1].replace(tzinfo=None)), table)
    return post if max(len(post.body), len(post.headline or "")) >= _MIN_TEXT else None


def _strings(value: Any, depth: int, table: _Table) -> Iterator[str]:
    """Prose in `value`, in order: strings with a space in them, nested up to a few
    levels (rich-text blocks, embedded objects a cache stored apart), not ids, times or
    URLs."""
    if depth > _MAX_DEPTH:
        return
    value = _resolved(value, table)
    if isinstance(value, str):
        if " " in value.strip() and not value.startswith(("http://", "https://", "/")):
            yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, depth + 1, table)
    elif isinstance(value, dict):
        for key, item in value.items():
            if not _ID_KEY.search(key) and not _TIME_KEY.search(key):
                yield from _strings(item, depth + 1, table)


_Anchor = tuple[str, Element]


def _dom_anchor(post: _Post, dom_ids: _DomIds, texts: dict[Element, str]) -> _Anchor | None:
    """The DOM id (an `id`, or a `data-…id` value) that is one of the post's ids or ends
    with it (`post-123` for `123`), on an element that renders the post: its headline or
    the opening of its body (an embedded video with the same id renders neither). The
    element's own `id` is the anchor when it has one. `texts` keeps the elements' text
    as compared, for the next post."""
    opening = normalise(post.headline or post.body)[:_MIN_TEXT]
    for post_id in post.ids:
        if post_id not in dom_ids:
            continue
        found, element = dom_ids[post_id]
        if element not in texts:
            texts[element] = normalise(text_of(element))
        if opening and opening in texts[element] and not _teaser(element):
            own = element.get("id")
            return (str(own) if own else found), element
    return None


def _teaser(element: Element) -> bool:
    """An element that is mostly a link to another page (a card in a list of articles):
    it renders a record of the state, but no post of this page."""
    if next(element.iterancestors("a"), None) is not None:
        return True
    away = [a for a in element.iter("a") if not (a.get("href") or "#").startswith("#")]
    if any(_links_away(h, away) for h in element.iter(*_HEADINGS)):
        return True  # a headline of it links to another page
    total = len(text_of(element))
    return total == 0 or sum(len(text_of(a)) for a in away) / total > _MAX_LINK_SHARE


def _links_away(heading: Element, away: list[Element]) -> bool:
    return any(a in away for a in (*heading.iter("a"), *heading.iterancestors("a")))
