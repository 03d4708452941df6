"""The single writer: staged Parquet batches → warehouse, in one transaction per load.

Observations (parsed pages) are applied per source in fetch-time order and only when
newer than the source's `last_observed_at`, so loading an old or repeated batch never
rewinds history: loading the same batch twice changes nothing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from pipeline.stage import read_batch_id
from pipeline.warehouse.db import transaction

DELETION_THRESHOLD = 2  # consecutive parsed fetches without an entry before it is deleted
SUSPECT_MIN_LIVE = 4  # a page with fewer live entries is never suspect
SUSPECT_RATIO = 0.5  # a page that keeps less than this share of live entries is suspect

_ENTRY_COLUMNS = (
    "entry_id, source_id, url, published_at, updated_at, time_text, time_precision, "
    "time_flags, headline, body, authors, language, pinned, key_event, summary, position, "
    "content_hash, tz_source"
)


@dataclass(frozen=True, slots=True)
class LoadReport:
    load_id: str
    batches: int
    fetch_rows: int
    page_rows: int
    entry_rows: int
    new_versions: int

    def counts(self) -> dict[str, int]:
        return {k: v for k, v in asdict(self).items() if isinstance(v, int)}


def load_batches(
    con: duckdb.DuckDBPyConnection,
    paths: list[Path],
    *,
    load_id: str,
    now: datetime,
    deletion_threshold: int = DELETION_THRESHOLD,
) -> LoadReport:
    """Apply every not-yet-loaded batch in `paths` in one transaction."""
    with transaction(con):
        return apply_batches(
            con, paths, load_id=load_id, now=now, deletion_threshold=deletion_threshold
        )


def apply_batches(
    con: duckdb.DuckDBPyConnection,
    paths: list[Path],
    *,
    load_id: str,
    now: datetime,
    deletion_threshold: int = DELETION_THRESHOLD,
) -> LoadReport:
    """`load_batches` inside the caller's transaction."""
    batches = {read_batch_id(p): p for p in paths}
    return _load(con, batches, load_id, now, deletion_threshold)


def _load(
    con: duckdb.DuckDBPyConnection,
    batches: dict[str, Path],
    load_id: str,
    now: datetime,
    deletion_threshold: int,
) -> LoadReport:
    done = {r[0] for r in con.execute("SELECT batch_id FROM loaded_batches").fetchall()}
    todo = {b: p for b, p in batches.items() if b not in done}
    if not todo:
        return LoadReport(load_id, 0, 0, 0, 0, 0)
    _stage_views(con, list(todo.values()))
    _upsert_sources(con, now)
    _upsert_discovery(con)
    fetch_rows = _insert_fetches(con, load_id)
    _update_validators(con)
    page_rows = _insert_pages(con, load_id)
    entry_rows, versions = _observe(con, list(todo.values()), load_id, deletion_threshold)
    _record(con, load_id, now, todo, (fetch_rows, page_rows, entry_rows, versions))
    return LoadReport(load_id, len(todo), fetch_rows, page_rows, entry_rows, versions)


# Key of each staged table: duplicates of a key inside one load are reduced to the row
# from the latest batch (the last in the list given), so "latest wins" is explicit
# rather than left to ON CONFLICT (which keeps the first) or MERGE (which inserts both).
_STAGED_KEYS = {
    "sources": "source_id",
    "fetches": "source_id, fetched_at, page_no, attempt",
    "pages": "source_id, fetched_at",
    "discovered_items": "outlet_id, url",
    "outlet_feeds": "outlet_id, feed_url",
}
# Staged columns newer than some batches that may still wait to be loaded, with the value
# such a batch meant: it read page 1 only, and page 1 was the whole ticker.
_LATE_COLUMNS = {
    "fetches": {"page_no": ("INTEGER", "1")},
    "pages": {"page_count": ("INTEGER", "1"), "whole_ticker": ("BOOLEAN", "true")},
}


