"""schema.org microdata: an `itemtype` LiveBlogPosting whose updates are `itemprop`
BlogPosting items (or any items carrying `datePublished`)."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Tag

from pipeline.parse.context import RawEntry
from pipeline.parse.html_text import element_text, tidy
from pipeline.timeparse import parse_loose

_LIVE_BLOG = re.compile(r"schema\.org/LiveBlogPosting", re.I)
_POSTING = re.compile(r"schema\.org/(?:BlogPosting|NewsArticle|Article|SocialMediaPosting)", re.I)


def microdata_entries(soup: BeautifulSoup) -> list[RawEntry]:
    blog = soup.find(True, attrs={"itemtype": _LIVE_BLOG})
    if not isinstance(blog, Tag):
        return []
    items = blog.find_all(True, attrs={"itemprop": "liveBlogUpdate"}) or blog.find_all(
        True, attrs={"itemtype": _POSTING}
    )
    return [_entry(item) for item in items if isinstance(item, Tag)]


def _entry(item: Tag) -> RawEntry:
    published_text = _prop(item, "datePublished")
    published = parse_loose(published_text)
    headline = _prop_tag(item, "headline")
    body = _prop_tag(item, "articleBody") or _prop_tag(item, "text")
    anchor = item.get("id")
    return RawEntry(
        body=element_text(body) if body else "",
        headline=tidy(headline.get_text(" ")) or None if headline else None,
        local_time=published,
        time_text=published_text,
        precision="second" if published else "none",
        anchor=anchor if isinstance(anchor, str) and anchor else None,
        updated_at=parse_loose(_prop(item, "dateModified")),
        authors=tuple(
            tidy(a.get_text(" ")) for a in _props(item, "author") if a.get_text().strip()
        ),
    )


def _prop(item: Tag, name: str) -> str | None:
    tag = _prop_tag(item, name)
    if tag is None:
        return None
    for attribute in ("content", "datetime"):
        value = tag.get(attribute)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return tidy(tag.get_text(" ")) or None


def _prop_tag(item: Tag, name: str) -> Tag | None:
    found = _props(item, name)
    return found[0] if found else None


def _props(item: Tag, name: str) -> list[Tag]:
    """Properties of this item, not of items nested in it."""
    return [
        tag
        for tag in item.find_all(True, attrs={"itemprop": name})
        if isinstance(tag, Tag) and tag.find_parent(attrs={"itemscope": True}) in (item, None)
    ]
