"""The records that travel between stages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

Precision = Literal["second", "minute", "day", "none"]
# How the zone of an entry's time was found (`pipeline.parse.zones`).
TzSource = Literal[
    "configured", "prose", "page_offset", "abbreviation", "tld", "language", "default"
]


@dataclass(frozen=True, slots=True)
class Validators:
    """What we remember of the last successful fetch of a source."""

    etag: str | None = None
    last_modified: str | None = None
    sha256: str | None = None
    # Rendering (pipeline.fetch.render): what `render: auto` decided (browser | static)
    # and when (ISO 8601, so shards stay JSON), and the hash of the rendered entries a
    # rendered source last staged: its shell may never change while its entries do.
    render_mode: str | None = None
    render_checked_at: str | None = None
    render_sha256: str | None = None


@dataclass(frozen=True, slots=True)
class SourceState:
    """What the warehouse knows of a source when a cycle is planned."""

    validators: Validators = field(default_factory=Validators)
    last_fetched_at: datetime | None = None  # newest fetch, successful or not
    # Publication time of the newest entry known: a page 1 whose oldest entry is newer
    # shows a gap, and the fetch goes deeper (pipeline.fetch.pagination).
    newest_entry_at: datetime | None = None
    status: str = "live"  # live | ended (pipeline.discover.lifecycle)
    entry_times: tuple[datetime, ...] = ()  # newest entries' times, for poll_interval: auto


@dataclass(frozen=True, slots=True)
class DiscoveryState:
    """What the warehouse remembers of discovery: the tickers found on each outlet
    (source id → URL), every item URL already classified, the listings' validators."""

    tickers: dict[str, dict[str, str]] = field(default_factory=dict)
    classified: dict[str, set[str]] = field(default_factory=dict)
    feeds: dict[tuple[str, str], Validators] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Entry:
    """One ticker entry as seen on one fetch of a page."""

    entry_id: str
    url: str
    published_at: datetime | None
    time_text: str | None
    time_precision: Precision
    headline: str | None
    body: str
    content_hash: str
    position: int
    updated_at: datetime | None = None
    authors: tuple[str, ...] = ()
    language: str | None = None
    pinned: bool = False
    key_event: bool = False
    summary: bool = False
    time_flags: tuple[str, ...] = ()
    tz_source: TzSource | None = None  # None when the entry has no time


@dataclass(slots=True)
class ParsedPage:
    """A page split into entries, with what the page says about itself."""

    url: str
    parser: str
    is_liveblog: bool
    entries: list[Entry]
    title: str | None = None
    canonical_url: str | None = None
    published_at: datetime | None = None
    modified_at: datetime | None = None
    language: str | None = None
    warnings: list[str] = field(default_factory=list)
    # How the entries were found, for operators (pipeline.parse.health): entries in
    # schema.org data, entries the HTML renders, structured entries with a rendered twin,
    # and the zone wall-clock times were read in with how that zone was chosen.
    structured_count: int = 0
    rendered_count: int = 0
    matched_count: int = 0
    tz: str | None = None
    tz_source: str | None = None
    # Links to the ticker's other pages, likeliest older page first (parse.pagination),
    # and those among them that say they lead to older entries (rel=next, "older").
    older_pages: list[str] = field(default_factory=list)
    next_pages: list[str] = field(default_factory=list)