def _stage_views(con: duckdb.DuckDBPyConnection, paths: list[Path]) -> None:
    for table, key in _STAGED_KEYS.items():
        late = _LATE_COLUMNS.get(table)
        if late:
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE b_{table} AS {_READ_STAGED}",
                _staged_files(paths, table),
            )
            _fill_late_columns(con, f"b_{table}", late)
            source, params = f"b_{table}", []
        else:
            source, params = f"({_READ_STAGED})", _staged_files(paths, table)
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE b_{table} AS SELECT * FROM {source}
            QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY batch_no DESC) = 1
            """,
            params,
        )


def _fill_late_columns(
    con: duckdb.DuckDBPyConnection, table: str, late: dict[str, tuple[str, str]]
) -> None:
    for column, (kind, value) in late.items():
        con.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column} {kind}")
        con.execute(f"UPDATE {table} SET {column} = {value} WHERE {column} IS NULL")


_READ_STAGED = """
    SELECT * EXCLUDE (filename), list_position(?, filename) AS batch_no
    FROM read_parquet(?, filename = true, union_by_name = true)
"""


def _staged_files(paths: list[Path], table: str) -> list[object]:
    files = [str(p / f"{table}.parquet") for p in paths]
    return [files, files]


def _count(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> int:
    row = con.execute(sql, params or []).fetchone()
    return int(row[0]) if row else 0


def _upsert_sources(con: duckdb.DuckDBPyConnection, now: datetime) -> None:
    # A ticker that has ended stays ended (a later page without the end markup is a
    # late correction, not a restart); its first ended_at is kept.
    con.execute(
        """
        MERGE INTO sources t USING b_sources s ON t.source_id = s.source_id
        WHEN MATCHED AND ((t.url, t.kind, t.timezone, t.language, t.outlet_id)
                IS DISTINCT FROM (s.url, s.kind, s.timezone, s.language, s.outlet_id)
                OR (s.coverage_end_at IS NOT NULL
                    AND s.coverage_end_at IS DISTINCT FROM t.coverage_end_at)
                OR (t.status = 'live' AND s.status = 'ended'))
            THEN UPDATE SET url = s.url, kind = s.kind, timezone = s.timezone,
            language = s.language, outlet_id = s.outlet_id,
            status = CASE WHEN s.status = 'ended' THEN 'ended' ELSE t.status END,
            ended_at = coalesce(t.ended_at, s.ended_at),
            coverage_end_at = coalesce(s.coverage_end_at, t.coverage_end_at)
        WHEN NOT MATCHED THEN INSERT (source_id, url, kind, timezone, language, first_seen_at,
                                      outlet_id, discovered_at, status, ended_at, coverage_end_at)
            VALUES (s.source_id, s.url, s.kind, s.timezone, s.language, ?, s.outlet_id,
                    CASE WHEN s.outlet_id IS NOT NULL THEN ? END, coalesce(s.status, 'live'),
                    s.ended_at, s.coverage_end_at)
        """,
        [now, now],
    )
    _update_render(con)
    # A ticker whose coverageEndTime has passed has ended, even if its page never
    # changes again (a 304 writes nothing else).
    con.execute(
        """
        UPDATE sources SET status = 'ended', ended_at = coverage_end_at
        WHERE outlet_id IS NOT NULL AND status = 'live' AND coverage_end_at <= ?
        """,
        [now],
    )


def _update_render(con: duckdb.DuckDBPyConnection) -> None:
    """What rendering decided or saw, where a fetch staged something new (an unchanged
    rendered page stages NULLs and writes nothing)."""
    con.execute(
        """
        UPDATE sources t SET render_mode = coalesce(s.render_mode, t.render_mode),
            render_checked_at = coalesce(s.render_checked_at, t.render_checked_at),
            render_sha256 = coalesce(s.render_sha256, t.render_sha256)
        FROM b_sources s WHERE t.source_id = s.source_id
          AND (s.render_checked_at IS NOT NULL OR s.render_sha256 IS NOT NULL)
        """
    )


def _upsert_discovery(con: duckdb.DuckDBPyConnection) -> None:
    """Item verdicts (a later verdict replaces an error) and the feeds' newest validators."""
    con.execute(
        """
        DELETE FROM discovered_items d USING b_discovered_items b
        WHERE (d.outlet_id, d.url) = (b.outlet_id, b.url)
        """
    )
    con.execute(
        """
        INSERT INTO discovered_items
        SELECT outlet_id, url, source_id, verdict, reason, checked_at FROM b_discovered_items
        """
    )
    con.execute(
        """
        DELETE FROM outlet_feeds f USING b_outlet_feeds b
        WHERE (f.outlet_id, f.feed_url) = (b.outlet_id, b.feed_url)
          AND b.fetched_at > f.fetched_at
        """
    )
    con.execute(
        """
        INSERT INTO outlet_feeds
        SELECT outlet_id, feed_url, fetched_at, etag, last_modified, sha256
        FROM b_outlet_feeds b WHERE NOT EXISTS (SELECT 1 FROM outlet_feeds f
            WHERE (f.outlet_id, f.feed_url) = (b.outlet_id, b.feed_url))
        """
    )


