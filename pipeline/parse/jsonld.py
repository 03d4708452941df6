"""schema.org `LiveBlogPosting` JSON-LD: `liveBlogUpdate` as a list or a single object,
top level, inside `@graph`, or inside arrays of blocks."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin

from pipeline.parse import identity
from pipeline.parse.context import PageContext, RawEntry
from pipeline.parse.html_text import Element, fragment_text
from pipeline.parse.timeparse import parse_loose

_TRAILING_COMMA = re.compile(r",\s*([\]}])")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def json_ld_objects(root: Element, warnings: list[str]) -> list[Any]:
    """Every JSON-LD script's top-level value; broken ones recovered where possible."""
    values: list[Any] = []
    scripts = (s for s in root.iter("script") if _is_json_ld(s.get("type")))
    for index, script in enumerate(scripts):
        value = _loads(script.text or "")
        if value is None:
            warnings.append(f"JSON-LD block {index} is not valid JSON; skipped")
        else:
            values.append(value)
    return values


def _is_json_ld(script_type: str | None) -> bool:
    return (script_type or "").strip().lower() == "application/ld+json"


def _loads(text: str) -> Any:
    for candidate in (text, _TRAILING_COMMA.sub(r"\1", _CONTROL.sub(" ", text))):
        try:
            value = json.loads(candidate)
        except ValueError:
            continue
        return _without_surrogates(value) if _SURROGATE_ESCAPE.search(candidate) else value
    return None


def _without_surrogates(value: Any) -> Any:
    """`"\\ud800"` alone decodes to a lone surrogate, which no encoder downstream accepts."""
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    if isinstance(value, list):
        return [_without_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {_without_surrogates(k): _without_surrogates(v) for k, v in value.items()}
    return value


def walk(value: Any) -> Iterator[dict[str, Any]]:
    """Every JSON object in a JSON-LD value, depth first."""
    if isinstance(value, list):
        for item in value:
            yield from walk(item)
    elif isinstance(value, dict):
        yield value
        for key in ("@graph", "mainEntity"):
            if key in value:
                yield from walk(value[key])


_SCHEMA_IRIS = ("https://schema.org/", "http://schema.org/")


def has_type(obj: dict[str, Any], *names: str) -> bool:
    """One of the object's types is one of `names`, written plainly or as its IRI
    (`http://schema.org/LiveBlogPosting`)."""
    types = obj.get("@type")
    types = types if isinstance(types, list) else [types]
    plain = (
        t.removeprefix(_SCHEMA_IRIS[0]).removeprefix(_SCHEMA_IRIS[1])
        for t in types
        if isinstance(t, str)
    )
    return any(t in names for t in plain)


def find_live_blogs(values: list[Any]) -> list[dict[str, Any]]:
    return [obj for value in values for obj in walk(value) if has_type(obj, "LiveBlogPosting")]


def updates(blog: dict[str, Any]) -> list[dict[str, Any]]:
    raw = blog.get("liveBlogUpdate") or []
    items = raw if isinstance(raw, list) else [raw]
    return [item for item in items if isinstance(item, dict)]


def blog_entries(blog: dict[str, Any], ctx: PageContext) -> list[RawEntry]:
    """The blog's updates. A headline that only repeats the blog's own (as some CMSs
    fill it) is no headline, unless it is all the update has."""
    title = fragment_text(_text(blog.get("headline")))
    raws = [raw_entry(update, ctx) for update in updates(blog)]
    for raw in raws:
        if raw.headline == title and raw.body:
            raw.headline = None
    return raws


def raw_entry(update: dict[str, Any], ctx: PageContext) -> RawEntry:
    # A datePublished without offset is wall-clock time in the page's zone; an item
    # without one may still say when it was created.
    written = _text(update.get("datePublished")) or _text(update.get("dateCreated"))
    published = parse_loose(written)
    return RawEntry(
        body=fragment_text(_text(update.get("articleBody")) or _text(update.get("text")) or ""),
        headline=fragment_text(_text(update.get("headline")) or "") or None,
        local_time=published,
        time_text=written or None,
        precision="second" if published else "none",
        anchor=_anchor(update, ctx),
        updated_at=parse_loose(_text(update.get("dateModified"))),
        authors=_authors(update.get("author")),
    )


def _anchor(update: dict[str, Any], ctx: PageContext) -> str | None:
    """The update's own fragment or id; a link to the page itself is no anchor. An id
    that is a URL is kept as its identity (`identity.page_key`) past the page's, so it
    does not change with the scheme, port or tracking parameters of the fetch."""
    for key in ("@id", "url"):
        value = _text(update.get(key))
        if "#" in value:
            return value.rsplit("#", 1)[1] or None
        if value:
            own = identity.page_key(urljoin(ctx.url, value))
            if own not in (ctx.page_key, identity.page_key(ctx.url)):
                return own.removeprefix(ctx.page_key) or None
    return None


def _authors(value: Any) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    names = (_text(i.get("name")) if isinstance(i, dict) else _text(i) for i in items)
    return tuple(n for n in names if n)


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""
