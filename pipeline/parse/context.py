"""What every format parser needs to know about the page it is reading."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urldefrag

from pipeline import identity
from pipeline.models import Entry, Precision
from pipeline.timeparse import is_future, parse_with_library, to_utc


@dataclass(frozen=True, slots=True)
class PageContext:
    url: str
    fetched_at: datetime
    tz: str
    language: str | None
    tz_source: str = "default"  # configured | tld | language | default

    @property
    def page_key(self) -> str:
        return urldefrag(self.url)[0]


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
    twinned: bool = False  # a structured entry the HTML also renders (merge)


def build_entries(raws: list[RawEntry], ctx: PageContext) -> list[Entry]:
    """Turn raw entries into `Entry` records in page order."""
    return [_build(raw, ctx, position) for position, raw in enumerate(raws)]


def _build(raw: RawEntry, ctx: PageContext, position: int) -> Entry:
    if raw.local_time is None and raw.time_text:
        _read_with_library(raw, ctx)
    published, flags = (None, ()) if raw.local_time is None else to_utc(raw.local_time, ctx.tz)
    if published is not None and is_future(published, ctx.fetched_at):
        flags = (*flags, "future")
    url = raw.url or (f"{ctx.page_key}#{raw.anchor}" if raw.anchor else ctx.page_key)
    return Entry(
        entry_id=identity.entry_id(
            ctx.page_key,
            anchor=raw.anchor,
            headline=raw.headline,
            published_at=published,
            body=raw.body,
        ),
        url=url,
        published_at=published,
        updated_at=to_utc(raw.updated_at, ctx.tz)[0] if raw.updated_at else None,
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
    )


def _read_with_library(raw: RawEntry, ctx: PageContext) -> None:
    """Time text no format parser could read (a `datePublished` in words, a clock in
    another language): the library parser, as the last resort."""
    found = parse_with_library(raw.time_text or "", ctx.language, ctx.fetched_at, ctx.tz)
    if found is not None:
        raw.local_time, raw.precision = found
