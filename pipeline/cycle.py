"""One ingest cycle, as stages that Airflow tasks and `tickerlake run` both call:
discover (outlets' listings, new tickers staged) → plan (read validators) →
fetch_parse_shard (per shard, no warehouse) → load (one writer).
A source whose last attempt ended in an error is a failed source (`failures`); more of
them than a tolerated share fail the cycle (`check_failures`) once its load is done.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from pipeline import stage
from pipeline.discover import lifecycle
from pipeline.discover.policy import adaptive_interval
from pipeline.discover.run import discover
from pipeline.errors import SourcesFailedError, WarehouseBusyError
from pipeline.fetch import archive, pagination, render
from pipeline.fetch.client import Fetcher, FetchResult, new_session
from pipeline.fetch.politeness import Politeness
from pipeline.models import ParsedPage, SourceState, Validators
from pipeline.parse.health import health
from pipeline.settings import FetchConfig, Settings
from pipeline.sources import Outlet, Source
from pipeline.warehouse.backend import check_writable, load_staged, read_discovery, read_state
from pipeline.warehouse.load import LoadReport

log = logging.getLogger(__name__)
SHARD_SIZE = 50
POLL_SLACK = 0.1  # of the poll interval …
MAX_POLL_SLACK = timedelta(seconds=30)  # … at most
BUSY_POLL = 0.5  # seconds between two tries of a warehouse another process writes
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class SourceFailure:
    """A source whose last fetch attempt of a cycle ended in an error."""

    source_id: str
    url: str
    error_class: str
    error: str


@dataclass(frozen=True, slots=True)
class CycleReport(LoadReport):
    """The load's counts, the number of sources fetched and those that failed."""

    sources: int = 0
    failures: tuple[SourceFailure, ...] = ()

    def counts(self) -> dict[str, int]:
        return {**LoadReport.counts(self), "failed_sources": len(self.failures)}


def is_due(source: Source, state: SourceState, now: datetime) -> bool:
    """A source with a poll_interval waits that long after its last fetch. Cycle times
    jitter (the wall clock, scheduler delays), so a fetch a few seconds early counts as
    on time: otherwise a 2-minute source on a 1-minute schedule would slip to 3 minutes.
    A discovered ticker that has ended (or gone quiet) is due once per
    `lifecycle.ENDED_REFETCH`; one on `poll_interval: auto` follows its own activity."""
    if state.last_fetched_at is None:
        return True
    if source.outlet_id is not None and (
        state.status == "ended" or lifecycle.is_quiet(state.entry_times, now)
    ):
        interval = lifecycle.ENDED_REFETCH
    elif source.adaptive:
        interval = adaptive_interval(state.entry_times, now)
    elif source.poll_interval is not None:
        interval = timedelta(seconds=source.poll_interval)
    else:
        return True
    slack = min(interval * POLL_SLACK, MAX_POLL_SLACK)
    return now - state.last_fetched_at >= interval - slack


def plan_shards(
    sources: list[Source],
    state: dict[str, SourceState],
    *,
    now: datetime,
    shard_size: int = SHARD_SIZE,
) -> list[list[dict[str, Any]]]:
    """The sources due at `now`, with their validators, as JSON-serialisable shards
    (Airflow passes them through XCom)."""
    known = {s.source_id: state.get(s.source_id, SourceState()) for s in sources}
    due = [s for s in sources if is_due(s, known[s.source_id], now)]
    if len(due) < len(sources):
        log.info(
            "%d of %d sources not due yet (poll_interval)", len(sources) - len(due), len(sources)
        )
    specs = [
        {
            "source": s.to_dict(),
            "validators": asdict(known[s.source_id].validators),
            "history": pagination.History.of(known[s.source_id]).to_spec(),
        }
        for s in due
    ]
    return [specs[i : i + shard_size] for i in range(0, len(specs), shard_size)]


def new_politeness(config: FetchConfig) -> Politeness:
    return Politeness.create(config.host_concurrency, config.host_interval, config.robots_ttl)


