"""Acceptance (issue 16): paginated tickers played through the replay server in every
style. Every entry reaches `entries` after each cycle and none is withdrawn although
entries slide to older pages; an unchanged cycle costs one request per ticker; a loop
ends with all its entries, an endless chain within max_pages and the page budget; real
deletions on page 1 and on an older page are detected."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pipeline.cycle import run_cycle
from pipeline.demo.paginated import Post, posts, write_ticker
from pipeline.demo.replay import ReplayServer
from pipeline.reprocess import Selection, reprocess
from pipeline.settings import Settings
from pipeline.sources import Source
from pipeline.warehouse import connect
from tests.support.settings import on_file

STYLES = ("path", "query", "block", "older")
START = datetime(2025, 8, 14, 4, 0, tzinfo=UTC)  # 06.00 Uhr in Berlin
POSTS = posts(53, START, timedelta(minutes=2))  # oldest first
# 35 entries at first sight, +15 in one burst (more than a page), +3, then unchanged.
T = [START + timedelta(minutes=m) for m in (70, 100, 106, 110)]
SHOWN = [POSTS[:35], POSTS[:50], POSTS[:53], POSTS[:53]]


def fast(settings: Settings, **fetch: Any) -> Settings:
    """No pause between requests to the one replay host (politeness is tested apart)."""
    return replace(settings, fetch=replace(settings.fetch, host_interval=0.0, **fetch))


@pytest.fixture
def settings(warehouse_path: Path) -> Settings:
    return fast(on_file(warehouse_path))


def source(server: ReplayServer, source_id: str, **extra: Any) -> Source:
    url = server.source_url(source_id)
    return Source(source_id, url, timezone="Europe/Berlin", allow_private=True, **extra)


def requests_by_source(server: ReplayServer, since: int) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in server.request_log()[since:]:
        if row["source"] != "robots.txt":
            counts[row["source"]] = counts.get(row["source"], 0) + 1
    return counts


def entries(settings: Settings, source_id: str) -> dict[str, tuple[bool, int]]:
    """Headline → (is_deleted, missing_count) of the source's entries."""
    with connect(settings.warehouse, read_only=True) as con:
        rows = con.execute(
            "SELECT headline, is_deleted, missing_count FROM entries WHERE source_id = ?",
            [source_id],
        ).fetchall()
    return {r[0]: (r[1], r[2]) for r in rows}


def headlines(shown: list[Post]) -> set[str]:
    return {p.headline for p in shown}


def test_every_style_keeps_the_whole_ticker_and_withdraws_nothing(
    tmp_path: Path, settings: Settings
) -> None:
    root = tmp_path / "replay"
    for style in STYLES:
        write_ticker(root, style, style, list(zip(T[:3], SHOWN[:3], strict=True)))
    expected_requests = [
        dict.fromkeys(STYLES, 4),  # first sight: pages 1-4 (10, 10, 10, 5 entries)
        dict.fromkeys(STYLES, 2),  # the burst left a gap: page 2 reaches the known entries
        dict.fromkeys(STYLES, 1),  # +3: page 1 still reaches the known entries
        dict.fromkeys(STYLES, 1),  # unchanged: one conditional request (304)
    ]
    with ReplayServer(root, at=T[0]) as server:
        sources = [source(server, style) for style in STYLES]
        for number, (at, shown) in enumerate(zip(T, SHOWN, strict=True)):
            server.clock.set(at)
            seen = len(server.request_log())
            run_cycle(sources, settings, run_id=f"c{number}", now=at)
            assert requests_by_source(server, seen) == expected_requests[number], number
            for style in STYLES:
                got = entries(settings, style)
                assert set(got) == headlines(shown), (number, style)
                assert not any(deleted for deleted, _ in got.values()), (number, style)
                assert not any(missed for _, missed in got.values()), (number, style)
        statuses = [r["status"] for r in server.request_log()[-len(STYLES) :]]
        assert statuses == [304] * len(STYLES)
    with connect(settings.warehouse, read_only=True) as con:
        pages = con.execute(
            "SELECT source_id, list(page_no ORDER BY page_no) FROM fetches "
            "WHERE fetched_at = ? GROUP BY 1 ORDER BY 1",
            [T[0]],
        ).fetchall()
        assert pages == [(s, [1, 2, 3, 4]) for s in sorted(STYLES)]
        reach = con.execute(
            "SELECT fetched_at, page_count, whole_ticker FROM pages WHERE source_id = 'path' "
            "ORDER BY 1"
        ).fetchall()
        assert reach == [(T[0], 4, True), (T[1], 2, False), (T[2], 1, False)]
        versions = con.execute(
            "SELECT change_kind, count(*) FROM entry_versions GROUP BY 1"
        ).fetchall()
        assert versions == [("new", 53 * len(STYLES))]