def _insert_fetches(con: duckdb.DuckDBPyConnection, load_id: str) -> int:
    return _count(
        con,
        """
        INSERT INTO fetches BY NAME SELECT source_id, fetched_at, attempt, page_no, url,
            final_url, status, elapsed_ms, bytes, etag, last_modified, sha256, changed,
            error_class, error, ? AS load_id
        FROM b_fetches b WHERE NOT EXISTS (SELECT 1 FROM fetches f
            WHERE (f.source_id, f.fetched_at, f.page_no, f.attempt)
                = (b.source_id, b.fetched_at, b.page_no, b.attempt))
        """,
        [load_id],
    )


def _update_validators(con: duckdb.DuckDBPyConnection) -> None:
    """Remember the validators of each source's newest 200 response to its own URL (only
    if it is newer than the one they came from): a 304, a failed fetch or an older page
    writes nothing here."""
    con.execute(
        """
        UPDATE sources s SET validated_at = f.fetched_at, etag = f.etag,
            last_modified = f.last_modified, last_sha256 = f.sha256
        FROM (SELECT * FROM b_fetches WHERE status = 200 AND page_no = 1
              QUALIFY row_number() OVER (PARTITION BY source_id
                                         ORDER BY fetched_at DESC, attempt DESC) = 1) f
        WHERE s.source_id = f.source_id
          AND (s.validated_at IS NULL OR f.fetched_at > s.validated_at)
        """
    )


def _insert_pages(con: duckdb.DuckDBPyConnection, load_id: str) -> int:
    # By name: a batch staged before a column existed loads with NULL there.
    return _count(
        con,
        """
        INSERT INTO pages BY NAME SELECT * EXCLUDE (batch_no), ? AS load_id
        FROM b_pages b WHERE NOT EXISTS (SELECT 1 FROM pages p
            WHERE (p.source_id, p.fetched_at) = (b.source_id, b.fetched_at))
        """,
        [load_id],
    )


def _observe(
    con: duckdb.DuckDBPyConnection, paths: list[Path], load_id: str, threshold: int
) -> tuple[int, int]:
    """Apply parsed pages newer than each source's watermark, oldest first."""
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE obs_pages AS
        SELECT source_id, fetched_at, whole_ticker AS whole, page_count,
               entry_count AS first_count,
               row_number() OVER (PARTITION BY source_id ORDER BY fetched_at) AS round
        FROM b_pages p JOIN sources s USING (source_id)
        WHERE s.last_observed_at IS NULL OR p.fetched_at > s.last_observed_at
        """
    )
    rounds = _count(con, "SELECT coalesce(max(round), 0) FROM obs_pages")
    staged = _staged_entries(con, paths, rounds)
    totals = [_apply_round(con, staged, r, load_id, threshold) for r in range(1, rounds + 1)]
    return sum(t[0] for t in totals), sum(t[1] for t in totals)


@dataclass(frozen=True, slots=True)
class _Staged:
    """Where a round reads the staged entries from: SQL and its parameters."""

    sql: str
    params: list[object]


def _staged_entries(con: duckdb.DuckDBPyConnection, paths: list[Path], rounds: int) -> _Staged:
    """The staged entries of the pages that won (a page staged by two batches keeps only
    the entries of the later batch). One round, the usual load, reads the Parquet files
    directly; several rounds read them once into a temporary table."""
    sql = f"""
        SELECT e.* FROM ({_READ_STAGED}) e JOIN b_pages p USING (source_id, fetched_at, batch_no)
    """
    params = _staged_files(paths, "entries")
    if rounds <= 1:
        return _Staged(f"({sql})", params)
    con.execute(f"CREATE OR REPLACE TEMP TABLE b_entries AS {sql}", params)
    return _Staged("b_entries", [])


def _apply_round(
    con: duckdb.DuckDBPyConnection, staged: _Staged, round_no: int, load_id: str, threshold: int
) -> tuple[int, int]:
    _observed_entries(con, staged, round_no)
    versions = _insert_changes(con, load_id)
    _write_entries(con)
    versions += _delete_missing(con, load_id, threshold)
    con.execute(
        """
        UPDATE sources s SET last_observed_at = p.fetched_at FROM round_pages p
        WHERE s.source_id = p.source_id
        """
    )
    return _count(con, "SELECT count(*) FROM obs"), versions


def _observed_entries(con: duckdb.DuckDBPyConnection, staged: _Staged, round_no: int) -> None:
    """The round's entries, each with its change kind (NULL when unchanged) and when it
    was first seen, from one hash join with the current entries."""
    _create_obs(con, staged, round_no, "")
    # A duplicate entry id on one page keeps its first (top-most) occurrence; duplicates
    # are rare, so the window (a sort per entry id) runs only when there are some.
    if _count(con, "SELECT count(*) - count(DISTINCT entry_id) FROM obs"):
        first = "QUALIFY row_number() OVER (PARTITION BY entry_id ORDER BY position, source_id) = 1"
        _create_obs(con, staged, round_no, first)
    # What each observation vouches for (see _delete_missing): `oldest` is the oldest
    # time it shows, `first_oldest` the oldest its page 1 shows (page 1's entries come
    # first), pinned and summary entries left out (they sit on top whatever their age).
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE round_pages AS
        WITH shown AS (
            SELECT o.source_id, count(*) AS seen,
                   min(o.published_at) FILTER (WHERE NOT o.pinned AND NOT o.summary) AS oldest,
                   min(o.published_at) FILTER (WHERE NOT o.pinned AND NOT o.summary
                                               AND o.position < p.first_count) AS first_oldest
            FROM obs o JOIN obs_pages p ON p.source_id = o.source_id AND p.round = ?
            GROUP BY o.source_id)
        SELECT p.source_id, p.fetched_at, p.whole, p.page_count, coalesce(o.seen, 0) AS seen,
               o.oldest, o.first_oldest,
               (SELECT count(*) FROM entries e
                WHERE e.source_id = p.source_id AND NOT e.is_deleted
                      AND {_VOUCHED.format(oldest="o.oldest")}) AS live
        FROM obs_pages p LEFT JOIN shown o USING (source_id)
        WHERE p.round = ?
        """,
        [round_no, round_no],
    )