def fetch_parse_shard(
    shard: list[dict[str, Any]],
    settings: Settings,
    *,
    batch_id: str,
    now: datetime,
    politeness: Politeness | None = None,
    advance: Callable[[str], None] | None = None,
    budget: pagination.PageBudget | None = None,
) -> Path:
    """Fetch every source of a shard through a bounded thread pool (within the per-host
    limits of `politeness`), archive and parse the changed pages, and stage the rows as
    one batch. Parsing runs on this thread while the pool keeps fetching; `advance` hears
    each source id as it is staged. A changed page 1 that should be read deeper has its
    older pages followed on the pool (`pipeline.fetch.pagination`, within `budget`: the
    cycle's, else the shard's own `page_budget`)."""
    config = settings.fetch
    specs = [(Source.from_dict(s["source"]), Validators(**s["validators"])) for s in shard]
    histories = [pagination.History.from_spec(s.get("history")) for s in shard]
    batch = stage.Batch(batch_id)
    pool = ThreadPoolExecutor(max(1, config.workers), thread_name_prefix="fetch")
    with new_session(config) as session:
        try:
            fetcher = Fetcher(session, config, politeness or new_politeness(config))
            follower = _follower(fetcher, pool, budget, settings, now)
            futures = [pool.submit(fetcher.fetch, s, v, now=now) for s, v in specs]
            for (source, validators), history, future in zip(
                specs, histories, futures, strict=True
            ):
                attempts = future.result()
                page = _stage_source(batch, source, attempts, validators, settings)
                follower.consider(source, attempts[-1], page, history)
                if advance:
                    advance(source.source_id)
            for deep in follower.done():
                stage_deep(batch, deep)
        except BaseException:
            # An interrupt or a failed shard must not wait for fetches still in flight
            # (a stalled server holds one for its whole timeout): drop them.
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown()
    return stage.write_batch(settings.staging_dir, batch)


def _follower(
    fetcher: Fetcher,
    pool: ThreadPoolExecutor,
    budget: pagination.PageBudget | None,
    settings: Settings,
    now: datetime,
) -> pagination.Follower:
    budget = budget or pagination.PageBudget(settings.fetch.page_budget)
    return pagination.Follower(fetcher, pool, budget, archive_dir=settings.archive_dir, now=now)


def _stage_source(
    batch: stage.Batch,
    source: Source,
    attempts: list[FetchResult],
    old: Validators,
    settings: Settings,
) -> ParsedPage | None:
    """Stage a source's fetch; returns page 1 when it changed and was parsed."""
    page = None
    row = {**source.to_dict(), "status": "live", "ended_at": None}
    final = attempts[-1]
    new_body = final.body if final.body is not None and final.sha256 != old.sha256 else None
    if new_body is not None:
        archive.put(settings.archive_dir, new_body, final.headers.get("content-type"))
    # A script-built ticker is parsed as rendered, and changes when its entries do.
    shown = render.view(source, final, old, new_body, settings, parse_result)
    row |= shown.row
    if shown.body is not None:
        page = shown.page or parse_result(source, shown.result, shown.body)
        if page is not None:
            stage_page(batch, source, shown.result, page)
        ended = lifecycle.ended_at(shown.body, final.fetched_at)
        if source.outlet_id is not None and ended is not None:
            row |= {"status": "ended", "ended_at": ended[0]}
        if source.outlet_id is not None:
            row["coverage_end_at"] = lifecycle.coverage_end(shown.body)
    batch.add("sources", row)
    for result in attempts:
        batch.add("fetches", _fetch_row(result, changed=result is final and shown.body is not None))
    return page


def parse_result(source: Source, result: FetchResult, body: bytes) -> ParsedPage | None:
    """Page 1 of a fetch, or None (the error recorded on `result`) when the parser fails."""
    return pagination.parse_fetched(source, result, body, result.final_url or source.url)