def test_a_loop_ends_with_all_its_entries(
    tmp_path: Path, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    root = tmp_path / "replay"
    write_ticker(root, "loop", "loop", [(T[0], POSTS[:25])])  # page 3 leads back to page 1
    with ReplayServer(root, at=T[0]) as server, caplog.at_level(logging.WARNING):
        run_cycle([source(server, "loop")], settings, run_id="c0", now=T[0])
        assert requests_by_source(server, 0) == {"loop": 4}  # pages 1-3, page 1 again
    assert set(entries(settings, "loop")) == headlines(POSTS[:25])
    assert any("a loop, stopped" in r.getMessage() for r in caplog.records)


def test_an_endless_chain_stops_at_max_pages_and_within_the_budget(
    tmp_path: Path, warehouse_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    chain = posts(300, START - timedelta(hours=3), timedelta(seconds=30), prefix="e")
    root = tmp_path / "replay"
    write_ticker(root, "endless", "endless", [(T[0], chain)])
    write_ticker(root, "long", "endless", [(T[0], chain)])
    write_ticker(root, "short", "path", [(T[0], POSTS[:35])])
    default, budget = fast(on_file(warehouse_path)), fast(on_file(warehouse_path), page_budget=12)
    with ReplayServer(root, at=T[0]) as server, caplog.at_level(logging.WARNING):
        # Alone, with the default budget (200): max_pages (20) ends the chain.
        run_cycle([source(server, "endless")], default, run_id="a", now=T[0])
        assert requests_by_source(server, 0) == {"endless": 20}
        # Sharing a budget of 12 older pages: however the shard's threads race for it,
        # no more than 12 deeper pages are read in all.
        seen = len(server.request_log())
        sources = [source(server, "long", max_pages=1000), source(server, "short")]
        run_cycle(sources, budget, run_id="b", now=T[0])
        asked = requests_by_source(server, seen)
        assert sum(asked.values()) - len(sources) == 12
    assert len(entries(budget, "endless")) == 20
    messages = [r.getMessage() for r in caplog.records]
    assert any("max_pages=20" in m for m in messages)
    assert any("page budget is spent" in m for m in messages)


def test_real_deletions_on_page_one_and_on_an_older_page_are_detected(
    tmp_path: Path, settings: Settings
) -> None:
    gone_first, gone_deeper = POSTS[33], POSTS[35]
    at = [T[0] + timedelta(minutes=m) for m in (0, 10, 20, 40)]
    timeline = [
        (at[0], POSTS[:35]),
        # withdrawn from page 1; page 1 changes (two new entries) but shows no gap
        (at[1], [p for p in POSTS[:37] if p is not gone_first]),
        (at[2], [p for p in POSTS[:38] if p is not gone_first]),
        # a burst of 12: page 1 all new, the gap read reaches page 2, where the entry
        # withdrawn meanwhile would have been
        (at[3], [p for p in POSTS[:50] if p not in (gone_first, gone_deeper)]),
    ]
    root = tmp_path / "replay"
    write_ticker(root, "del", "path", timeline)
    with ReplayServer(root, at=at[0]) as server:
        ticker = source(server, "del")
        states = []
        for number, when in enumerate(at):
            server.clock.set(when)
            run_cycle([ticker], settings, run_id=f"d{number}", now=when)
            got = entries(settings, "del")
            states.append((got[gone_first.headline], got.get(gone_deeper.headline)))
    # Page 1: a miss, then withdrawn at the second, as on any ticker.
    assert states[1][0] == (False, 1)
    assert states[2][0] == (True, 2)
    # The older page: withdrawn the first time that page is read without it.
    assert states[2][1] == (False, 0)
    assert states[3][1] == (True, 1)
    final = entries(settings, "del")
    withdrawn = {h for h, (deleted, _) in final.items() if deleted}
    assert withdrawn == {gone_first.headline, gone_deeper.headline}
    assert set(final) == headlines(POSTS[:50])
    with connect(settings.warehouse, read_only=True) as con:
        kinds = con.execute(
            "SELECT e.headline, v.valid_from FROM entry_versions v JOIN entries e "
            "USING (entry_id) WHERE change_kind = 'deleted' ORDER BY 2"
        ).fetchall()
    assert kinds == [(gone_first.headline, at[2]), (gone_deeper.headline, at[3])]


def warehouse_state(settings: Settings) -> list[list[tuple[Any, ...]]]:
    with connect(settings.warehouse, read_only=True) as con:
        return [
            con.execute(f"SELECT * EXCLUDE (load_id) FROM {table} ORDER BY ALL").fetchall()
            for table in ("entry_versions", "pages")
        ] + [con.execute("SELECT * FROM entries ORDER BY ALL").fetchall()]


def test_reprocess_rereads_the_archived_older_pages(tmp_path: Path, settings: Settings) -> None:
    gone = POSTS[34]
    timeline = [
        (T[0], POSTS[:20]),
        (T[1], POSTS[:35]),
        (T[2], [p for p in POSTS if p is not gone]),  # a gap read; one withdrawn on page 2
    ]
    root = tmp_path / "replay"
    write_ticker(root, "re", "block", timeline)
    with ReplayServer(root, at=T[0]) as server:
        for number, (at, _) in enumerate(timeline):
            server.clock.set(at)
            run_cycle([source(server, "re")], settings, run_id=f"r{number}", now=at)
        before, asked = warehouse_state(settings), len(server.request_log())
        reprocess(settings, Selection(), load_id="again", now=T[2])
        assert len(server.request_log()) == asked  # no network: the archive's pages
    assert warehouse_state(settings) == before
    got = entries(settings, "re")
    assert len(got) == 53 and got[gone.headline] == (True, 1)
