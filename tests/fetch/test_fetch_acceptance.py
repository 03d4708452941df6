"""Acceptance of issue 4 against the replay server, end to end through run_cycle:
an unchanged second cycle costs only fetch-log rows, and every scripted fault lands in
the fetch log with the right error class and attempt count while healthy sources load."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pipeline.cycle import run_cycle
from pipeline.demo.replay import ReplayServer, snapshot_name
from pipeline.settings import FetchConfig, Settings, from_env
from pipeline.sources import Source
from pipeline.warehouse import connect

T0 = datetime(2025, 8, 14, 19, 15, tzinfo=UTC)
NOW = datetime(2025, 8, 14, 19, 30, tzinfo=UTC)
FAST = FetchConfig(
    user_agent="tickerlake-tests/0 (+https://example.org/contact)",
    connect_timeout=1,
    read_timeout=1,
    deadline=4,
    max_attempts=3,
    backoff_base=0.05,
    backoff_max=0.2,
    max_body_bytes=1024 * 1024,
    max_redirects=3,
    host_concurrency=16,
    host_interval=0,
    workers=16,
)


def page(name: str) -> str:
    return (
        "<html><head><meta name='x'></head><body><h2>Donnerstag, 14. August 2025</h2>"
        f"<h2>21.15 Uhr: {name} eins</h2><p>Grüße aus Köln, {name}.</p>"
        f"<h2>20.45 Uhr: {name} zwei</h2><p>Straße frei, {name}.</p></body></html>"
    )


def write_source(root: Path, source_id: str) -> None:
    folder = root / source_id
    folder.mkdir(parents=True)
    (folder / snapshot_name(T0, "html")).write_text(page(source_id), encoding="utf-8")


def make_settings(tmp_path: Path) -> Settings:
    base = from_env({})
    return replace(base, warehouse=tmp_path / "w.duckdb", data_dir=tmp_path / "data", fetch=FAST)


def replay_source(server: ReplayServer, source_id: str, **extra: Any) -> Source:
    return Source(
        source_id,
        server.source_url(source_id),
        timezone="Europe/Berlin",
        allow_private=extra.pop("allow_private", True),
        **extra,
    )


def count(settings: Settings, sql: str) -> int:
    with connect(settings.warehouse, read_only=True) as con:
        row = con.execute(sql).fetchone()
    return int(row[0]) if row else 0


def content(settings: Settings, table: str) -> list[tuple[object, ...]]:
    with connect(settings.warehouse, read_only=True) as con:
        return con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()


# --- 200 sources, nothing changed -----------------------------------------------------------


@pytest.mark.timeout(300)
def test_unchanged_second_cycle_writes_only_fetch_log_rows(tmp_path: Path) -> None:
    ids = [f"s{n:03d}" for n in range(200)]
    for source_id in ids:
        write_source(tmp_path / "replay", source_id)
    settings = make_settings(tmp_path)
    tables = ("pages", "entries", "entry_versions", "sources")
    with ReplayServer(tmp_path / "replay") as server:
        sources = [replay_source(server, s) for s in ids]
        first = run_cycle(sources, settings, run_id="one", now=NOW)
        assert (first.page_rows, first.entry_rows) == (200, 400)
        before = {t: content(settings, t) for t in tables}
        archived = sorted(Path(settings.archive_dir).rglob("*.gz"))
        seen = len(server.request_log())

        second = run_cycle(sources, settings, run_id="two", now=NOW + timedelta(minutes=2))

        requests = [r for r in server.request_log()[seen:] if r["source"] != "robots.txt"]
    assert len(requests) == 200
    assert all(r["if_none_match"] and r["if_modified_since"] for r in requests)
    assert {r["status"] for r in requests} == {304}
    assert (second.fetch_rows, second.page_rows, second.entry_rows, second.new_versions) == (
        200,
        0,
        0,
        0,
    )
    # Not only as many rows: the same rows, unchanged (no bookkeeping update either).
    assert {t: content(settings, t) for t in tables} == before
    assert count(settings, "SELECT count(*) FROM fetches") == 400
    assert sorted(Path(settings.archive_dir).rglob("*.gz")) == archived


# --- every fault among healthy sources ------------------------------------------------------

FAULTS = """\
f-304: [{fault: not-modified, times: always}]
f-429: [{fault: status, status: 429, retry_after: 1}]
f-503-date: [{fault: status, status: 503, retry_after_date: 1}]
f-burst: [{fault: status, status: 500}, {fault: status, status: 503}]
f-down: [{fault: status, status: 503, times: always}]
f-reset: [{fault: reset, times: always}]
f-stall: [{fault: stall, seconds: 30, times: always}]
f-trickle: [{fault: trickle, chunk: 16, interval: 0.3, times: always}]
f-truncate: [{fault: truncate, times: always}]
f-wrong-charset: [{fault: content-type, value: "text/html; charset=iso-8859-1", times: always}]
f-no-charset: [{fault: content-type, value: text/html, times: always}]
f-huge: [{fault: huge, bytes: 2000000, times: always}]
f-loop: [{fault: redirect-loop, times: always}]
f-png: [{fault: content-type, value: image/png, times: always}]
f-robots: [{fault: robots-disallow}]
"""

# source -> fetch log rows (attempt, status, error_class), and whether it loads entries
EXPECTED: dict[str, tuple[list[tuple[int, int | None, str | None]], bool]] = {
    "f-304": ([(1, 304, None)], False),
    "f-429": ([(1, 429, "RateLimitedError"), (2, 200, None)], True),
    "f-503-date": ([(1, 503, "ServerError"), (2, 200, None)], True),
    "f-burst": ([(1, 500, "ServerError"), (2, 503, "ServerError"), (3, 200, None)], True),
    "f-down": ([(n, 503, "ServerError") for n in (1, 2, 3)], False),
    "f-reset": ([(n, None, "FetchConnectionError") for n in (1, 2, 3)], False),
    "f-stall": ([(n, 200, "FetchTimeoutError") for n in (1, 2, 3)], False),
    "f-trickle": ([(1, 200, "DeadlineExceededError")], False),
    "f-truncate": ([(n, 200, "TruncatedBodyError") for n in (1, 2, 3)], False),
    "f-wrong-charset": ([(1, 200, None)], True),
    "f-no-charset": ([(1, 200, None)], True),
    "f-huge": ([(1, 200, "BodyTooLargeError")], False),
    "f-loop": ([(1, None, "TooManyRedirectsError")], False),
    "f-png": ([(1, 200, "UnsupportedContentTypeError")], False),
    "f-robots": ([(1, None, "RobotsDisallowedError")], False),
    "f-private": ([(1, None, "UnsafeUrlError")], False),
}
HEALTHY = [f"h-{n}" for n in range(6)]


@pytest.fixture(scope="module")
def fault_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, list[Any]]]:
    tmp_path = tmp_path_factory.mktemp("faults")
    root = tmp_path / "replay"
    for source_id in [*EXPECTED, *HEALTHY]:
        write_source(root, source_id)
    (root / "faults.yaml").write_text(FAULTS, encoding="utf-8")
    settings = make_settings(tmp_path)
    with ReplayServer(root) as server:
        sources = [replay_source(server, s) for s in [*HEALTHY, *EXPECTED] if s != "f-private"]
        sources.append(replay_source(server, "f-private", allow_private=False))
        run_cycle(sources, settings, run_id="faults", now=NOW)
        yield settings, server.request_log()


@pytest.mark.timeout(120)
@pytest.mark.parametrize("source_id", list(EXPECTED))
def test_fault_is_logged_with_its_class_and_attempts(
    fault_run: tuple[Settings, list[Any]], source_id: str
) -> None:
    settings, _ = fault_run
    rows, loads = EXPECTED[source_id]
    with connect(settings.warehouse, read_only=True) as con:
        logged = con.execute(
            "SELECT attempt, status, error_class FROM fetches WHERE source_id = ? ORDER BY attempt",
            [source_id],
        ).fetchall()
        elapsed = con.execute(
            "SELECT sum(elapsed_ms) FROM fetches WHERE source_id = ?", [source_id]
        ).fetchone()
        entries = con.execute(
            "SELECT count(*) FROM entries WHERE source_id = ?", [source_id]
        ).fetchone()
    assert logged == rows
    assert (entries == (2,)) is loads
    # The deadline bounds a fetch: at most one read timeout can overrun it.
    assert elapsed is not None and elapsed[0] < (FAST.deadline + FAST.read_timeout + 1) * 1000


def test_every_healthy_source_loads(fault_run: tuple[Settings, list[Any]]) -> None:
    settings, _ = fault_run
    with connect(settings.warehouse, read_only=True) as con:
        loaded = con.execute(
            "SELECT source_id, count(*) FROM entries WHERE source_id LIKE 'h-%' GROUP BY 1"
        ).fetchall()
        errors = con.execute(
            "SELECT count(*) FROM fetches WHERE source_id LIKE 'h-%' AND error_class IS NOT NULL"
        ).fetchone()
    assert sorted(loaded) == [(s, 2) for s in HEALTHY]
    assert errors == (0,)


def test_missing_charset_is_detected_from_the_body(fault_run: tuple[Settings, list[Any]]) -> None:
    settings, _ = fault_run
    with connect(settings.warehouse, read_only=True) as con:
        bodies = con.execute(
            "SELECT body FROM entries WHERE source_id = 'f-no-charset' ORDER BY ALL"
        ).fetchall()
    assert bodies == [("Grüße aus Köln, f-no-charset.",), ("Straße frei, f-no-charset.",)]


def test_a_latin1_header_over_utf8_is_read_as_utf8(fault_run: tuple[Settings, list[Any]]) -> None:
    settings, _ = fault_run
    with connect(settings.warehouse, read_only=True) as con:
        bodies = con.execute(
            "SELECT body FROM entries WHERE source_id = 'f-wrong-charset' ORDER BY ALL"
        ).fetchall()
        warnings = con.execute(
            "SELECT warnings FROM pages WHERE source_id = 'f-wrong-charset'"
        ).fetchall()
    assert bodies == [("Grüße aus Köln, f-wrong-charset.",), ("Straße frei, f-wrong-charset.",)]
    assert warnings
    assert all(any("but the body is UTF-8" in w for w in row[0]) for row in warnings)


def test_refused_sources_are_never_requested(fault_run: tuple[Settings, list[Any]]) -> None:
    _, requests = fault_run
    asked = {r["source"] for r in requests}
    assert "f-robots" not in asked
    assert "f-private" not in asked
    assert "robots.txt" in asked
