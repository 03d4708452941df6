"""The pieces of rendering that need no page of ours: the `render:` field and the
settings, the iframe splice, when `render: auto` looks again, and the hard time limit of
a page whose script never returns (that one in Chromium)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pipeline.cycle import parse_result
from pipeline.errors import ConfigError, RenderTimeoutError
from pipeline.fetch import render
from pipeline.fetch.client import FetchResult
from pipeline.fetch.render import RECHECK, Rendered, Renderer, splice_frames
from pipeline.models import Validators
from pipeline.settings import FetchConfig, RenderConfig, from_env
from pipeline.sources import Source, load_sources
from tests.support.browser import chromium
from tests.support.httpstub import serving

NOW = datetime(2025, 8, 14, 20, tzinfo=UTC)
SHELL = b"<html><head><title>Liveticker</title></head><body><div id='t'></div></body></html>"


def test_render_field_is_validated_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        "sources:\n  - id: a\n    url: https://a.example/\n    render: always\n"
        "  - id: b\n    url: https://b.example/\n    render: true\n"
        "  - id: c\n    url: https://c.example/\n    render: browser\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_sources(path)
    assert str(caught.value).splitlines() == [
        f"{path}:4: sources[0].render: 'always' is not one of auto, never, browser",
        f"{path}:7: sources[1].render: expected a string, got True",
    ]
    path.write_text("sources:\n  - id: c\n    url: https://c.example/\n")
    assert load_sources(path)[0].render == "auto"


def test_render_settings() -> None:
    assert from_env({}).render == RenderConfig("chromium", 20.0, 200)
    env = {"TICKERLAKE_CHROMIUM": "/opt/c", "TICKERLAKE_RENDER_TIMEOUT": "5"}
    assert from_env(env).render == RenderConfig("/opt/c", 5.0, 200)
    with pytest.raises(ConfigError, match="TICKERLAKE_RENDER_TIMEOUT"):
        from_env({"TICKERLAKE_RENDER_TIMEOUT": "0"})
    with pytest.raises(ConfigError, match="TICKERLAKE_RENDER_PAGES"):
        from_env({"TICKERLAKE_RENDER_PAGES": "1.5"})


def test_splice_puts_the_frames_document_where_its_iframe_was() -> None:
    frame = "<iframe data-tickerlake-frame='0-0' src='/f'></iframe>"
    outer = f"<html><body><p>vor</p>{frame}nach</body></html>"
    inner = (
        "<html><head><script type='application/ld+json'>{}</script><script>x()</script></head>"
        "<body>a<article>Eintrag</article></body></html>"
    )
    html = splice_frames(outer, {"0-0": inner})
    assert "<iframe" not in html
    assert (
        '<div data-tickerlake-frame="/f">a<article>Eintrag</article>'
        '<script type="application/ld+json">{}</script></div>nach' in html
    )
    assert "x()" not in html  # only the structured data of the frame's head


class FakeRenderer(Renderer):
    """Renders without a browser: returns `html` and counts."""

    def __init__(self, html: bytes) -> None:
        super().__init__(RenderConfig(), FetchConfig(user_agent="t"))
        self.html = html

    def render(self, source: Source, url: str, shell: bytes | None) -> Rendered:
        assert shell is not None
        self.rendered.append(source.source_id)
        return Rendered(self.html, url, 0.0, 1)


def ticker_html(count: int) -> bytes:
    posts = "".join(
        f"<article><time datetime='2025-08-14T19:{n:02d}:00Z'>19:{n:02d}</time><h3>M {n}</h3>"
        f"<p>Der Pegel am Messpunkt {n} steigt weiter; die Feuerwehr baut Sandsäcke auf.</p>"
        "</article>"
        for n in range(count)
    )
    return f"<html><head><title>Liveticker</title></head><body>{posts}</body></html>".encode()


def shown(tmp_path: Path, old: Validators, renderer: Renderer, *, status: int = 200) -> Any:
    settings = replace(from_env({}), data_dir=tmp_path)
    source = Source("s", "https://s.example/liveticker")
    body = SHELL if status == 200 else None
    final = FetchResult("s", source.url, NOW, status=status, body=body, sha256="x")
    with render.using(renderer):
        return render.view(source, final, old, body, settings, parse_result)


def test_auto_looks_again_only_after_the_recheck_interval(tmp_path: Path) -> None:
    fake = FakeRenderer(ticker_html(3))
    fresh = (NOW - RECHECK / 2).isoformat()
    stale = (NOW - RECHECK - timedelta(minutes=1)).isoformat()
    kept = shown(tmp_path, Validators(render_mode="static", render_checked_at=fresh), fake)
    assert fake.rendered == [] and kept.row == {} and kept.body == SHELL
    again = shown(tmp_path, Validators(render_mode="static", render_checked_at=stale), fake)
    assert fake.rendered == ["s"]
    assert again.row["render_mode"] == "browser" and again.row["render_checked_at"] == NOW
    assert again.body == fake.html and len(again.page.entries) == 3


def test_auto_keeps_the_static_page_when_rendering_does_not_help(tmp_path: Path) -> None:
    fake = FakeRenderer(SHELL)
    done = shown(tmp_path, Validators(), fake)
    assert fake.rendered == ["s"]
    assert done.row == {"render_checked_at": NOW, "render_mode": "static"}
    assert done.body == SHELL


def test_a_rendered_source_with_the_same_entries_is_unchanged(tmp_path: Path) -> None:
    fake = FakeRenderer(ticker_html(3))
    first = shown(
        tmp_path, Validators(render_mode="browser", render_checked_at=NOW.isoformat()), fake
    )
    digest = first.row["render_sha256"]
    old = Validators(render_mode="browser", render_checked_at=NOW.isoformat(), render_sha256=digest)
    assert shown(tmp_path, old, fake).body is None
    fake.html = ticker_html(4)
    assert shown(tmp_path, old, fake).body == fake.html


@pytest.fixture
def stuck() -> Iterator[str]:
    """A page whose script never returns."""

    body = b"<html><body><script>while (true) {}</script></body></html>"
    with serving(lambda _: (200, {"Content-Type": "text/html"}, body)) as port:
        yield f"http://127.0.0.1:{port}/"


def test_a_hung_page_hits_the_time_limit_and_the_browser_restarts(stuck: str) -> None:
    chromium()
    source = Source("stuck", stuck, allow_private=True)
    renderer = Renderer(RenderConfig(timeout=3), FetchConfig(user_agent="t"))
    before = render.launches()
    try:
        with pytest.raises(RenderTimeoutError, match="not rendered within 3 s"):
            renderer.render(source, stuck, None)
        assert not renderer.started
        page = renderer.render(source, stuck, SHELL)  # a fresh browser renders the next page
        assert b"Liveticker" in page.html
    finally:
        renderer.close()
    assert render.launches() == before + 2


def test_the_browser_is_restarted_after_its_page_quota(stuck: str) -> None:
    chromium()
    source = Source("q", stuck, allow_private=True)
    renderer = Renderer(RenderConfig(pages_per_browser=2), FetchConfig(user_agent="t"))
    before = render.launches()
    try:
        for _ in range(3):  # the shell is served from memory: the stuck page never runs
            renderer.render(source, stuck, SHELL)
    finally:
        renderer.close()
    assert render.launches() == before + 2


def test_a_cross_origin_iframe_is_inlined(stuck: str) -> None:
    """A `data:` document is an opaque origin: cross-origin to the page that embeds it."""
    chromium()
    inner = ticker_html(3).decode().replace("'", "&#39;").replace('"', "&quot;")
    shell = f"<html><body><h1>Live</h1><iframe src='data:text/html,{inner}'></iframe></body></html>"
    renderer = Renderer(RenderConfig(), FetchConfig(user_agent="t"))
    try:
        done = renderer.render(Source("x", stuck, allow_private=True), stuck, shell.encode())
    finally:
        renderer.close()
    page = parse_result(Source("x", stuck), FetchResult("x", stuck, NOW, headers={}), done.html)
    assert page is not None and sorted(e.headline or "" for e in page.entries) == [
        "M 0",
        "M 1",
        "M 2",
    ]
    assert b'data-tickerlake-frame="data:text/html' in done.html