def _fetch_row(result: FetchResult, *, changed: bool, page_no: int = 1) -> dict[str, Any]:
    return {
        "source_id": result.source_id,
        "url": result.url,
        "final_url": result.final_url,
        "fetched_at": result.fetched_at,
        "attempt": result.attempt,
        "page_no": page_no,
        "status": result.status,
        "elapsed_ms": result.elapsed_ms,
        "bytes": result.bytes_read,
        "etag": result.etag,
        "last_modified": result.last_modified,
        "sha256": result.sha256,
        "changed": changed,
        "error_class": result.error_class,
        "error": result.error,
    }


def stage_page(batch: stage.Batch, source: Source, result: FetchResult, page: ParsedPage) -> None:
    key = {"source_id": source.source_id, "fetched_at": result.fetched_at}
    batch.add(
        "pages",
        {
            **key,
            **{k: getattr(page, k) for k in ("url", "title", "canonical_url", "published_at")},
            **{k: getattr(page, k) for k in ("modified_at", "language")},
            **health(page),
            "sha256": result.sha256,
            "page_count": 1,
            "whole_ticker": pagination.to_the_end(page),
        },
    )
    for entry in page.entries:
        batch.add("entries", {**key, **asdict(entry)})


def stage_deep(batch: stage.Batch, deep: pagination.DeepFetch) -> None:
    """Stage the older pages a fetch read: each attempt a fetch-log row with its page
    number, and their entries observed with page 1 (`stage_older_pages`)."""
    for deeper in deep.pages:
        final = deeper.attempts[-1]
        for result in deeper.attempts:
            changed = result is final and result.sha256 is not None  # archived, as page 1's
            batch.add("fetches", _fetch_row(result, changed=changed, page_no=deeper.page_no))
    pages = [d.page for d in deep.pages]
    stage_older_pages(batch, deep.source.source_id, deep.first.fetched_at, pages, deep.whole)


def stage_older_pages(
    batch: stage.Batch,
    source_id: str,
    fetched_at: datetime,
    pages: Sequence[ParsedPage | None],
    whole: bool | None = None,
) -> None:
    """The entries of a ticker's older pages join page 1's observation (staged already;
    positions run on across the pages), and page 1's row counts them and says whether
    the observation reached the ticker's end (`whole`; None: as it said)."""
    key = {"source_id": source_id, "fetched_at": fetched_at}
    row = next(r for r in batch.rows["pages"] if all(r[k] == v for k, v in key.items()))
    position = row.get("_next_position", row["entry_count"])  # not a staged column
    for page in pages:
        for entry in page.entries if page else ():
            batch.add("entries", {**key, **asdict(entry), "position": position + entry.position})
        position += len(page.entries) if page else 0
    row["_next_position"] = position
    row["page_count"] += len(pages)
    if whole is not None:
        row["whole_ticker"] = whole


def discover_stage(
    outlets: list[Outlet],
    settings: Settings,
    *,
    batch_id: str,
    now: datetime,
    politeness: Politeness | None = None,
    budget: pagination.PageBudget | None = None,
) -> tuple[Path, list[Source], set[str]]:
    """Read the outlets' listings and classify new items; stage the fetch log, the
    verdicts, the listings' validators and each new ticker's first fetch as one batch.
    Returns the batch, every ticker of the outlets, and the ids of the new ones (already
    fetched: the plan leaves them out of this cycle)."""
    config = settings.fetch
    batch = stage.Batch(batch_id)
    with (
        new_session(config) as session,
        ThreadPoolExecutor(max(1, config.workers), thread_name_prefix="deeper") as pool,
    ):
        fetcher = Fetcher(session, config, politeness or new_politeness(config))
        found = discover(outlets, fetcher, read_discovery(settings), now=now)
        follower = _follower(fetcher, pool, budget, settings, now)
        for source_id, attempts in found.new.items():  # first fetches: no entries known
            source = next(t for t in found.tickers if t.source_id == source_id)
            page = _stage_source(batch, source, attempts, Validators(), settings)
            follower.consider(source, attempts[-1], page, pagination.History())
        for deep in follower.done():
            stage_deep(batch, deep)
    for result in found.log:
        batch.add("fetches", _fetch_row(result, changed=False))
    for verdict in found.verdicts:
        batch.add("discovered_items", verdict)
    for feed in found.feeds:
        batch.add("outlet_feeds", feed)
    return stage.write_batch(settings.staging_dir, batch), found.tickers, set(found.new)


