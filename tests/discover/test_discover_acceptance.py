"""Acceptance of issue 17 against a local outlet on the replay server (write_outlet):
tickers are found by themselves and loaded in the cycle they appear, articles are
classified once and never become sources, the ticker whose coverageEndTime passes ends
and drops out of the normal cadence, and the listings are fetched conditionally. The
sources file names no ticker: only the outlet and its two listings."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pipeline.cycle import run_cycle
from pipeline.demo.replay import OUTLET_STEP, ReplayServer, snapshot_name, write_outlet
from pipeline.discover.classify import ticker_id
from pipeline.settings import FetchConfig, Settings, from_env
from pipeline.sources import Outlet, load_outlets, load_sources
from pipeline.warehouse import connect

START = datetime(2025, 8, 14, 18, 0, tzinfo=UTC)
NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
FAST = FetchConfig(
    user_agent="tickerlake-tests/0 (+https://example.org/contact)",
    connect_timeout=1,
    read_timeout=1,
    deadline=4,
    max_attempts=1,
    host_concurrency=8,
    host_interval=0,
    workers=8,
)


def rows(settings: Settings, sql: str) -> list[tuple[Any, ...]]:
    with connect(settings.warehouse, read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture
def outlet(tmp_path: Path) -> Any:
    names = write_outlet(tmp_path / "replay", "blatt", START)
    with ReplayServer(tmp_path / "replay", at=START) as server:
        path = tmp_path / "sources.yaml"
        path.write_text(
            "sources: []\n"
            "outlets:\n"
            "  - id: blatt\n"
            "    feeds:\n"
            f"      - {server.source_url(names['feed'])}\n"
            f"      - {server.source_url(names['sitemap'])}\n"
            "    timezone: Europe/Berlin\n"
            "    language: de\n"
            "    poll_interval: 2m\n"
            "    allow_private: true\n",
            encoding="utf-8",
        )
        settings = replace(
            from_env({}), warehouse=tmp_path / "w.duckdb", data_dir=tmp_path / "d", fetch=FAST
        )
        yield server, names, path, settings


def cycle(path: Path, settings: Settings, run_id: str, now: datetime) -> None:
    run_cycle(load_sources(path), settings, run_id=run_id, now=now, outlets=load_outlets(path))


def requested(server: ReplayServer, since: int) -> list[dict[str, Any]]:
    return [r for r in server.request_log()[since:] if r["source"] != "robots.txt"]


def test_outlet_tickers_found_followed_and_ended(outlet: Any) -> None:
    server, names, path, settings = outlet
    url = {k: server.source_url(v) for k, v in names.items()}
    ids = {k: ticker_id("blatt", u) for k, u in url.items()}
    assert "ticker" not in path.read_text() and "liveblog" not in path.read_text()

    cycle(path, settings, "c1", START + timedelta(minutes=1))
    tickers = rows(settings, "SELECT source_id, status, entries FROM tickers ORDER BY ALL")
    assert {t[0] for t in tickers} == {ids["ended"], ids["plain"]}
    assert all(t[1] == "live" and t[2] > 0 for t in tickers)
    verdicts = dict(rows(settings, "SELECT url, verdict FROM discovered_items"))
    assert verdicts[url["article"]] == verdicts[url["article2"]] == "article"
    assert verdicts[url["plain"]] == "ticker"

    server.clock.set(START + OUTLET_STEP)
    seen = len(server.request_log())
    cycle(path, settings, "c2", START + OUTLET_STEP + timedelta(minutes=1))
    log = requested(server, seen)
    assert ids["later"] in {
        t[0] for t in rows(settings, "SELECT source_id FROM tickers WHERE entries > 0")
    }
    fetched = [r["source"] for r in log]
    assert names["article"] not in fetched and names["article2"] not in fetched
    sitemap = [r for r in log if r["source"] == names["sitemap"]]
    assert sitemap and sitemap[0]["if_none_match"] and sitemap[0]["status"] == 304
    assert rows(settings, f"SELECT status FROM sources WHERE source_id = '{ids['ended']}'") == [
        ("ended",)
    ]

    seen = len(server.request_log())
    cycle(path, settings, "c3", START + OUTLET_STEP + timedelta(minutes=5))
    fetched = [r["source"] for r in requested(server, seen)]
    assert names["plain"] in fetched and names["ended"] not in fetched
    assert rows(settings, "SELECT count(*) FROM sources WHERE outlet_id IS NULL") == [(0,)]
    article_ids = f"'{ids['article']}', '{ids['article2']}'"
    articles = rows(settings, f"SELECT count(*) FROM sources WHERE source_id IN ({article_ids})")
    assert articles == [(0,)]
    everything = [r["source"] for r in server.request_log()]
    assert everything.count(names["article"]) == everything.count(names["article2"]) == 1


def test_bad_listings_are_one_line_errors_and_the_cycle_goes_on(tmp_path: Path) -> None:
    root = tmp_path / "replay"
    names = write_outlet(root, "blatt", START)
    index = f"<sitemapindex {NS}><sitemap><loc>/bad-index</loc></sitemap></sitemapindex>"
    offhost = f"<urlset {NS}><url><loc>http://elsewhere.example/liveticker</loc></url></urlset>"
    for name, body in (
        ("bad-index", index),
        ("bad-offhost", offhost),
        ("bad-huge", "<rss>" + " " * 300_000 + "</rss>"),
    ):
        (root / name).mkdir()
        (root / name / snapshot_name(START, "xml")).write_text(body)
    with ReplayServer(root, at=START) as server:
        feeds = [server.source_url(n) for n in ("bad-index", "bad-offhost", "bad-huge")]
        good = Outlet("blatt", (server.source_url(names["feed"]), *feeds), allow_private=True)
        good = replace(good, hosts=("127.0.0.1",))
        private = Outlet("privat", (server.source_url(names["feed"]),), hosts=("127.0.0.1",))
        settings = replace(
            from_env({}),
            warehouse=tmp_path / "w.duckdb",
            data_dir=tmp_path / "d",
            fetch=replace(FAST, max_body_bytes=200_000),
        )
        run_cycle([], settings, run_id="c1", now=START, outlets=[good, private])
    errors = dict(
        rows(
            settings,
            "SELECT url, error_class || ': ' || error FROM fetches WHERE error_class IS NOT NULL",
        )
    )
    assert "loops back" in errors[server.source_url("bad-index")]
    assert errors[server.source_url("bad-huge")].startswith("BodyTooLargeError")
    assert errors["http://elsewhere.example/liveticker"].startswith("OffOutletHostError")
    assert any(e.startswith(("UnsafeUrlError", "PrivatePeer")) for e in errors.values())
    assert all("\n" not in e for e in errors.values())
    # The good listing still found its tickers.
    assert len(rows(settings, "SELECT * FROM tickers WHERE outlet = 'blatt'")) == 2


def test_an_outlet_served_from_another_port_keeps_its_tickers_and_verdicts(
    tmp_path: Path,
) -> None:
    """The same outlet from a replay server on another port (as a site that moved to
    https): its tickers keep their ids and follow the listed URL, its articles are not
    fetched again, nothing is discovered twice."""
    root = tmp_path / "replay"
    names = write_outlet(root, "blatt", START)
    settings = replace(
        from_env({}), warehouse=tmp_path / "w.duckdb", data_dir=tmp_path / "d", fetch=FAST
    )

    def cycle_on(server: ReplayServer, run_id: str, now: datetime) -> list[str]:
        feed = (server.source_url(names["feed"]),)
        outlet = Outlet("blatt", feed, allow_private=True, hosts=("127.0.0.1",))
        run_cycle([], settings, run_id=run_id, now=now, outlets=[outlet])
        return [r["source"] for r in server.request_log()]

    with ReplayServer(root, at=START) as first:
        cycle_on(first, "c1", START + timedelta(minutes=1))
    tickers = rows(settings, "SELECT source_id FROM tickers ORDER BY ALL")
    with ReplayServer(root, at=START) as second:
        assert second.url != first.url
        fetched = cycle_on(second, "c2", START + timedelta(minutes=10))
    assert rows(settings, "SELECT source_id FROM tickers ORDER BY ALL") == tickers
    assert len(tickers) == 2 and names["article"] not in fetched
    assert names["plain"] in fetched and names["ended"] in fetched
    urls = rows(settings, "SELECT url FROM sources")
    assert all(url.startswith(second.url) for (url,) in urls)
    verdicts = rows(settings, "SELECT count(*) FROM discovered_items")
    assert verdicts == [(3,)]  # the article and the two tickers, classified once
