"""What every format parser needs to know about the page it is reading."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urldefrag

from pipeline.models import Entry, Precision, TzSource
from pipeline.parse import identity
from pipeline.parse.html_text import Element
from pipeline.parse.timeparse import is_future, parse_with_library, to_utc


@dataclass(frozen=True, slots=True)
class PageContext:
    url: str
    fetched_at: datetime
    tz: str
    language: str | None
    canonical: str | None = None  # the page's canonical link or og:url
    tz_source: TzSource = "default"  # how `tz` was found (`zones.page_zone`)

    @property
    def page_url(self) -> str:
        return urldefrag(self.url)[0]

    @property
    def page_key(self) -> str:
        """What entry ids hash: the page's identity, not the URL as fetched."""
        return identity.page_key(self.url, self.canonical)


@dataclass(slots=True)
class RawEntry:
    """An entry as a format parser found it, before ids, hashes and UTC conversion."""

    body: str
    headline: str | None = None
    local_time: datetime | None = None  # naive = wall clock in the page's zone; aware = exact
    time_text: str | None = None
    precision: Precision = "none"
    anchor: str | None = None
    url: str | None = None  # the entry's own link (feeds); default: page URL + #anchor
    updated_at: datetime | None = None  # naive = wall clock, as local_time
    authors: tuple[str, ...] = ()
    pinned: bool = False
    key_event: bool = False
    summary: bool = False
    zone: str | None = None  # the zone of this entry's wall clock, when not the page's
    tz_source: TzSource | None = None  # how `zone` (or an aware time's offset) was found
    node: Element | None = None  # the element the entry was read from, if rendered
    twinned: bool = False  # a structured entry the HTML also renders (merge)


def build_entries(raws: list[RawEntry], ctx: PageContext) -> list[Entry]:
    """Turn raw entries into `Entry` records in page order, each id unique on the page."""
    # The ids come first, from the UTC times, so that each Entry is made once (a
    # `dataclasses.replace` per entry cost a quarter of this function).
    times = [_times(raw, ctx) for raw in raws]
    parts = [
        identity.IdParts(raw.anchor, raw.headline, published, raw.body)
        for raw, (published, _) in zip(raws, times, strict=True)
    ]
    ids = identity.entry_ids(ctx.page_key, parts)
    page_url = ctx.page_url
    return [
        _build(raw, ctx, position, entry_id, timed, page_url)
        for position, (raw, entry_id, timed) in enumerate(zip(raws, ids, times, strict=True))
    ]


def _times(raw: RawEntry, ctx: PageContext) -> tuple[datetime | None, tuple[str, ...]]:
    """The entry's time in UTC and its flags (`future`)."""
    if raw.local_time is None and raw.time_text:
        _read_with_library(raw, ctx)
    if raw.local_time is None:
        return None, ()
    published, flags = to_utc(raw.local_time, raw.zone or ctx.tz)
    if published is not None and is_future(published, ctx.fetched_at):
        flags = (*flags, "future")
    return published, flags


def _build(
    raw: RawEntry,
    ctx: PageContext,
    position: int,
    entry_id: str,
    timed: tuple[datetime | None, tuple[str, ...]],
    page_url: str,
) -> Entry:
    published, flags = timed
    zone = raw.zone or ctx.tz
    url = raw.url or (f"{page_url}#{raw.anchor}" if raw.anchor else page_url)
    return Entry(
        entry_id=entry_id,
        url=url,
        published_at=published,
        updated_at=to_utc(raw.updated_at, zone)[0] if raw.updated_at else None,
        time_text=raw.time_text,
        time_precision=raw.precision if published else "none",
        headline=raw.headline,
        body=raw.body,
        content_hash=identity.content_hash(raw.headline, raw.body),
        position=position,
        authors=raw.authors,
        language=ctx.language,
        pinned=raw.pinned,
        key_event=raw.key_event,
        summary=raw.summary,
        time_flags=flags,
        tz_source=_tz_source(raw, ctx) if published else None,
    )


def _tz_source(raw: RawEntry, ctx: PageContext) -> TzSource:
    """A time that states its offset needed no zone: it counts as the page's offset."""
    if raw.tz_source is not None:
        return raw.tz_source
    aware = raw.local_time is not None and raw.local_time.tzinfo is not None
    return "page_offset" if aware else ctx.tz_source


def _read_with_library(raw: RawEntry, ctx: PageContext) -> None:
    """Time text no format parser could read (a `datePublished` in words, a clock in
    another language): the library parser, as the last resort. It reads in the entry's
    zone and answers in UTC, so the zone's source is recorded here."""
    zone = raw.zone or ctx.tz
    found = parse_with_library(raw.time_text or "", ctx.language, ctx.fetched_at, zone)
    if found is not None:
        raw.local_time, raw.precision = found
        raw.tz_source = raw.tz_source or ctx.tz_source