def run_cycle(
    sources: list[Source],
    settings: Settings,
    *,
    run_id: str,
    now: datetime,
    advance: Callable[[str], None] | None = None,
    outlets: list[Outlet] | None = None,
    wait: float = 0.0,
) -> CycleReport:
    """A whole cycle in one process: the same functions the Airflow tasks call.

    The warehouse is opened for writing before anything is fetched, so one that cannot be
    written fails first; a warehouse busy with another writer is retried for up to `wait`
    seconds, then and at the load. The load deletes the batches once it has committed; a
    cycle that does not load (an error, an interrupt) keeps the batches it staged, and a
    later load picks them up (`load_staged`). Since no validators were stored, the next
    cycle fetches the same pages again meanwhile. The outlets' discovery runs
    first: its batch loads with the shards, and the tickers it did not fetch yet join the
    plan."""
    when_free(lambda: check_writable(settings), wait)
    politeness = new_politeness(settings.fetch)
    budget = pagination.PageBudget(settings.fetch.page_budget)  # shared by all shards
    paths: list[Path] = []
    try:
        if outlets:
            path, tickers, new = discover_stage(
                outlets,
                settings,
                batch_id=f"{run_id}-discovery",
                now=now,
                politeness=politeness,
                budget=budget,
            )
            paths.append(path)
            sources = [*sources, *(t for t in tickers if t.source_id not in new)]
        shards = plan_shards(sources, read_state(settings), now=now)
        for i, shard in enumerate(shards):
            batch_id = f"{run_id}-{i:04d}"
            paths.append(
                fetch_parse_shard(
                    shard,
                    settings,
                    batch_id=batch_id,
                    now=now,
                    politeness=politeness,
                    advance=advance,
                    budget=budget,
                )
            )
        fetched, failed = outcome(paths)  # read before the load deletes the batches
        report = when_free(lambda: load_staged(settings, paths, load_id=run_id, now=now), wait)
    except BaseException:
        log.info("cycle %s did not load: its %d staged batch(es) are kept", run_id, len(paths))
        raise
    return CycleReport(**asdict(report), sources=fetched, failures=tuple(failed))


def when_free(work: Callable[[], _T], wait: float) -> _T:
    """`work()`, tried again while another process writes the warehouse, for up to `wait`
    seconds (a cron job would otherwise lose its cycle to an overlapping one)."""
    deadline = time.monotonic() + wait
    while True:
        try:
            return work()
        except WarehouseBusyError:
            if time.monotonic() + BUSY_POLL > deadline:
                raise
            log.info("warehouse busy; trying again for up to %.0f s", deadline - time.monotonic())
            time.sleep(BUSY_POLL)


def outcome(paths: Sequence[Path]) -> tuple[int, list[SourceFailure]]:
    """How many sources the staged batches fetched, and the failed ones among them."""
    finals = stage.final_attempts(list(paths))
    failed = [SourceFailure(*row[:2], row[2], row[3] or row[2]) for row in finals if row[2]]
    return len(finals), failed


def check_failures(sources: int, failures: Sequence[SourceFailure], tolerated: float) -> None:
    """SourcesFailedError when more than the `tolerated` share of `sources` failed."""
    if not failures or len(failures) <= tolerated * sources:
        return
    names = ", ".join(f"{f.source_id} ({f.error_class})" for f in failures[:10])
    more = f" and {len(failures) - 10} more" if len(failures) > 10 else ""
    raise SourcesFailedError(
        f"{len(failures)} of {sources} sources failed, more than the {tolerated:.0%} "
        f"tolerated: {names}{more}"
    )
