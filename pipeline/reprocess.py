"""`tickerlake reprocess`: re-parse archived pages with the current parser and rebuild the
entries of their sources, with no network (the backfill after a parser fix).

Every fetch that brought a changed body (``fetches.changed``, including those whose parse
failed) is re-parsed from the raw archive in fetch order, as the original cycles did; the
older pages a fetch read (``fetches.page_no`` > 1) are re-parsed with its page 1 and
observed with it, as far as the original observation reached (``pages.whole_ticker``). The
selected sources' entries and entry history are replaced by the result, so reprocessing
the whole archive reproduces exactly the entries of the original runs. `since`/`until`
narrow the replay to fetches in [since, until): the history is then rebuilt as if only
those fetches had happened, so versions observed outside the window, and entries seen
only outside it, are dropped. A window that would drop any refuses with their counts
unless `truncate` says to go ahead. Forgetting the old entries and loading the new ones is one
transaction, on the DuckDB file as on DuckLake (rerun there after a write conflict).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import duckdb

from pipeline import stage
from pipeline.cycle import parse_result, stage_older_pages, stage_page
from pipeline.errors import TickerlakeError
from pipeline.fetch import archive
from pipeline.fetch.client import FetchResult
from pipeline.fetch.pagination import parse_deeper
from pipeline.settings import Settings
from pipeline.sources import Source
from pipeline.warehouse.backend import reading, writing
from pipeline.warehouse.db import transaction
from pipeline.warehouse.lake import with_retries
from pipeline.warehouse.load import LoadReport, apply_batches


@dataclass(frozen=True, slots=True)
class ArchivedFetch:
    source_id: str
    fetched_at: datetime
    url: str
    sha256: str
    page_no: int = 1
    whole: bool | None = None  # pages.whole_ticker of the observation (page 1 only)


@dataclass(frozen=True, slots=True)
class Selection:
    source_ids: tuple[str, ...] = ()  # empty: every source
    since: datetime | None = None
    until: datetime | None = None
    truncate: bool = False  # a window may drop what was observed outside it

    @property
    def windowed(self) -> bool:
        return self.since is not None or self.until is not None


def reprocess(
    settings: Settings,
    selection: Selection,
    *,
    load_id: str,
    now: datetime,
    advance: Callable[[str], None] | None = None,
) -> LoadReport:
    """Re-parse the selected archived fetches and reload their sources' entries in the
    configured backend; `advance` hears each fetch as it is re-parsed."""
    with reading(settings) as con:
        sources = _sources(con, selection.source_ids)
        if selection.windowed and not selection.truncate:
            _refuse_to_drop(con, selection, list(sources))
        fetches = _archived_fetches(con, selection, list(sources))
    batch = stage.Batch(load_id)
    tickers: dict[tuple[str, datetime], str] = {}  # page 1's URL, the ticker's, per fetch
    for fetched in fetches:
        _stage_fetch(batch, sources[fetched.source_id], fetched, settings.archive_dir, tickers)
        if advance:
            advance(f"{fetched.source_id} {fetched.fetched_at:%Y-%m-%d %H:%M}")
    path = stage.write_batch(settings.staging_dir, batch)
    try:
        with writing(settings) as con:
            return with_retries(lambda: _reload(con, list(sources), path, load_id=load_id, now=now))
    finally:
        # Loaded or not, the batch is deleted: the archive rebuilds it, and a normal load
        # must never pick it up (it needs the entries forgotten first).
        stage.remove([path])


def _reload(
    con: duckdb.DuckDBPyConnection,
    source_ids: list[str],
    batch: Path,
    *,
    load_id: str,
    now: datetime,
) -> LoadReport:
    with transaction(con):
        _forget_entries(con, source_ids)
        report = apply_batches(con, [batch], load_id=load_id, now=now)
        _refresh_pages(con, batch)
    return report


def _sources(con: duckdb.DuckDBPyConnection, wanted: tuple[str, ...]) -> dict[str, Source]:
    rows = con.execute(
        "SELECT source_id, url, kind, timezone, language FROM sources "
        "WHERE len(?) = 0 OR list_contains(?, source_id) ORDER BY source_id",
        [list(wanted), list(wanted)],
    ).fetchall()
    found = {r[0]: Source(r[0], r[1], r[2], r[3], r[4]) for r in rows}
    missing = sorted(set(wanted) - set(found))
    if missing:
        raise TickerlakeError(f"no such source in the warehouse: {', '.join(missing)}")
    return found


_OUTSIDE = """
SELECT count(*) FILTER (WHERE NOT inside), count(DISTINCT entry_id) FILTER (WHERE NOT seen)
FROM (
    SELECT v.entry_id,
           (?::TIMESTAMPTZ IS NULL OR v.valid_from >= ?)
           AND (?::TIMESTAMPTZ IS NULL OR v.valid_from < ?) AS inside,
           (?::TIMESTAMPTZ IS NULL OR e.last_seen_at >= ?)
           AND (?::TIMESTAMPTZ IS NULL OR e.first_seen_at < ?) AS seen
    FROM entry_versions v JOIN entries e USING (entry_id)
    WHERE list_contains(?, e.source_id)
)
"""


def _refuse_to_drop(
    con: duckdb.DuckDBPyConnection, selection: Selection, source_ids: list[str]
) -> None:
    """A window rebuilds history from its fetches only: say what that would drop."""
    bounds = [selection.since, selection.since, selection.until, selection.until]
    row = con.execute(_OUTSIDE, [*bounds, *bounds, source_ids]).fetchone()
    versions, entries = row if row else (0, 0)
    if versions or entries:
        raise TickerlakeError(
            f"a reprocess window rebuilds {len(source_ids)} source(s) from that window's "
            f"fetches only: it would drop {versions} version(s) observed outside it and "
            f"{entries} entr{'y' if entries == 1 else 'ies'} seen only outside it; add "
            "--truncate to do so, or reprocess without --since/--until"
        )


def _archived_fetches(
    con: duckdb.DuckDBPyConnection, selection: Selection, source_ids: list[str]
) -> list[ArchivedFetch]:
    rows = con.execute(
        """
        WITH archived AS (
            -- a rendered page (pipeline.fetch.render) is re-parsed from its rendered DOM,
            -- which page 1's pages.sha256 names; the fetch's own sha256 is the shell's
            SELECT f.*, p.whole_ticker,
                   CASE WHEN f.page_no = 1 THEN coalesce(p.sha256, f.sha256)
                        ELSE f.sha256 END AS parsed_sha256
            FROM fetches f LEFT JOIN pages p USING (source_id, fetched_at)
        )
        SELECT DISTINCT ON (source_id, fetched_at, page_no) source_id, fetched_at,
               coalesce(final_url, url), parsed_sha256, page_no, whole_ticker
        FROM archived
        WHERE changed AND parsed_sha256 IS NOT NULL AND list_contains(?, source_id)
          AND (?::TIMESTAMPTZ IS NULL OR fetched_at >= ?)
          AND (?::TIMESTAMPTZ IS NULL OR fetched_at < ?)
        ORDER BY source_id, fetched_at, page_no, attempt DESC
        """,
        [source_ids, selection.since, selection.since, selection.until, selection.until],
    ).fetchall()
    return [ArchivedFetch(*row) for row in rows]


def _stage_fetch(
    batch: stage.Batch,
    source: Source,
    fetched: ArchivedFetch,
    root: archive.Root,
    tickers: dict[tuple[str, datetime], str],
) -> None:
    try:
        body = archive.get(root, fetched.sha256)
    except FileNotFoundError as exc:
        raise TickerlakeError(
            f"archive {root} has no body {fetched.sha256} "
            f"(source {fetched.source_id!r}, fetched {fetched.fetched_at.isoformat()})"
        ) from exc
    content_type = archive.content_type(root, fetched.sha256)
    result = FetchResult(
        source.source_id,
        source.url,
        fetched.fetched_at,
        final_url=fetched.url,
        headers={"content-type": content_type} if content_type else {},
        sha256=fetched.sha256,
    )
    if fetched.page_no > 1:
        _stage_older_page(batch, source, fetched, replace(result, body=body), tickers)
        return
    batch.add("sources", source.to_dict())
    page = parse_result(source, result, body)
    if page is not None:
        stage_page(batch, source, result, page)
        tickers[(source.source_id, fetched.fetched_at)] = fetched.url
        if fetched.whole is not None:  # as far as the original observation reached
            stage_older_pages(batch, source.source_id, fetched.fetched_at, [], fetched.whole)


def _stage_older_page(
    batch: stage.Batch,
    source: Source,
    fetched: ArchivedFetch,
    result: FetchResult,
    tickers: dict[tuple[str, datetime], str],
) -> None:
    """An older page joins its page 1's observation (none if page 1 did not parse)."""
    ticker = tickers.get((source.source_id, fetched.fetched_at))
    if ticker is None:
        return
    page = parse_deeper(source, result, ticker)
    stage_older_pages(batch, source.source_id, fetched.fetched_at, [page])


