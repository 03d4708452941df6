"""Ticker or not: a page is a live ticker when it carries `LiveBlogPosting` data or when
generic detection (`parse_page(...).is_liveblog`) reads it as one. URL words only order
which new items are checked first; they never decide."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from pipeline.models import ParsedPage
from pipeline.parse.identity import page_key

_LIVE_WORDS = re.compile(r"live|liveblog|liveticker|newsblog|ticker", re.IGNORECASE)


def ticker_id(outlet_id: str, url: str) -> str:
    """The stable source id of an item: the outlet and a hash of its page key (the URL
    without scheme, port, `www.`, fragment and tracking parameters), so a page listed
    under http and https, with a campaign tag, or from a server on another port keeps
    its id, as its entries keep theirs (`pipeline.parse.identity`)."""
    return f"{outlet_id}-{url_hash(url)}"


def url_hash(url: str) -> str:
    """12 hex digits of the page key's sha256."""
    return hashlib.sha256(page_key(url).encode()).hexdigest()[:12]


def check_order(urls: Iterable[str]) -> list[str]:
    """New items, the ones whose URL suggests a ticker first (stable otherwise)."""
    return sorted(urls, key=lambda u: not _LIVE_WORDS.search(u))


def verdict(body: bytes, page: ParsedPage | None) -> tuple[str, str]:
    """('ticker' | 'article', how it was decided)."""
    if b"LiveBlogPosting" in body:
        return "ticker", "LiveBlogPosting"
    if page is not None and page.is_liveblog:
        return "ticker", f"detected ({page.parser})"
    return "article", "no ticker markup or structure"
