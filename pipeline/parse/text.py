"""Plain-text tickers: a title line, time lines (`14.08.2025 21:15 Uhr`, the seed corpus
form, or any other a time marker reads whole: `Aug. 15, 2025, 9:04 AM EDT`, `Heute,
11:04 Uhr`), short headline lines each followed by paragraphs.

A headline is a short single-line block that does not end like a sentence and is followed
by a body block; a short line followed by another headline is the tail of the previous
entry (e.g. "Die Analyse … können Sie hier nachlesen").
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from pipeline.models import ParsedPage
from pipeline.parse.context import PageContext, RawEntry, build_entries
from pipeline.parse.markers import moment_on, printed_day, read_marker
from pipeline.parse.timeparse import YEARS

_BLANK = re.compile(r"\n\s*\n")
_SENTENCE_END = tuple('.:;,"“”»«)')
_BULLETS = tuple("•-*–·")
MAX_HEADLINE = 160
_MAX_TIME_LINE = 60


def split_blocks(text: str) -> list[str]:
    """Paragraph blocks with internal line breaks folded and outer space stripped."""
    blocks = (" ".join(line.strip() for line in b.splitlines()) for b in _BLANK.split(text))
    return [b.strip() for b in blocks if b.strip()]


def looks_like_headline(block: str, ctx: PageContext) -> bool:
    return (
        len(block) <= MAX_HEADLINE
        and not block.endswith(_SENTENCE_END)
        and not block.startswith(_BULLETS)
        and time_line(block, ctx) is None
    )


def time_line(block: str, ctx: PageContext) -> datetime | None:
    """The time a block states when it is nothing but a time marker; a clock alone, or
    after "today"/"yesterday", takes its day from the fetch."""
    if len(block) > _MAX_TIME_LINE:
        return None
    marker = read_marker(block, ctx.fetched_at, whole=True, language=ctx.language)
    if marker is None or marker.rest:
        return None
    fetch_day = ctx.fetched_at.astimezone(ZoneInfo(ctx.tz)).date()
    moment = moment_on(marker, printed_day(marker, fetch_day, fetch_day) or fetch_day)
    return moment if moment is not None and moment.year in YEARS else None


def parse_text(text: str, ctx: PageContext) -> ParsedPage:
    blocks = split_blocks(text.replace("\r\n", "\n"))
    title = blocks[0] if blocks else None
    raws = _entries(blocks[1:], ctx)
    page = ParsedPage(
        url=ctx.url,
        parser="text",
        is_liveblog=len(raws) > 1,
        entries=build_entries(raws, ctx),
        title=title,
        language=ctx.language,
        tz=ctx.tz,
        tz_source=ctx.tz_source,
    )
    if not raws:
        page.warnings.append("no entries found in plain text")
    return page


def _entries(blocks: list[str], ctx: PageContext) -> list[RawEntry]:
    raws: list[RawEntry] = []
    pending_time: tuple[str, RawEntry] | None = None
    for index, block in enumerate(blocks):
        stamp = time_line(block, ctx)
        if stamp is not None:
            pending_time = (block, RawEntry(body="", local_time=stamp, precision="minute"))
        elif _is_headline_at(blocks, index, ctx):
            time_text, timed = pending_time or (None, RawEntry(body=""))
            raws.append(_new_entry(block, time_text, timed))
            pending_time = None
        elif raws:
            raws[-1].body = f"{raws[-1].body}\n\n{block}".strip()
    return raws


def _is_headline_at(blocks: list[str], index: int, ctx: PageContext) -> bool:
    if not looks_like_headline(blocks[index], ctx):
        return False
    following = blocks[index + 1] if index + 1 < len(blocks) else None
    return (
        following is not None
        and not looks_like_headline(following, ctx)
        and time_line(following, ctx) is None
    )


def _new_entry(headline: str, time_text: str | None, timed: RawEntry) -> RawEntry:
    return RawEntry(
        body="",
        headline=headline,
        local_time=timed.local_time,
        time_text=time_text,
        precision=timed.precision,
    )
