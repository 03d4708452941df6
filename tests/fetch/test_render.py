"""Acceptance of issue 18 on the replay server's script-built ticker (write_js_ticker):
an empty shell whose script fetches its entries from a JSON endpoint that changes while
the shell stays byte-identical, and the same ticker inside an iframe. Rendering runs in
the system's Chromium (skipped without it, failed under TICKERLAKE_REQUIRE_SERVICES=1);
the tests of a machine without Chromium need none."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pipeline.cycle import CycleReport, run_cycle
from pipeline.demo.replay import JS_TICKER_STEP, ReplayServer, snapshot_name, write_js_ticker
from pipeline.fetch import archive, render
from pipeline.fetch.render import Renderer
from pipeline.reprocess import Selection, reprocess
from pipeline.settings import FetchConfig, RenderConfig, Settings, from_env
from pipeline.sources import load_sources
from pipeline.warehouse import connect
from tests.support.browser import chromium

START = datetime(2025, 8, 14, 18, 0, tzinfo=UTC)
FAST = FetchConfig(
    user_agent="tickerlake-tests/0 (+https://example.org/contact)",
    connect_timeout=2,
    read_timeout=5,
    deadline=10,
    max_attempts=1,
    host_concurrency=8,
    host_interval=0,
    workers=4,
)
STATIC_LIVE_BLOG = "".join(
    [
        "<!DOCTYPE html><html><head><title>Liveticker: Verkehr</title></head><body>",
        "<h1>Liveticker: Verkehr</h1><h2>14.08.2025</h2>",
        *(
            f"<h2>{clock} Uhr: Stau auf der A{n}</h2><p>Zwischen den Anschlussstellen "
            f"staut sich der Verkehr auf {n} Kilometern, die Polizei leitet um.</p>"
            for n, clock in enumerate(("19.40", "19.25", "19.10"), start=1)
        ),
        "</body></html>",
    ]
)


@pytest.fixture
def replay(tmp_path: Path) -> Iterator[tuple[ReplayServer, dict[str, str], Settings]]:
    root = tmp_path / "replay"
    names = write_js_ticker(root, "flut", START)
    (root / "verkehr").mkdir()
    (root / "verkehr" / snapshot_name(START, "html")).write_text(STATIC_LIVE_BLOG)
    settings = replace(
        from_env({}),
        warehouse=tmp_path / "w.duckdb",
        data_dir=tmp_path / "d",
        fetch=FAST,
        render=RenderConfig(timeout=15),
    )
    with ReplayServer(root, at=START) as server:
        yield server, names, settings


def sources_file(tmp_path: Path, server: ReplayServer, entries: dict[str, str | None]) -> Path:
    """A sources file of `id: render` (None: no render field), all on the replay server."""
    lines = ["sources:"]
    for source_id, mode in entries.items():
        lines += [f"  - id: {source_id}", f"    url: {server.source_url(source_id)}"]
        lines += ["    allow_private: true", "    timezone: Europe/Berlin"]
        lines += [f"    render: {mode}"] if mode else []
    path = tmp_path / "sources.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def cycle(path: Path, settings: Settings, run_id: str, now: datetime) -> CycleReport:
    return run_cycle(load_sources(path), settings, run_id=run_id, now=now)


def rows(settings: Settings, sql: str) -> list[tuple[Any, ...]]:
    with connect(settings.warehouse, read_only=True) as con:
        return con.execute(sql).fetchall()


def entries(settings: Settings, source_id: str) -> list[tuple[str, datetime]]:
    return [
        (r[0], r[1])
        for r in rows(
            settings,
            f"SELECT headline, published_at FROM entries WHERE source_id = '{source_id}' "
            "AND NOT is_deleted ORDER BY published_at",
        )
    ]


def expected(count: int) -> list[tuple[str, datetime]]:
    return [(f"Pegelstand {n}", START + timedelta(minutes=3 * n)) for n in range(count)]


def test_render_browser_gets_every_entry_and_the_new_ones(replay: Any, tmp_path: Path) -> None:
    chromium()
    server, names, settings = replay
    path = sources_file(tmp_path, server, {names["shell"]: "browser"})
    with render.using(Renderer(settings.render, settings.fetch)) as renderer:
        report = cycle(path, settings, "c1", START + timedelta(minutes=1))
        assert not report.failures
        assert entries(settings, "flut") == expected(3)

        server.clock.set(START + JS_TICKER_STEP)
        report = cycle(path, settings, "c2", START + JS_TICKER_STEP + timedelta(minutes=1))
        assert not report.failures
        assert entries(settings, "flut") == expected(5)
        # The shell never changed: it answered 304, and rendering still saw the new data.
        shell_log = [r["status"] for r in server.request_log() if r["source"] == "flut"]
        assert shell_log == [200, 304]
        assert renderer.rendered == ["flut", "flut"]

        # Nothing new in the data: rendered, found the same entries, staged no page.
        cycle(path, settings, "c3", START + JS_TICKER_STEP + timedelta(minutes=3))
    assert rows(settings, "SELECT count(*) FROM pages WHERE source_id = 'flut'") == [(2,)]
    assert rows(settings, "SELECT changed FROM fetches ORDER BY fetched_at") == [
        (True,),
        (True,),
        (False,),
    ]
    # The archive keeps the shell and each rendered DOM, which names its shell.
    shell_sha, page_sha = rows(
        settings, "SELECT f.sha256, p.sha256 FROM fetches f JOIN pages p USING (fetched_at)"
    )[0]
    assert b"Die Eintr" in archive.get(settings.archive_dir, shell_sha)
    assert b"Pegelstand 2" in archive.get(settings.archive_dir, page_sha)
    assert archive.rendered_from(settings.archive_dir, page_sha) == shell_sha
    # Reprocess re-parses the rendered DOMs (no browser, no network): the same entries.
    reprocess(settings, Selection(("flut",)), load_id="re", now=START + timedelta(hours=1))
    assert entries(settings, "flut") == expected(5)


def test_shell_detected_and_rendered_static_live_blog_never(replay: Any, tmp_path: Path) -> None:
    chromium()
    server, names, settings = replay
    ids: dict[str, str | None] = {names["shell"]: None, names["framed"]: None, "verkehr": None}
    path = sources_file(tmp_path, server, ids)
    with render.using(Renderer(settings.render, settings.fetch)) as renderer:
        report = cycle(path, settings, "c1", START + timedelta(minutes=1))
        assert not report.failures
        assert sorted(renderer.rendered) == ["flut", "flut-framed"]
        # The decision is remembered: the next cycle does not look at the shells again,
        # and the static live blog still never meets the browser.
        cycle(path, settings, "c2", START + timedelta(minutes=3))
        assert sorted(renderer.rendered) == ["flut", "flut", "flut-framed", "flut-framed"]
    assert entries(settings, "flut") == expected(3)
    assert entries(settings, "flut-framed") == expected(3)  # built inside the iframe
    assert len(entries(settings, "verkehr")) == 3
    assert rows(settings, "SELECT source_id, render_mode FROM sources ORDER BY 1") == [
        ("flut", "browser"),
        ("flut-framed", "browser"),
        ("verkehr", "static"),
    ]


def test_static_live_blog_never_starts_a_browser(replay: Any, tmp_path: Path) -> None:
    """No Chromium needed: a cycle over a static source starts none (and would fail if
    it tried, the executable being missing)."""
    server, _, settings = replay
    settings = replace(settings, render=RenderConfig(chromium=str(tmp_path / "no-chromium")))
    path = sources_file(tmp_path, server, {"verkehr": None})
    before = render.launches()
    with render.using(Renderer(settings.render, settings.fetch)) as renderer:
        report = cycle(path, settings, "c1", START + timedelta(minutes=1))
        assert not renderer.started and renderer.rendered == []
    assert not report.failures
    assert render.launches() == before
    assert len(entries(settings, "verkehr")) == 3


def test_without_chromium_rendering_sources_fail_in_one_line(replay: Any, tmp_path: Path) -> None:
    server, names, settings = replay
    settings = replace(settings, render=RenderConfig(chromium=str(tmp_path / "no-chromium")))
    path = sources_file(
        tmp_path, server, {names["shell"]: "browser", names["framed"]: None, "verkehr": None}
    )
    with render.using(Renderer(settings.render, settings.fetch)):
        report = cycle(path, settings, "c1", START + timedelta(minutes=1))
    failed = {f.source_id: f for f in report.failures}
    assert sorted(failed) == ["flut", "flut-framed"]
    for failure in failed.values():
        assert failure.error_class == "BrowserMissingError"
        assert "\n" not in failure.error
        assert "apt-get install chromium" in failure.error
        assert "no-chromium" in failure.error
    assert len(entries(settings, "verkehr")) == 3  # everything else ran
    assert entries(settings, "flut") == []
