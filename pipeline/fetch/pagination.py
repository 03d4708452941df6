"""Going deep: reading a paginated ticker's older pages when that is worth the requests.

Many live blogs show only their newest entries and link older ones as further pages
(`pipeline.parse.pagination` finds those links). Reading them costs a request each, so a
fetch goes beyond page 1 only when page 1 changed and

- no entry of the ticker is known yet (its first fetch: read its history), or
- page 1 shows a gap: its oldest entry is newer than the newest entry already known, so
  entries may have slid past page 1 between two polls. The pages are then read until one
  reaches the known entries again.

An unchanged page 1 (304, same body) costs its one request, as always. The follow stops
when no older link is left (the whole ticker was read), at the source's `max_pages`, when
the cycle's page budget (`TICKERLAKE_PAGE_BUDGET`, shared by all sources a `PageBudget`
is handed to) is spent, at a link to a page already read (a loop), or at a page that
brings no new entry; the last four with a warning or an info line, never a hang. Every
page goes through the same `Fetcher` as page 1 (politeness, robots.txt, the private-address
guard, size limits) and into the raw archive. Entries of deeper pages are parsed against
the ticker's URL, so an entry keeps its id when it slides from page 1 to page 2.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from urllib.parse import urldefrag

from pipeline.fetch import archive
from pipeline.fetch.client import Fetcher, FetchResult
from pipeline.models import Entry, ParsedPage, SourceState, Validators
from pipeline.parse import parse_page
from pipeline.parse.pagination import page_number
from pipeline.sources import Source

__all__ = ["DeepFetch", "Follower", "History", "PageBudget", "oldest_shown", "to_the_end"]

log = logging.getLogger(__name__)


class PageBudget:
    """Deeper pages (beyond page 1) that may still be fetched; shared by threads."""

    def __init__(self, pages: int) -> None:
        self._left = max(0, pages)
        self._lock = threading.Lock()

    def take(self) -> bool:
        """One page from the budget; False when it is spent."""
        with self._lock:
            if self._left <= 0:
                return False
            self._left -= 1
            return True

    @property
    def left(self) -> int:
        with self._lock:
            return self._left


@dataclass(frozen=True, slots=True)
class History:
    """What the warehouse knows of a source's entries when its fetch is planned."""

    known: bool = False  # any live entry
    newest_entry_at: datetime | None = None  # the newest live entry's publication time

    @classmethod
    def of(cls, state: SourceState) -> History:
        return cls(bool(state.entry_times), state.newest_entry_at)

    def to_spec(self) -> dict[str, Any]:
        """JSON-safe (the plan travels through Airflow's XCom)."""
        newest = self.newest_entry_at.isoformat() if self.newest_entry_at else None
        return {"known": self.known, "newest_entry_at": newest}

    @classmethod
    def from_spec(cls, spec: dict[str, Any] | None) -> History:
        """A plan made before pagination carries none: then the ticker counts as known
        (no gap is seen), so such a fetch stays on page 1 as it did."""
        if spec is None:
            return cls(known=True)
        newest = spec.get("newest_entry_at")
        return cls(bool(spec.get("known")), datetime.fromisoformat(newest) if newest else None)


def oldest_shown(entries: list[Entry]) -> datetime | None:
    """The oldest time a page shows: pinned and summary entries sit on top whatever their
    age, so they are left out (as the loader leaves them out of what a page vouches for)."""
    times = [e.published_at for e in entries if e.published_at and not (e.pinned or e.summary)]
    return min(times, default=None)


def goes_deep(source: Source, page: ParsedPage, history: History) -> tuple[bool, datetime | None]:
    """Whether to follow page 1's older links, and until which known entry time (None:
    to the end of the ticker)."""
    if source.max_pages <= 1 or not page.older_pages or not page.entries:
        return False, None
    if not history.known:
        return True, None
    oldest, newest = oldest_shown(page.entries), history.newest_entry_at
    gap = oldest is not None and newest is not None and oldest > newest
    return gap, newest


@dataclass(slots=True)
class DeeperPage:
    """One older page of a fetch: its attempts (the last is the outcome) and its parse."""

    page_no: int
    attempts: list[FetchResult]
    page: ParsedPage | None


@dataclass(slots=True)
class DeepFetch:
    """The older pages one fetch read after page 1 (`first`), and whether it read the
    ticker to its end."""

    source: Source
    first: FetchResult
    pages: list[DeeperPage] = field(default_factory=list)
    whole: bool = False


def to_the_end(page: ParsedPage) -> bool:
    """A page that links no older page is the ticker's last (or only) one."""
    return not page.older_pages


