"""A rendered page runs the publisher's code: every request it makes goes through the
fetcher's private-address guard. The page here is served from an allowed loopback origin
and tries a second loopback port directly, by redirect, by WebSocket and a metadata
address by name. No traffic can leave the machine even if the guard were broken: the
"other" port is our own listener that counts every connection, and the metadata name is
answered by fake resolvers (the guard's says 169.254.169.254, the socket layer's says
that listener)."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from pipeline.fetch.client import resolve
from pipeline.fetch.render import Renderer, RequestGuard
from pipeline.parse import parse_page
from pipeline.settings import FetchConfig, RenderConfig
from pipeline.sources import Source
from tests.support.browser import chromium
from tests.support.httpstub import serving

FAST = FetchConfig(user_agent="tickerlake-tests/0", connect_timeout=2, read_timeout=3)
METADATA = "metadata.test"


@dataclass
class Listener:
    """A loopback port the page may not reach: counts every connection it gets."""

    sock: socket.socket
    hits: list[bytes] = field(default_factory=list)

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])

    def serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(1)
                try:
                    self.hits.append(conn.recv(200))
                except OSError:
                    self.hits.append(b"")


@pytest.fixture
def forbidden() -> Iterator[Listener]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    listener = Listener(sock)
    threading.Thread(target=listener.serve, daemon=True).start()
    yield listener
    sock.close()


def page_html(other: int) -> str:
    entries = "".join(
        f"<article><time datetime='2025-08-14T18:0{n}:00Z'>18:0{n}</time><h3>Meldung {n}</h3>"
        f"<p>Der Pegel am Messpunkt {n} steigt weiter; die Feuerwehr baut Sandsäcke auf.</p>"
        "</article>"
        for n in range(3)
    )
    script = f"""
      const probe = (url) => fetch(url).catch(() => null);
      probe('http://127.0.0.1:{other}/direct');
      probe('/hop');
      probe('http://{METADATA}/latest/meta-data/');
      try {{ new WebSocket('ws://127.0.0.1:{other}/socket'); }} catch (e) {{}}
      setTimeout(() => {{ document.getElementById('t').innerHTML = `{entries}`; }}, 300);
    """
    return (
        "<html><head><title>Liveticker</title></head><body><div id='t'></div>"
        f"<iframe src='http://{METADATA}/latest/user-data'></iframe>"
        f"<script>{script}</script></body></html>"
    )


@pytest.fixture
def origin(forbidden: Listener) -> Iterator[str]:
    """The allowed origin: the page, and /hop redirecting to the forbidden port."""

    def respond(path: str) -> tuple[int, dict[str, str], bytes]:
        if path == "/hop":
            return 302, {"Location": f"http://127.0.0.1:{forbidden.port}/redirected"}, b""
        html = page_html(forbidden.port).encode()
        return 200, {"Content-Type": "text/html; charset=utf-8"}, html

    with serving(respond) as port:
        yield f"http://127.0.0.1:{port}/ticker"


def fake_resolver(host: str, port: int) -> list[str]:
    return ["169.254.169.254"] if host == METADATA else resolve(host, port)


@pytest.fixture
def no_real_dns(monkeypatch: pytest.MonkeyPatch, forbidden: Listener) -> None:
    """Should anything resolve the metadata name past the guard, it reaches our listener."""
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host == METADATA:
            return real("127.0.0.1", forbidden.port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.mark.usefixtures("no_real_dns")
def test_rendered_page_cannot_reach_other_private_addresses(
    origin: str, forbidden: Listener, caplog: pytest.LogCaptureFixture
) -> None:
    chromium()
    source = Source("probe", origin, allow_private=True)
    renderer = Renderer(RenderConfig(timeout=15), FAST, resolver=fake_resolver)
    try:
        with caplog.at_level(logging.WARNING, logger="pipeline.fetch.render"):
            done = renderer.render(source, origin, None)
    finally:
        renderer.close()
    assert forbidden.hits == []
    other = f"http://127.0.0.1:{forbidden.port}"
    assert {f"{other}/direct", f"{other}/redirected"} <= set(done.blocked)
    assert f"http://{METADATA}/latest/meta-data/" in done.blocked
    assert f"http://{METADATA}/latest/user-data" in done.blocked
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert f"rendering blocked a request to {other}/direct" in logged
    assert "resolves to non-public 169.254.169.254" in logged
    # The page's own origin works: its entries were built.
    page = parse_page(done.html, origin, fetched_at=datetime(2025, 8, 14, 19, tzinfo=UTC))
    assert len(page.entries) == 3


def test_guard_allows_only_the_sources_own_private_origin() -> None:
    local = Source("local", "http://127.0.0.1:8000/ticker", allow_private=True)
    guard = RequestGuard(local, fake_resolver)
    assert guard.refusal("http://127.0.0.1:8000/data.json") is None
    assert guard.refusal("http://127.0.0.1:8001/") == "127.0.0.1 resolves to non-public 127.0.0.1"
    assert guard.refusal(f"http://{METADATA}/") is not None
    assert guard.refusal("file:///etc/passwd") == "only http(s) URLs are fetched"
    public = RequestGuard(Source("pub", "http://127.0.0.1:8000/"), fake_resolver)
    assert public.refusal("http://127.0.0.1:8000/") is not None  # no allow_private
