"""Stable entry ids and content hashes.

An entry keeps its id across fetches and edits: the page's own anchor (JSON-LD `@id`,
DOM id, URL fragment) when it has one, else a hash of page + normalised headline +
minute, else a hash of the content. The page key is the page URL without fragment, so
ids are unique across sources without the parser knowing the source id.
"""

from __future__ import annotations

import hashlib
import unicodedata
from datetime import datetime


def normalise(text: str | None) -> str:
    """Case-, width- and whitespace-insensitive form used for hashing."""
    if not text:
        return ""
    # str.split() splits on exactly the characters `\s` matches, and is faster.
    return " ".join(unicodedata.normalize("NFKC", text).split()).casefold()


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:24]


def entry_id(
    page_key: str,
    *,
    anchor: str | None,
    headline: str | None,
    published_at: datetime | None,
    body: str,
) -> str:
    """The id an entry keeps for its whole life."""
    if anchor:
        return _digest(page_key, "anchor", anchor)
    if headline:
        minute = published_at.strftime("%Y-%m-%dT%H:%M") if published_at else ""
        return _digest(page_key, "headline", normalise(headline), minute)
    return _digest(page_key, "content", normalise(body))


def content_hash(headline: str | None, body: str) -> str:
    """What counts as an edit: a change of headline or body text, not of markup."""
    return _digest(normalise(headline), normalise(body))