def _forget_entries(con: duckdb.DuckDBPyConnection, source_ids: list[str]) -> None:
    """Drop the entries the old parser made; the reload rebuilds them in fetch order."""
    statements = (
        "DELETE FROM entry_versions WHERE entry_id IN "
        "(SELECT entry_id FROM entries WHERE list_contains(?, source_id))",
        "DELETE FROM entries WHERE list_contains(?, source_id)",
        "UPDATE sources SET last_observed_at = NULL WHERE list_contains(?, source_id)",
    )
    for sql in statements:
        con.execute(sql, [source_ids])


def _refresh_pages(con: duckdb.DuckDBPyConnection, batch: Path) -> None:
    """Page rows already exist (the loader keeps the first); give them the new parse."""
    con.execute(
        """
        UPDATE pages p SET title = b.title, canonical_url = b.canonical_url,
            published_at = b.published_at, modified_at = b.modified_at,
            language = b.language, is_liveblog = b.is_liveblog, parser = b.parser,
            entry_count = b.entry_count, warnings = b.warnings, timed_count = b.timed_count,
            structured_count = b.structured_count, rendered_count = b.rendered_count,
            matched_count = b.matched_count, tz = b.tz, tz_source = b.tz_source,
            page_count = b.page_count, whole_ticker = b.whole_ticker
        FROM read_parquet(?) b
        WHERE p.source_id = b.source_id AND p.fetched_at = b.fetched_at
        """,
        [str(batch / "pages.parquet")],
    )