class Follower:
    """Reads older pages for the sources of one shard on the shard's pool: `consider` each
    source once its page 1 is parsed, then collect the results with `done`."""

    def __init__(
        self,
        fetcher: Fetcher,
        pool: Executor,
        budget: PageBudget,
        *,
        archive_dir: archive.Root,
        now: datetime,
    ) -> None:
        self.fetcher, self.pool, self.budget = fetcher, pool, budget
        self.archive_dir, self.now = archive_dir, now
        self._pending: list[Future[DeepFetch]] = []

    def consider(
        self, source: Source, first: FetchResult, page: ParsedPage | None, history: History
    ) -> None:
        """Start following `page`'s older links if this fetch should go deep."""
        if page is None:
            return
        deep, until = goes_deep(source, page, history)
        if deep:
            self._pending.append(self.pool.submit(self.follow, source, first, page, until))

    def done(self) -> list[DeepFetch]:
        """Every follow started, in the order they were started (waits for them)."""
        return [future.result() for future in self._pending]

    def follow(
        self, source: Source, first: FetchResult, page: ParsedPage, until: datetime | None
    ) -> DeepFetch:
        """Read older pages from `page` (page 1) on: see the module docstring for when
        this stops. `until`: stop at the first page reaching entries that old."""
        ticker = first.final_url or source.url
        walk = _Walk(ticker, {_key(source.url), _key(ticker), _key(page.url)}, page)
        result = DeepFetch(source, first)
        while (url := walk.next_link(source)) is not None:
            if not self._may_fetch(source, walk.page_no):
                return result
            deeper = self._fetch_page(source, url, ticker, walk.page_no + 1)
            result.pages.append(deeper)
            if not walk.read(source, deeper) or _reaches(deeper.page, until):
                return result
        result.whole = not walk.looped
        return result

    def _may_fetch(self, source: Source, read: int) -> bool:
        if read >= source.max_pages:
            log.warning(
                "source %s (%s): stopped after max_pages=%d pages; older pages not read",
                source.source_id,
                source.url,
                source.max_pages,
            )
            return False
        if not self.budget.take():
            log.warning(
                "source %s (%s): the cycle's page budget is spent; stopped after %d pages",
                source.source_id,
                source.url,
                read,
            )
            return False
        return True

    def _fetch_page(self, source: Source, url: str, ticker: str, page_no: int) -> DeeperPage:
        attempts = self.fetcher.fetch(replace(source, url=url), Validators(), now=self.now)
        final = attempts[-1]
        if final.body is None:
            return DeeperPage(page_no, attempts, None)
        archive.put(self.archive_dir, final.body, final.headers.get("content-type"))
        page = parse_deeper(source, final, ticker)
        final.body = None  # archived and parsed: a long chain must not hold every body
        return DeeperPage(page_no, attempts, page)


def parse_deeper(source: Source, result: FetchResult, ticker: str) -> ParsedPage | None:
    """An older page, its entries keyed by the ticker's URL."""
    assert result.body is not None
    return parse_fetched(
        source, result, result.body, ticker, page_url=result.final_url or result.url
    )


def parse_fetched(
    source: Source, result: FetchResult, body: bytes, url: str, *, page_url: str | None = None
) -> ParsedPage | None:
    """`body` of a fetch parsed as the page at `url`, or None (the error recorded on
    `result`) when the parser fails: a parser bug must not lose the fetch."""
    try:
        return parse_page(
            body,
            url,
            fetched_at=result.fetched_at,
            headers=result.headers,
            tz=source.timezone,
            language=source.language,
            profile=source.profile,
            kind=source.kind,
            page_url=page_url,
        )
    except Exception as exc:  # logged and kept, as ParseError on the fetch
        log.exception("parse failed for source %s (%s)", source.source_id, result.url)
        result.error_class, result.error = "ParseError", f"{type(exc).__name__}: {exc}"
        return None


@dataclass(slots=True)
class _Walk:
    """Where a follow stands: the pages read (their URLs), the entries seen, the page
    whose links come next."""

    ticker: str
    seen: set[str]
    page: ParsedPage
    page_no: int = 1
    ids: set[str] = field(default_factory=set)
    looped: bool = False
    sure: bool = False  # the link followed last said it leads to older entries

    def __post_init__(self) -> None:
        self.ids = {e.entry_id for e in self.page.entries}

    def next_link(self, source: Source) -> str | None:
        """The likeliest older page not read yet. A numbered link to a page no older than
        this one points back (a pager bar lists them all), and so may an opaque one
        already read; an explicit "older" link (or a higher page number) to a page
        already read is a loop, and ends the follow with a warning."""
        own = page_number(self.page.url, self.ticker) or self.page_no
        ahead = [u for u in self.page.older_pages if (page_number(u, self.ticker) or own + 1) > own]
        fresh = [u for u in ahead if u not in self.seen]
        back = [u for u in ahead if u in self.seen and self._says_older(u)]
        if back and not fresh:
            self.looped = True
            log.warning(
                "source %s (%s): page %d links back to a page already read (%s); a loop, stopped",
                source.source_id,
                source.url,
                self.page_no,
                back[0],
            )
        self.sure = bool(fresh) and self._says_older(fresh[0])
        return fresh[0] if fresh else None

    def _says_older(self, url: str) -> bool:
        """An explicit "older" link or a numbered page: not a guess at an opaque key."""
        return url in self.page.next_pages or page_number(url, self.ticker) is not None

    def read(self, source: Source, deeper: DeeperPage) -> bool:
        """Take in an older page; False when the follow ends there (a failed fetch, a page
        without entries, or one that only repeats entries already read)."""
        self.page_no = deeper.page_no
        final = deeper.attempts[-1]
        self.seen.update(_key(u) for u in (final.url, final.final_url) if u)
        page = deeper.page
        new = [e for e in page.entries if e.entry_id not in self.ids] if page else []
        if not new:
            if page is not None and page.entries and self.sure:  # came round: a loop
                log.warning(
                    "source %s (%s): page %d (%s) only repeats entries already read; a loop, "
                    "stopped",
                    source.source_id,
                    source.url,
                    self.page_no,
                    final.url,
                )
            else:
                why = "failed" if page is None else "brought no new entry"
                log.info(
                    "source %s: page %d (%s) %s; stopped",
                    source.source_id,
                    self.page_no,
                    final.url,
                    why,
                )
            return False
        assert page is not None
        self.ids.update(e.entry_id for e in new)
        self.page = page
        return True


def _reaches(page: ParsedPage | None, until: datetime | None) -> bool:
    """The page shows an entry at least as old as `until` (the gap is closed)."""
    oldest = oldest_shown(page.entries) if page else None
    return until is not None and oldest is not None and oldest <= until


def _key(url: str) -> str:
    return urldefrag(url)[0]
