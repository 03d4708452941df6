"""Stable entry ids and content hashes.

An entry keeps its id across fetches and edits: the page's own anchor (JSON-LD `@id`,
DOM id, URL fragment) when it has one, else a hash of page + normalised headline +
minute, else a hash of the content. An id one rule gives to several entries of a page
(a shared `@id`, a repeated DOM id, two entries with the same headline and minute) is
given to none of them: those entries fall back to the next rule, and identical entries
are told apart by their order, so ids are unique within a page.

The page key is the page's canonical identity (`page_key`), not the URL as fetched: the
same ticker under another scheme, port, tracking parameter or redirect keeps its ids,
and ids are unique across sources without the parser knowing the source id.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

# Query parameters that say how a reader arrived, not which page they read.
_TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "mtm_", "hsa_", "_hs")
_TRACKING = frozenset(
    {"fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "igshid", "_ga", "_gl"}
    | {"ref", "ref_src", "cmpid", "icid", "ocid", "wt_mc", "wt.mc_id", "at_medium", "at_campaign"}
)


def normalise(text: str | None) -> str:
    """Case-, width- and whitespace-insensitive form used for hashing."""
    if not text:
        return ""
    # str.split() splits on exactly the characters `\s` matches, and is faster.
    return " ".join(unicodedata.normalize("NFKC", text).split()).casefold()


def page_key(url: str, canonical: str | None = None) -> str:
    """The page's identity: its canonical link (or `og:url`) when it names a page rather
    than a site's home, else the URL as fetched; without scheme, port, `www.`, fragment,
    trailing slash and tracking parameters, the remaining parameters sorted."""
    for candidate in (urljoin(url, canonical) if canonical else None, url):
        parts = urlsplit(candidate) if candidate else None
        if parts is not None and parts.hostname and parts.path.strip("/"):
            return _identity(parts.hostname, parts.path, parts.query)
    parts = urlsplit(url)
    return _identity(parts.hostname or "", parts.path, parts.query)


def _identity(host: str, path: str, query: str) -> str:
    kept = sorted((k, v) for k, v in parse_qsl(query, keep_blank_values=True) if _kept(k))
    path = path.rstrip("/")
    return f"{host.lower().removeprefix('www.')}{path}" + (f"?{urlencode(kept)}" if kept else "")


def _kept(name: str) -> bool:
    lowered = name.lower()
    return lowered not in _TRACKING and not lowered.startswith(_TRACKING_PREFIXES)


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:24]


@dataclass(frozen=True, slots=True)
class IdParts:
    """What an entry's id may be made of."""

    anchor: str | None
    headline: str | None
    published_at: datetime | None
    body: str


def _by_anchor(key: str, parts: IdParts) -> str | None:
    return _digest(key, "anchor", parts.anchor) if parts.anchor else None


def _by_headline(key: str, parts: IdParts) -> str | None:
    if not parts.headline:
        return None
    minute = parts.published_at.strftime("%Y-%m-%dT%H:%M") if parts.published_at else ""
    return _digest(key, "headline", normalise(parts.headline), minute)


def _by_content(key: str, parts: IdParts) -> str:
    return _digest(key, "content", normalise(parts.body))


_RULES: tuple[Callable[[str, IdParts], str | None], ...] = (_by_anchor, _by_headline, _by_content)


def entry_ids(key: str, entries: Sequence[IdParts]) -> list[str]:
    """The ids of a page's entries, in page order, each unique within the page."""
    ids: list[str | None] = [None] * len(entries)
    pending = list(range(len(entries)))
    for rule in _RULES:
        found = {index: rule(key, entries[index]) for index in pending}
        counts = Counter(found.values())
        for index, value in found.items():
            if value is not None and counts[value] == 1:
                ids[index] = value
        pending = [index for index in pending if ids[index] is None]
    # Identical entries (same content, no usable anchor or headline): their order tells
    # them apart, the first keeping the plain content id.
    seen: Counter[str] = Counter()
    for index in pending:
        content = _by_content(key, entries[index])
        ids[index] = content if not seen[content] else _digest(content, str(seen[content]))
        seen[content] += 1
    return [value for value in ids if value is not None]


def entry_id(
    key: str,
    *,
    anchor: str | None,
    headline: str | None,
    published_at: datetime | None,
    body: str,
) -> str:
    """The id an entry keeps for its whole life, when it is the page's only entry."""
    return entry_ids(key, [IdParts(anchor, headline, published_at, body)])[0]


def content_hash(headline: str | None, body: str) -> str:
    """What counts as an edit: a change of headline or body text, not of markup."""
    return _digest(normalise(headline), normalise(body))
