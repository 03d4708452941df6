"""The discovery step of a cycle: read every outlet's listings (conditional GET through
the shared `Fetcher`, so robots, politeness, the address guard and size caps apply),
classify the item URLs not seen before, and return the outlet's tickers as sources.

New tickers' classification fetches are handed back so the cycle stages them as the
ticker's first ingest: a ticker is loaded in the cycle it appears, without a second
request. Every failure (a malformed or huge listing, a looping sitemap index, an item on
another host, a private address) is one row of the fetch log; the cycle goes on."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from pipeline.discover.classify import check_order, ticker_id, url_hash, verdict
from pipeline.discover.feeds import MAX_DEPTH, read_listing
from pipeline.errors import FeedError, SourceError
from pipeline.fetch.client import Fetcher, FetchResult
from pipeline.models import DiscoveryState, ParsedPage, Validators
from pipeline.parse import parse_page
from pipeline.parse.identity import page_key
from pipeline.sources import Outlet, Source

MAX_CLASSIFY = 30  # new items classified per outlet and cycle; the rest wait a cycle


@dataclass(slots=True)
class Discovered:
    """What one discovery step found, for the cycle to plan and stage."""

    tickers: list[Source] = field(default_factory=list)  # every ticker of every outlet
    new: dict[str, list[FetchResult]] = field(default_factory=dict)  # first fetches
    log: list[FetchResult] = field(default_factory=list)  # listing and article fetches
    verdicts: list[dict[str, object]] = field(default_factory=list)
    feeds: list[dict[str, object]] = field(default_factory=list)  # new listing validators


def ticker_source(outlet: Outlet, source_id: str, url: str) -> Source:
    """A discovered ticker as a source: it inherits the outlet's settings."""
    return Source(
        source_id,
        url,
        timezone=outlet.timezone,
        language=outlet.language,
        allow_private=outlet.allow_private,
        poll_interval=outlet.poll_interval,
        outlet_id=outlet.outlet_id,
        adaptive=outlet.poll_interval is None,
    )


def discover(
    outlets: Sequence[Outlet], fetcher: Fetcher, memory: DiscoveryState, *, now: datetime
) -> Discovered:
    """Every outlet's tickers, and its new items classified. Items are told apart by
    their page key, as ticker ids are: a page listed under another URL (scheme, port,
    tracking parameters) is not classified again."""
    found = Discovered()
    for outlet in outlets:
        known = memory.tickers.get(outlet.outlet_id, {})
        items = list(dict.fromkeys(_listed_items(outlet, fetcher, memory, found, now)))
        found.tickers += _known_tickers(outlet, known, items)
        classified = memory.classified.get(outlet.outlet_id, set()) | set(known.values())
        seen = {page_key(url) for url in classified}
        for url in check_order(_new_pages(items, seen))[:MAX_CLASSIFY]:
            _classify(outlet, url, fetcher, found, now)
    return found


def _known_tickers(outlet: Outlet, known: dict[str, str], items: list[str]) -> list[Source]:
    """The outlet's tickers as sources. One that the listings no longer name by its URL
    but by another URL of the same page follows the listed URL: its old one may lead
    nowhere now (the site moved to https, the replay server to another port)."""
    listed = set(items)
    moved = {ticker_id(outlet.outlet_id, url): url for url in items}
    return [
        ticker_source(outlet, sid, url if url in listed else moved.get(sid, url))
        for sid, url in known.items()
    ]


def _new_pages(items: list[str], seen: set[str]) -> list[str]:
    """The first listed URL of each page not classified yet."""
    fresh: dict[str, str] = {}
    for url in items:
        if (key := page_key(url)) not in seen:
            fresh.setdefault(key, url)
    return list(fresh.values())


def listing_id(outlet: Outlet, url: str) -> str:
    """The fetch-log id of a listing (never a source); like a ticker id, from its page key."""
    return f"{outlet.outlet_id}~listing-{url_hash(url)}"


def _listed_items(
    outlet: Outlet, fetcher: Fetcher, memory: DiscoveryState, found: Discovered, now: datetime
) -> list[str]:
    """Item URLs of every listing that changed; sitemap indexes followed breadth first,
    at most `MAX_DEPTH` deep, each URL once (an index that loops back is an error)."""
    items: list[str] = []
    queue = deque((url, 0) for url in outlet.feeds)
    visited: set[str] = set()
    while queue:
        url, depth = queue.popleft()
        visited.add(url)
        source = Source(listing_id(outlet, url), url, allow_private=outlet.allow_private)
        validators = memory.feeds.get((outlet.outlet_id, url), Validators())
        attempts = fetcher.fetch(source, validators, now=now)
        found.log += attempts
        final = attempts[-1]
        if final.body is None or final.sha256 == validators.sha256:
            continue  # 304, unchanged body or failed: nothing new listed
        try:
            listing = read_listing(final.body, url, source.source_id)
            for child in listing.children:
                if child in visited:
                    raise FeedError(source.source_id, url, f"sitemap index loops back to {child}")
                if depth + 1 > MAX_DEPTH:
                    raise FeedError(source.source_id, url, f"nests deeper than {MAX_DEPTH}")
                queue.append((child, depth + 1))
        except (FeedError, ValueError) as exc:
            _fail(final, exc)
            continue
        items += listing.items
        found.feeds.append(
            {
                "outlet_id": outlet.outlet_id,
                "feed_url": url,
                "fetched_at": final.fetched_at,
                "etag": final.etag,
                "last_modified": final.last_modified,
                "sha256": final.sha256,
            }
        )
    return items


def _classify(outlet: Outlet, url: str, fetcher: Fetcher, found: Discovered, now: datetime) -> None:
    """Fetch a new item once and remember whether it is a ticker."""
    source = ticker_source(outlet, ticker_id(outlet.outlet_id, url), url)
    host = (urlsplit(url).hostname or "").lower()
    if host not in outlet.hosts:
        refused = FetchResult(source.source_id, url, now, error_class="OffOutletHostError")
        refused.error = f"source {source.source_id!r} ({url}): host {host!r} is not the outlet's"
        found.log.append(refused)
        _remember(found, outlet, source, "article", f"off-outlet host {host}", now)
        return
    attempts = fetcher.fetch(source, Validators(), now=now)
    final = attempts[-1]
    if final.body is None:
        found.log += attempts
        _remember(found, outlet, source, "error", final.error_class or "no body", now)
        return
    page = _parse(source, final)
    kind, reason = verdict(final.body, page)
    _remember(found, outlet, source, kind, reason, now)
    if kind == "ticker":
        found.tickers.append(source)
        found.new[source.source_id] = attempts
    else:
        found.log += attempts


def _parse(source: Source, result: FetchResult) -> ParsedPage | None:
    try:
        return parse_page(
            result.body or b"",
            result.final_url or source.url,
            fetched_at=result.fetched_at,
            headers=result.headers,
            tz=source.timezone,
            language=source.language,
        )
    except Exception:  # a parser bug leaves only the markup test; the cycle goes on
        return None


def _remember(
    found: Discovered, outlet: Outlet, source: Source, kind: str, reason: str, now: datetime
) -> None:
    found.verdicts.append(
        {
            "outlet_id": outlet.outlet_id,
            "url": source.url,
            "source_id": source.source_id,
            "verdict": kind,
            "reason": reason,
            "checked_at": now,
        }
    )


def _fail(result: FetchResult, exc: Exception) -> None:
    result.error_class = type(exc).__name__
    result.error = str(exc) if isinstance(exc, SourceError) else f"{result.url}: {exc}"
