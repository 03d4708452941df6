"""schema.org microdata: an `itemtype` LiveBlogPosting whose updates are `itemprop`
BlogPosting items (or any items carrying `datePublished`)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import cast

import lxml.etree

from pipeline.parse.context import RawEntry
from pipeline.parse.html_text import Element, element_text, words_of
from pipeline.parse.timeparse import parse_loose

_ITEMTYPES = lxml.etree.XPath("descendant::*/@itemtype")
_LIVE_BLOG = re.compile(r"schema\.org/LiveBlogPosting", re.I)
_POSTING = re.compile(r"schema\.org/(?:BlogPosting|NewsArticle|Article|SocialMediaPosting)", re.I)


def microdata_entries(root: Element) -> list[RawEntry]:
    blog = next(_typed(root, _LIVE_BLOG), None)
    if blog is None:
        return []
    items = list(blog.iterfind(".//*[@itemprop='liveBlogUpdate']")) or list(_typed(blog, _POSTING))
    return [_entry(item) for item in items]


def _typed(root: Element, itemtype: re.Pattern[str]) -> Iterator[Element]:
    """Elements below `root` whose `itemtype` matches, in document order. libxml2 lists the
    attributes (at a quarter of the cost of `iterfind`, which looks at every element)."""
    for value in cast(list[lxml.etree._ElementUnicodeResult], _ITEMTYPES(root)):
        element = value.getparent()
        if element is not None and itemtype.search(value):
            yield element


def _entry(item: Element) -> RawEntry:
    published_text = _prop(item, "datePublished")
    published = parse_loose(published_text)
    headline = _prop_tag(item, "headline")
    # An element with no children is falsy in lxml: test for None, never for truth.
    body = _prop_tag(item, "articleBody")
    if body is None:
        body = _prop_tag(item, "text")
    anchor = item.get("id")
    return RawEntry(
        body=element_text(body) if body is not None else "",
        headline=words_of(headline) or None if headline is not None else None,
        local_time=published,
        time_text=published_text,
        precision="second" if published else "none",
        anchor=anchor if isinstance(anchor, str) and anchor else None,
        updated_at=parse_loose(_prop(item, "dateModified")),
        authors=tuple(a for a in (words_of(n) for n in _props(item, "author")) if a),
    )


def _prop(item: Element, name: str) -> str | None:
    tag = _prop_tag(item, name)
    if tag is None:
        return None
    for attribute in ("content", "datetime"):
        value = tag.get(attribute)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return words_of(tag) or None


def _prop_tag(item: Element, name: str) -> Element | None:
    found = _props(item, name)
    return found[0] if found else None


def _props(item: Element, name: str) -> list[Element]:
    """Properties of this item, not of items nested in it."""
    return [
        node for node in item.iterfind(f".//*[@itemprop='{name}']") if _scope(node) in (item, None)
    ]


def _scope(node: Element) -> Element | None:
    return next((a for a in node.iterancestors() if a.get("itemscope") is not None), None)