# An entry e should appear in the observation p: p read the whole ticker, or e is at least
# as new as the oldest timed entry p shows. Untimed entries are vouched for only by a
# whole ticker (a partial page says nothing about where they sit).
_VOUCHED = "(p.whole OR coalesce(e.published_at >= {oldest}, false))"


def _create_obs(
    con: duckdb.DuckDBPyConnection, staged: _Staged, round_no: int, dedupe: str
) -> None:
    columns = ", ".join(f"e.{c}" for c in _ENTRY_COLUMNS.split(", "))
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE obs AS
        SELECT e.fetched_at, {columns}, c.first_seen_at AS known_since,
               CASE WHEN c.entry_id IS NULL THEN 'new'
                    WHEN c.is_deleted THEN 'restored'
                    WHEN c.content_hash <> e.content_hash THEN 'edited' END AS change_kind
        FROM (SELECT e.* FROM {staged.sql} e JOIN obs_pages p USING (source_id, fetched_at)
              WHERE p.round = ? {dedupe}) e
        LEFT JOIN entries c ON c.entry_id = e.entry_id
        """,
        [*staged.params, round_no],
    )


def _insert_changes(con: duckdb.DuckDBPyConnection, load_id: str) -> int:
    con.execute(
        """
        UPDATE entry_versions v SET valid_to = c.fetched_at FROM obs c
        WHERE v.entry_id = c.entry_id AND v.valid_to IS NULL
          AND c.change_kind IN ('edited', 'restored')
        """
    )
    return _count(
        con,
        """
        INSERT INTO entry_versions SELECT entry_id, fetched_at, NULL, change_kind, content_hash,
            headline, body, published_at, updated_at, ?
        FROM obs WHERE change_kind IS NOT NULL
        """,
        [load_id],
    )


# Columns of an entry that may change while its content hash (headline, body) does not.
_META_COLUMNS = (
    "url, published_at, updated_at, time_text, time_precision, language, pinned, key_event, "
    "summary, position, tz_source"
)


def _write_entries(con: duckdb.DuckDBPyConnection) -> None:
    """Changed entries are replaced whole (delete + append: DuckDB rewrites an updated
    wide row, lists included, at several times the cost); unchanged ones get a narrow
    update, and their list columns only where they differ."""
    con.execute(
        """
        DELETE FROM entries WHERE entry_id IN
            (SELECT entry_id FROM obs WHERE change_kind IN ('edited', 'restored'))
        """
    )
    con.execute(
        f"""
        INSERT INTO entries ({_ENTRY_COLUMNS}, first_seen_at, last_seen_at, missing_count,
            is_deleted)
        SELECT {_ENTRY_COLUMNS}, coalesce(known_since, fetched_at),
            fetched_at, 0, false
        FROM obs WHERE change_kind IS NOT NULL
        """
    )
    meta = ", ".join(f"{c} = s.{c}" for c in _META_COLUMNS.split(", "))
    con.execute(
        f"""
        UPDATE entries t SET {meta}, last_seen_at = s.fetched_at, missing_count = 0
        FROM obs s WHERE t.entry_id = s.entry_id AND s.change_kind IS NULL
        """
    )
    con.execute(
        """
        UPDATE entries t SET time_flags = s.time_flags, authors = s.authors
        FROM obs s WHERE t.entry_id = s.entry_id AND s.change_kind IS NULL
          AND (t.time_flags IS DISTINCT FROM s.time_flags OR t.authors IS DISTINCT FROM s.authors)
        """
    )


def _delete_missing(con: duckdb.DuckDBPyConnection, load_id: str, threshold: int) -> int:
    """Count a miss for live entries absent from a non-suspect observation that should
    show them (`_VOUCHED`: an entry that slid to a ticker's older pages is not missing
    from page 1); tombstone those that reach the threshold. An observation that suddenly
    lost most of the entries it should show, or all of them (an outage skeleton, an error
    page served with 200), deletes nothing.

    A miss that only an older page could see (the entry is older than anything page 1
    shows) tombstones at once: older pages are read only now and then (a first fetch, a
    gap) and seldom twice while the entry is still in their range, so waiting for a
    second miss would mean never noticing the withdrawal."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE missed AS
        SELECT e.entry_id,
               coalesce(p.page_count > 1 AND e.published_at < p.first_oldest, false) AS deeper
        FROM entries e JOIN round_pages p USING (source_id)
        WHERE NOT e.is_deleted AND {_VOUCHED.format(oldest="p.oldest")}
          AND p.seen > 0 AND NOT (p.live >= ? AND p.seen < p.live * ?)
          AND NOT EXISTS (SELECT 1 FROM obs o WHERE o.entry_id = e.entry_id)
        """,
        [SUSPECT_MIN_LIVE, SUSPECT_RATIO],
    )
    con.execute(
        """
        UPDATE entries e SET missing_count = missing_count + 1 FROM missed m
        WHERE e.entry_id = m.entry_id
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE gone AS
        SELECT e.entry_id, p.fetched_at FROM entries e JOIN round_pages p USING (source_id)
        WHERE NOT e.is_deleted AND (e.missing_count >= ?
              OR e.entry_id IN (SELECT entry_id FROM missed WHERE deeper))
        """,
        [threshold],
    )
    con.execute(
        """
        UPDATE entry_versions v SET valid_to = g.fetched_at FROM gone g
        WHERE v.entry_id = g.entry_id AND v.valid_to IS NULL
        """
    )
    con.execute(
        "UPDATE entries SET is_deleted = true WHERE entry_id IN (SELECT entry_id FROM gone)"
    )
    return _count(
        con,
        """
        INSERT INTO entry_versions SELECT g.entry_id, g.fetched_at, NULL, 'deleted',
            e.content_hash, e.headline, e.body, e.published_at, e.updated_at, ?
        FROM gone g JOIN entries e USING (entry_id)
        """,
        [load_id],
    )


def _record(
    con: duckdb.DuckDBPyConnection,
    load_id: str,
    now: datetime,
    batches: dict[str, Path],
    counts: tuple[int, int, int, int],
) -> None:
    con.execute(
        "INSERT INTO loads VALUES (?, ?, ?, ?, ?, ?, ?)", [load_id, now, sorted(batches), *counts]
    )
    con.executemany(
        "INSERT INTO loaded_batches VALUES (?, ?)", [[b, load_id] for b in sorted(batches)]
    )
    # Makes any two concurrent loads conflict (migration 012): `loaded_batches` alone is
    # only read, so two lake writers given the same batch would both apply it.
    con.execute("UPDATE load_token SET load_id = ?, loaded_at = ?", [load_id, now])
