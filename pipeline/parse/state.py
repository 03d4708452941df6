"""Entries kept in a page's embedded application state: `__NEXT_DATA__`,
`window.__APOLLO_STATE__ = {…}`, `window.__INITIAL_STATE__ = JSON.parse("…")`, JSON
typed `application/json`, or such JSON base64-encoded in a string.

Read generically, by shape and never by a site's keys: a post is an object with an id that
the rendered page uses as (or at the end of) a DOM id, an exact time (ISO 8601 with a
clock, or epoch seconds or milliseconds under a key naming a time or date) and a text of
its own. Objects with the same keys as a matched post are posts too, so the state may
list more entries than the DOM shows; a shape needs `MIN_MATCHED` posts matched in the
DOM, so an article's related-content lists do not count.
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

import lxml.etree

from pipeline.models import Precision
from pipeline.parse.context import PageContext, RawEntry
from pipeline.parse.html_text import Element, fragment_text, text_of
from pipeline.parse.identity import normalise
from pipeline.parse.markers import stamp_time

MIN_MATCHED = 2
_MIN_TEXT = 20
_MIN_ID = 4
_MAX_DEPTH = 4
_ASSIGNMENT = re.compile(r"__[A-Za-z_]+__\s*=\s*")
_JSON_PARSE = re.compile(r"JSON\.parse\(\s*(?=[\"'])")
_BASE64 = re.compile(r"[\"'](eyJ[A-Za-z0-9+/_-]{40,}={0,2}|W3[A-Za-z0-9+/_-]{40,}={0,2})[\"']")
_TIME_KEY = re.compile(r"time|date|at$", re.I)
_ID_KEY = re.compile(r"id$|^key$|^uuid$", re.I)
_TITLE_KEY = re.compile(r"title|headline", re.I)
_DECODER = json.JSONDecoder()


def state_entries(root: Element, ctx: PageContext) -> list[RawEntry]:
    """The posts in the page's application state, in the state's order, or []."""
    values = [value for script in root.iter("script") for value in _state_values(script)]
    if not values:
        return []
    dom_ids = {
        str(found): element
        for found in cast(list[lxml.etree._ElementUnicodeResult], root.xpath("//@id"))
        if (element := found.getparent()) is not None
    }
    posts = [post for value in values for post in _posts(value, ctx)]
    shapes: dict[frozenset[str], list[_Post]] = defaultdict(list)
    for post in posts:
        shapes[frozenset(post.fields)].append(post)
    found: list[RawEntry] = []
    for group in shapes.values():
        anchors = [_dom_anchor(post, dom_ids) for post in group]
        if sum(a is not None for a in anchors) >= MIN_MATCHED:
            found += [post.entry(anchor) for post, anchor in zip(group, anchors, strict=True)]
    return found


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
    elif "__" in text:
        found += (value for m in _ASSIGNMENT.finditer(text) for value in _decoded(text, m.end()))
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

    __slots__ = ("body", "fields", "headline", "id", "time", "time_text")

    def __init__(self, obj: dict[str, Any], post_id: str, time: tuple[str, datetime]) -> None:
        self.fields = tuple(obj)
        self.id = post_id
        self.time_text, self.time = f"[state {time[0]}={obj[time[0]]}]", time[1]
        self.headline = next(
            (v.strip() for k, v in obj.items() if _TITLE_KEY.search(k) and isinstance(v, str)),
            None,
        )
        texts = [fragment_text(t) for t in _strings(obj, 0) if t.strip() != self.headline]
        self.body = "\n\n".join(dict.fromkeys(t for t in texts if t))

    def entry(self, anchor: str | None) -> RawEntry:
        precision: Precision = "second" if self.time.second or self.time.microsecond else "minute"
        return RawEntry(
            body=self.body,
            headline=self.headline or None,
            local_time=self.time,
            time_text=self.time_text,
            precision=precision,
            anchor=anchor or self.id,
        )


def _posts(value: Any, ctx: PageContext) -> Iterator[_Post]:
    """Post-shaped objects anywhere in `value`; a post's own children are not searched."""
    if isinstance(value, list):
        for item in value:
            yield from _posts(item, ctx)
    elif isinstance(value, dict):
        post = _post(value, ctx)
        if post is not None:
            yield post
            return
        for item in value.values():
            yield from _posts(item, ctx)


def _post(obj: dict[str, Any], ctx: PageContext) -> _Post | None:
    post_id = next(
        (str(v) for k, v in obj.items() if _ID_KEY.search(k) and isinstance(v, str | int)), None
    )
    if post_id is None or len(post_id) < _MIN_ID:
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
    post = _Post(obj, post_id, min(times, key=lambda t: t[1].replace(tzinfo=None)))
    return post if len(post.body) >= _MIN_TEXT else None


def _strings(value: Any, depth: int) -> Iterator[str]:
    """Prose in `value`, in order: strings with a space in them, nested up to a few
    levels (rich-text blocks), not ids, times or URLs."""
    if depth > _MAX_DEPTH:
        return
    if isinstance(value, str):
        if " " in value.strip() and not value.startswith(("http://", "https://", "/")):
            yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, depth + 1)
    elif isinstance(value, dict):
        for key, item in value.items():
            if not _ID_KEY.search(key) and not _TIME_KEY.search(key):
                yield from _strings(item, depth + 1)


def _dom_anchor(post: _Post, dom_ids: dict[str, Element]) -> str | None:
    """The DOM id that is the post's id or ends with it (`post-123` for `123`), on an
    element that renders the post: its headline or the opening of its body (an embedded
    video with the same id renders neither)."""
    size = len(post.id)
    found = (
        post.id
        if post.id in dom_ids
        else next(
            (
                d
                for d in dom_ids
                if len(d) > size and d.endswith(post.id) and not d[-size - 1].isalnum()
            ),
            None,
        )
    )
    if found is None:
        return None
    opening = normalise(post.headline or post.body)[:_MIN_TEXT]
    return found if opening and opening in normalise(text_of(dom_ids[found])) else None
