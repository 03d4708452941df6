"""Acceptance of issue 4 end to end through run_cycle: an unchanged second cycle costs only
fetch-log rows (against the replay server), and every fault lands in the fetch log with
the right error class and attempt count while healthy sources load.

The faults run twice. Scripted: every answer comes from a scripted adapter and every wait
and slow read happens on a fake clock, so each attempt of each fault is exact and nothing
depends on the machine's speed. Over real sockets: the replay server's scripted faults
(`faults.yaml`), one attempt each, with limits far from what a healthy local answer
needs; no assertion there reads the wall clock."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from pipeline.cycle import run_cycle
from pipeline.demo.replay import ReplayServer, snapshot_name
from pipeline.settings import FetchConfig, Settings, from_env
from pipeline.sources import Source
from pipeline.warehouse import connect
from tests.support.fetch_fakes import FakeClock, Paced, Reply, ScriptedAdapter, scripted_cycle

T0 = datetime(2025, 8, 14, 19, 15, tzinfo=UTC)
NOW = datetime(2025, 8, 14, 19, 30, tzinfo=UTC)
# The fake clock makes these free: production's timeouts and deadline, nothing waits.
# One fetch worker, because the fetches share the one fake clock: in parallel, one
# source's waits would eat another's deadline.
SCRIPTED = FetchConfig(
    user_agent="tickerlake-tests/0 (+https://example.org/contact)",
    connect_timeout=5,
    read_timeout=20,
    deadline=60,
    max_attempts=3,
    backoff_base=1,
    backoff_max=30,
    max_body_bytes=1024 * 1024,
    max_redirects=3,
    host_concurrency=1,
    host_interval=0,
    workers=1,
)
# Real sockets on loopback: a healthy answer takes milliseconds, so timeouts of seconds
# only ever catch the faults made to trip them (a 60 s stall, a byte every 0.5 s).
REAL = replace(
    SCRIPTED, connect_timeout=10, read_timeout=5, deadline=10, host_concurrency=16, workers=16
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


def make_settings(tmp_path: Path, fetch: FetchConfig) -> Settings:
    base = from_env({})
    return replace(base, warehouse=tmp_path / "w.duckdb", data_dir=tmp_path / "data", fetch=fetch)


def replay_source(server: ReplayServer, source_id: str, **extra: Any) -> Source:
    return Source(
        source_id,
        server.source_url(source_id),
        timezone="Europe/Berlin",
        allow_private=extra.pop("allow_private", True),
        **extra,
    )


def count(settings: Settings, sql: str, *params: object) -> int:
    with connect(settings.warehouse, read_only=True) as con:
        row = con.execute(sql, list(params)).fetchone()
    return int(row[0]) if row else 0


def content(settings: Settings, table: str) -> list[tuple[object, ...]]:
    with connect(settings.warehouse, read_only=True) as con:
        return con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()


def fetch_log(settings: Settings, source_id: str) -> list[tuple[Any, ...]]:
    with connect(settings.warehouse, read_only=True) as con:
        return con.execute(
            "SELECT attempt, status, error_class FROM fetches WHERE source_id = ? ORDER BY attempt",
            [source_id],
        ).fetchall()


def entry_count(settings: Settings, source_id: str) -> int:
    return count(settings, "SELECT count(*) FROM entries WHERE source_id = ?", source_id)


# --- 200 sources, nothing changed -----------------------------------------------------------


@pytest.mark.timeout(300)
def test_unchanged_second_cycle_writes_only_fetch_log_rows(tmp_path: Path) -> None:
    ids = [f"s{n:03d}" for n in range(200)]
    for source_id in ids:
        write_source(tmp_path / "replay", source_id)
    settings = make_settings(tmp_path, replace(REAL, read_timeout=30, deadline=120))
    tables = ("pages", "entries", "entry_versions", "sources")
    with ReplayServer(tmp_path / "replay") as server:
        sources = [replay_source(server, s) for s in ids]
        first = run_cycle(sources, settings, run_id="one", now=NOW)
        assert (first.page_rows, first.entry_rows) == (200, 400)
        before = {t: content(settings, t) for t in tables}
        archived = sorted(Path(settings.archive_dir).rglob("*.gz"))
        seen = len(server.request_log())

        second = run_cycle(sources, settings, run_id="two", now=NOW + timedelta(minutes=2))

        requests_ = [r for r in server.request_log()[seen:] if r["source"] != "robots.txt"]
    assert len(requests_) == 200
    assert all(r["if_none_match"] and r["if_modified_since"] for r in requests_)
    assert {r["status"] for r in requests_} == {304}
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


# --- every fault among healthy sources, scripted on a fake clock ----------------------------

SITE = "http://replay.test"
HTML = {"Content-Type": "text/html; charset=utf-8"}
DATE = "Thu, 14 Aug 2025 19:30:00 GMT"
ONE_SECOND_LATER = "Thu, 14 Aug 2025 19:30:01 GMT"
HUGE = 2_000_000  # bytes, over SCRIPTED.max_body_bytes

# source -> fetch log rows (attempt, status, error_class), and whether it loads entries
EXPECTED: dict[str, tuple[list[tuple[int, int | None, str | None]], bool]] = {
    "f-304": ([(1, 304, None)], False),
    "f-429": ([(1, 429, "RateLimitedError"), (2, 200, None)], True),
    "f-503-date": ([(1, 503, "ServerError"), (2, 200, None)], True),
    "f-burst": ([(1, 500, "ServerError"), (2, 503, "ServerError"), (3, 200, None)], True),
    "f-down": ([(n, 503, "ServerError") for n in (1, 2, 3)], False),
    "f-reset": ([(n, None, "FetchConnectionError") for n in (1, 2, 3)], False),
    "f-connect-timeout": ([(n, None, "FetchTimeoutError") for n in (1, 2, 3)], False),
    # 20 s read timeouts at 0, ~21 and ~42 s; the third is cut to what the deadline leaves.
    "f-stall": ([(n, 200, "FetchTimeoutError") for n in (1, 2, 3)], False),
    # 16 bytes every 5 s: the deadline passes mid-body, and leaves no time for a retry.
    "f-trickle": ([(1, 200, "DeadlineExceededError")], False),
    "f-truncate": ([(n, 200, "TruncatedBodyError") for n in (1, 2, 3)], False),
    "f-wrong-charset": ([(1, 200, None)], True),
    "f-no-charset": ([(1, 200, None)], True),
    "f-huge": ([(1, 200, "BodyTooLargeError")], False),
    "f-huge-streamed": ([(1, 200, "BodyTooLargeError")], False),
    "f-loop": ([(1, None, "TooManyRedirectsError")], False),
    "f-png": ([(1, 200, "UnsupportedContentTypeError")], False),
    "f-robots": ([(1, None, "RobotsDisallowedError")], False),
    "f-private": ([(1, None, "UnsafeUrlError")], False),
}
HEALTHY = [f"h-{n}" for n in range(6)]


def url(source_id: str) -> str:
    return f"{SITE}/{source_id}"


def served(source_id: str, content_type: str = HTML["Content-Type"]) -> Reply:
    body = page(source_id).encode()
    return (200, {"Content-Type": content_type, "Content-Length": str(len(body))}, body)


def status(code: int, **headers: str) -> Reply:
    return (code, {k.replace("_", "-"): v for k, v in headers.items()}, b"")


def body_fault(source_id: str, clock: FakeClock, fault: str) -> Reply:
    """A 200 whose body misbehaves as the replay server's fault of that name does."""
    body = page(source_id).encode()
    declared = {**HTML, "Content-Length": str(len(body))}
    padded = body + b" " * (HUGE - len(body))
    replies: dict[str, Reply] = {
        "stall": (200, declared, Paced(body, clock, stall_at=len(body) // 2)),
        "trickle": (200, declared, Paced(body, clock, chunk=16, interval=5)),
        "truncate": (200, declared, body[: len(body) // 2]),
        "huge": (200, {**HTML, "Content-Length": str(HUGE)}, padded),
        "huge-streamed": (200, HTML, padded),  # no Content-Length: refused while reading
        "png": (200, {"Content-Type": "image/png"}, body),
    }
    return replies[fault]


def fault_script(clock: FakeClock) -> dict[str, list[Reply]]:
    """Each URL's answers, one per request (the last repeats): the replay server's faults
    (FAULTS below) and a few it cannot produce (a connect timeout, a body over the cap
    without Content-Length). f-private is never asked: it resolves to loopback."""
    reset = requests.ConnectionError(ConnectionResetError(104, "Connection reset by peer"))
    script: dict[str, list[Reply]] = {s: [served(s)] for s in [*HEALTHY, "f-robots"]}
    script |= {
        "f-304": [(304, {}, b"")],
        "f-429": [status(429, Retry_After="1"), served("f-429")],
        "f-503-date": [status(503, Retry_After=ONE_SECOND_LATER, Date=DATE), served("f-503-date")],
        "f-burst": [status(500), status(503), served("f-burst")],
        "f-down": [status(503)],
        "f-reset": [reset],
        "f-connect-timeout": [requests.ConnectTimeout("connect timed out")],
        "f-wrong-charset": [served("f-wrong-charset", "text/html; charset=iso-8859-1")],
        "f-no-charset": [served("f-no-charset", "text/html")],
        "f-loop": [status(302, Location=url("f-loop"))],
    }
    for fault in ("stall", "trickle", "truncate", "huge", "huge-streamed", "png"):
        script[f"f-{fault}"] = [body_fault(f"f-{fault}", clock, fault)]
    routes = {url(s): replies for s, replies in script.items()}
    robots = b"User-agent: *\nDisallow: /f-robots\n"
    routes[f"{SITE}/robots.txt"] = [(200, {"Content-Type": "text/plain"}, robots)]
    return routes


def scripted_sources() -> list[Source]:
    sources = [
        Source(s, url(s), timezone="Europe/Berlin", allow_private=True)
        for s in [*HEALTHY, *EXPECTED]
        if s != "f-private"
    ]
    return [*sources, Source("f-private", "http://127.0.0.1/f-private", timezone="Europe/Berlin")]


ScriptedRun = tuple[Settings, ScriptedAdapter, FakeClock]


@pytest.fixture(scope="module")
def fault_run(tmp_path_factory: pytest.TempPathFactory) -> ScriptedRun:
    settings = make_settings(tmp_path_factory.mktemp("faults"), SCRIPTED)
    clock = FakeClock()
    adapter = ScriptedAdapter(fault_script(clock))
    with scripted_cycle(adapter, clock):
        run_cycle(scripted_sources(), settings, run_id="faults", now=NOW)
    return settings, adapter, clock


@pytest.mark.parametrize("source_id", list(EXPECTED))
def test_fault_is_logged_with_its_class_and_attempts(
    fault_run: ScriptedRun, source_id: str
) -> None:
    settings, _, _ = fault_run
    rows, loads = EXPECTED[source_id]
    assert fetch_log(settings, source_id) == rows
    assert (entry_count(settings, source_id) == 2) is loads
    # On the fake clock: the deadline bounds a fetch, and at most one read overruns it.
    elapsed = count(settings, "SELECT sum(elapsed_ms) FROM fetches WHERE source_id = ?", source_id)
    assert elapsed <= (SCRIPTED.deadline + SCRIPTED.read_timeout) * 1000


def test_every_healthy_source_loads(fault_run: ScriptedRun) -> None:
    settings, _, _ = fault_run
    with connect(settings.warehouse, read_only=True) as con:
        loaded = con.execute(
            "SELECT source_id, count(*) FROM entries WHERE source_id LIKE 'h-%' GROUP BY 1"
        ).fetchall()
        errors = con.execute(
            "SELECT count(*) FROM fetches WHERE source_id LIKE 'h-%' AND error_class IS NOT NULL"
        ).fetchone()
    assert sorted(loaded) == [(s, 2) for s in HEALTHY]
    assert errors == (0,)


def test_missing_charset_is_detected_from_the_body(fault_run: ScriptedRun) -> None:
    settings, _, _ = fault_run
    with connect(settings.warehouse, read_only=True) as con:
        bodies = con.execute(
            "SELECT body FROM entries WHERE source_id = 'f-no-charset' ORDER BY ALL"
        ).fetchall()
    assert bodies == [("Grüße aus Köln, f-no-charset.",), ("Straße frei, f-no-charset.",)]


def test_a_latin1_header_over_utf8_is_read_as_utf8(fault_run: ScriptedRun) -> None:
    settings, _, _ = fault_run
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


def test_refused_sources_are_never_requested(fault_run: ScriptedRun) -> None:
    _, adapter, _ = fault_run
    asked = set(adapter.urls())
    assert url("f-robots") not in asked
    assert not any("127.0.0.1" in u for u in asked)
    assert f"{SITE}/robots.txt" in asked


def test_retry_after_is_waited_on_the_clock(fault_run: ScriptedRun) -> None:
    _, _, clock = fault_run
    # f-429's seconds and f-503-date's HTTP-date, one second after the response's Date.
    assert clock.sleeps.count(1.0) >= 2


# --- the replay server's faults over real sockets -------------------------------------------

FAULTS = """\
f-304: [{fault: not-modified, times: always}]
f-429: [{fault: status, status: 429, retry_after: 1}]
f-503-date: [{fault: status, status: 503, retry_after_date: 1}]
f-burst: [{fault: status, status: 500}, {fault: status, status: 503}]
f-down: [{fault: status, status: 503, times: always}]
f-reset: [{fault: reset, times: always}]
f-stall: [{fault: stall, seconds: 60, times: always}]
f-trickle: [{fault: trickle, chunk: 1, interval: 0.5, times: always}]
f-truncate: [{fault: truncate, times: always}]
f-wrong-charset: [{fault: content-type, value: "text/html; charset=iso-8859-1", times: always}]
f-no-charset: [{fault: content-type, value: text/html, times: always}]
f-huge: [{fault: huge, bytes: 2000000, times: always}]
f-loop: [{fault: redirect-loop, times: always}]
f-png: [{fault: content-type, value: image/png, times: always}]
f-robots: [{fault: robots-disallow}]
"""
REPLAYED = [line.split(":")[0] for line in FAULTS.splitlines()] + ["f-private"]


@pytest.mark.timeout(120)
def test_replay_faults_over_real_sockets(tmp_path: Path) -> None:
    """One attempt per source (the scripted run above checks the retries): the first
    attempt's row, as over the scripted adapter, and the healthy sources loaded."""
    root = tmp_path / "replay"
    for source_id in [*REPLAYED, *HEALTHY]:
        write_source(root, source_id)
    (root / "faults.yaml").write_text(FAULTS, encoding="utf-8")
    settings = make_settings(tmp_path, replace(REAL, max_attempts=1))
    with ReplayServer(root) as server:
        sources = [replay_source(server, s) for s in [*HEALTHY, *REPLAYED] if s != "f-private"]
        sources.append(replay_source(server, "f-private", allow_private=False))
        run_cycle(sources, settings, run_id="faults", now=NOW)
        asked = {r["source"] for r in server.request_log()}
    first = {s: [EXPECTED[s][0][0]] for s in REPLAYED}
    assert {s: fetch_log(settings, s) for s in REPLAYED} == first
    loaded = {s for s in [*REPLAYED, *HEALTHY] if entry_count(settings, s) == 2}
    assert loaded == {*HEALTHY, "f-wrong-charset", "f-no-charset"}
    assert "robots.txt" in asked
    assert not asked & {"f-robots", "f-private"}


def test_the_scripted_faults_are_the_replayed_ones_and_more() -> None:
    assert set(REPLAYED) <= set(EXPECTED)
