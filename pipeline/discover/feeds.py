"""Item URLs from an outlet's listings: RSS/Atom feeds (feedparser), news sitemaps and
sitemap indexes, or section pages (their links). Which one a body is, is read from the
body itself, never from its URL. Gzipped sitemaps are decompressed within a cap; a
sitemap index's children are returned for the caller to fetch, nesting bounded by
`MAX_DEPTH` and loops cut by the URLs already visited."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from urllib.parse import urldefrag, urljoin, urlsplit

import feedparser
import lxml.etree
import lxml.html

from pipeline.errors import FeedError

MAX_DEPTH = 3  # sitemap index → sitemap index → sitemap
MAX_CHILDREN = 50  # sitemaps followed from one index
MAX_ITEMS = 2000  # item URLs taken from one listing
MAX_INFLATED = 20 * 1024 * 1024
_SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@dataclass(frozen=True, slots=True)
class Listing:
    """What one listing body holds: item URLs, and (sitemap indexes) child sitemaps."""

    items: list[str] = field(default_factory=list)
    children: list[str] = field(default_factory=list)


def inflate(body: bytes, url: str, source_id: str) -> bytes:
    """A gzip body decompressed, refusing to grow past `MAX_INFLATED` (gzip bombs)."""
    if not body.startswith(b"\x1f\x8b"):
        return body
    inflater = zlib.decompressobj(wbits=31)
    try:
        out = inflater.decompress(body, MAX_INFLATED)
    except zlib.error as exc:
        raise FeedError(source_id, url, f"broken gzip: {exc}") from exc
    if inflater.unconsumed_tail:
        raise FeedError(source_id, url, f"inflates past {MAX_INFLATED} bytes")
    if not inflater.eof:
        raise FeedError(source_id, url, "broken gzip: truncated")
    return out


def read_listing(body: bytes, url: str, source_id: str) -> Listing:
    """The items (and child sitemaps) of a feed, sitemap or section page."""
    body = inflate(body, url, source_id)
    head = body[:2048].lstrip().lower()
    if b"<urlset" in head or b"<sitemapindex" in head:
        return _sitemap(body, url, source_id)
    if b"<rss" in head or b"<feed" in head or b"<rdf" in head:
        return _feed(body, url)
    if b"<html" in head or b"<!doctype html" in head:
        return Listing(items=_links(body, url))
    raise FeedError(source_id, url, "neither a feed, a sitemap nor an HTML page")


def _sitemap(body: bytes, url: str, source_id: str) -> Listing:
    parser = lxml.etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = lxml.etree.fromstring(body, parser)
    except lxml.etree.XMLSyntaxError as exc:
        raise FeedError(source_id, url, f"malformed sitemap: {exc}") from exc
    locs = [
        urljoin(url, (loc.text or "").strip())
        for loc in root.iter(f"{_SITEMAP_NS}loc", "loc")
        if (loc.text or "").strip()
    ]
    if root.tag.endswith("sitemapindex"):
        return Listing(children=locs[:MAX_CHILDREN])
    return Listing(items=locs[:MAX_ITEMS])


def _feed(body: bytes, url: str) -> Listing:
    parsed = feedparser.parse(body)
    links = [urljoin(url, str(e.get("link"))) for e in parsed.entries if e.get("link")]
    return Listing(items=links[:MAX_ITEMS])


def _links(body: bytes, url: str) -> list[str]:
    root = lxml.html.fromstring(body)
    hrefs = [a.get("href") for a in root.iter("a")]
    links = (urldefrag(urljoin(url, str(h))).url for h in hrefs if h)
    return list(dict.fromkeys(u for u in links if urlsplit(u).scheme in ("http", "https")))[
        :MAX_ITEMS
    ]
