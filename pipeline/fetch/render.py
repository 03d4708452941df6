"""Tickers that only exist after their script runs: headless rendering in the system's
Chromium, driven by Playwright (`playwright install` is never needed: the executable is
Debian's `chromium`, or whatever TICKERLAKE_CHROMIUM names).

**When.** A source's `render:` is `never`, `browser` or `auto` (the default). `auto`
renders only when the static page is a ticker shell (`pipeline.parse.shell`) *and*
rendering then finds more entries; the decision is remembered per source in the
warehouse (`sources.render_mode`) and taken again after `RECHECK`. A static source never
pays for a browser: the browser starts lazily, at the first page that needs it.

**How.** One browser per worker thread (the cycle parses on one thread, so in practice
one per worker process), reused; a fresh context per page, so no cookie, storage or cache
outlives a page; downloads, popups, permissions and service workers off. The shell the
fetcher already has is served to the browser from memory, then the page's own requests
run; the renderer waits until entries appear (a count of time stamps that has settled,
never `networkidle`), under a hard per-page limit after which the browser is killed
and restarted, as it is after `RenderConfig.pages_per_browser` pages. The DOM, with the
documents of same-origin and embedded iframes inlined where their `<iframe>` was, goes
to the same `parse_page` as any page.

**Security.** The browser never talks to the network itself. Every request it makes is
intercepted (`context.route`) and made by Python through the fetcher's session, so the
same private-address guard applies (`pipeline.fetch.netguard`: the address check before
the request, the connected-peer check against DNS rebinding, every redirect hop checked
again); what it refuses is aborted and logged. A source with `allow_private` (a local
replay server) may reach its *own* origin only: its page cannot open other private
addresses or ports. As a second wall, Chromium is pointed at a proxy that refuses every
connection, so a request that escaped interception (a WebSocket, a prefetch) goes
nowhere, and WebRTC may not use UDP outside a proxy.

**Change.** A rendered source's shell may stay byte-identical (or answer 304) while its
data changes: it is rendered every time it is due, and judged by the hash of its
rendered entries (`sources.render_sha256`). The raw archive keeps the shell and the
rendered DOM (whose sidecar names the shell it came from).
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import logging
import os
import shutil
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import lxml.html
import psutil
import requests

from pipeline.errors import (
    BrowserMissingError,
    RenderError,
    RenderTimeoutError,
    SourceError,
)
from pipeline.fetch import archive
from pipeline.fetch.client import CHUNK, FetchResult, Resolver, new_session, resolve
from pipeline.fetch.netguard import PrivatePeerError, allowing_private, is_public
from pipeline.models import ParsedPage, Validators
from pipeline.parse.shell import shell_reason
from pipeline.settings import FetchConfig, RenderConfig, Settings
from pipeline.sources import Source

if TYPE_CHECKING:  # Playwright is imported when a browser starts: cycles without one
    # never pay for it
    from playwright.sync_api import Browser, BrowserContext, Frame, Page, Playwright, Request, Route

log = logging.getLogger(__name__)

RECHECK = timedelta(hours=24)  # how long a `render: auto` decision is trusted
RENDERED_TYPE = "text/html; charset=utf-8"
INSTALL_HINT = "install it (Debian: apt-get install chromium) or set TICKERLAKE_CHROMIUM"
POLL = 0.05  # seconds between two looks for entries
STABLE = 0.2  # entries count as there once their count held this long
SETTLE_SHARE = 0.5  # of the page's time limit, spent waiting for entries at most
MIN_ENTRIES = 2
KILL_GRACE = 2.0  # seconds past the hard limit before a hung browser is killed
MAX_FRAME_DEPTH = 3
MAX_FRAMES = 20
# Headers Python's session sets itself, or that must not travel between hops.
_REQUEST_DROP = {"host", "cookie", "content-length", "accept-encoding", "connection"}
_RESPONSE_DROP = {"content-encoding", "content-length", "transfer-encoding", "connection"}
LAUNCH_ARGS = (
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--no-first-run",
    "--dns-prefetch-disable",
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
    "--webrtc-ip-handling-policy=disable_non_proxied_udp",
)
# How many entry-like marks a document shows: time elements and texts that open with a
# clock. The count (and the text length) settling is the sign the script is done.
_ENTRY_SIGNAL = """() => {
  const marks = document.querySelectorAll('time, [datetime]').length;
  let clocks = 0, seen = 0;
  for (const el of document.querySelectorAll('h1,h2,h3,h4,h5,h6,strong,b,span,p,li,div')) {
    if (++seen > 5000) break;
    const first = el.firstChild;
    const text = first && first.nodeType === 3 ? first.textContent : '';
    if (/^\\s*\\d{1,2}[:.]\\d{2}\\b/.test(text)) clocks++;
  }
  return [marks + clocks, document.body ? document.body.innerText.length : 0];
}"""
_FRAME_MARK = "data-tickerlake-frame"
_LAUNCHES = 0  # browsers started by this process (tests prove a static cycle starts none)
_LAUNCH_LOCK = threading.Lock()


def launches() -> int:
    """How many browsers this process has started."""
    return _LAUNCHES


@dataclass(frozen=True, slots=True)
class Rendered:
    """A page after its scripts ran: the DOM (iframes inlined) and what it cost."""

    html: bytes
    url: str
    seconds: float
    requests: int
    blocked: tuple[str, ...] = ()


# --- the guard, for the browser's requests ------------------------------------------------


@dataclass(slots=True)
class RequestGuard:
    """The fetcher's address rules for one rendered page. A source with `allow_private`
    may reach the origin of its own URL whatever it resolves to, nothing else private."""

    source: Source
    resolver: Resolver = resolve
    blocked: list[str] = field(default_factory=list)

    def own_origin(self, url: str) -> bool:
        return self.source.allow_private and _origin(url) == _origin(self.source.url)

    def refusal(self, url: str) -> str | None:
        """Why `url` may not be requested, or None."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return "only http(s) URLs are fetched"
        if self.own_origin(url):
            return None
        try:
            addresses = self.resolver(parts.hostname, parts.port or 443)
        except OSError as exc:
            return f"DNS: {exc}"
        private = next((a for a in addresses if not is_public(a)), None)
        if private is not None:
            return f"{parts.hostname} resolves to non-public {private}"
        return None

    def block(self, url: str, reason: str) -> None:
        self.blocked.append(url)
        log.warning(
            "source %r (%s): rendering blocked a request to %s: %s",
            self.source.source_id,
            self.source.url,
            url,
            reason,
        )


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), parts.port or default


@dataclass(slots=True)
class Gateway:
    """Makes the browser's requests in Python, through the guarded session."""

    session: requests.Session
    config: FetchConfig
    guard: RequestGuard
    deadline: float
    count: int = 0

    def forward(self, route: Route, request: Request) -> None:
        self.count += 1
        method, url = request.method, request.url
        body = request.post_data_buffer if method == "POST" else None
        if method not in ("GET", "HEAD", "POST"):
            route.abort("blockedbyclient")
            return
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _REQUEST_DROP}
        for _ in range(self.config.max_redirects + 1):
            response = self._request(route, method, url, headers, body)
            if response is None:
                return
            if not response.is_redirect:
                self._fulfill(route, response)
                return
            response.close()
            url = urljoin(url, response.headers["location"])
            if response.status_code in (301, 302, 303):
                method, body = ("HEAD" if method == "HEAD" else "GET"), None
        route.abort("failed")

    def _request(
        self, route: Route, method: str, url: str, headers: dict[str, str], body: bytes | None
    ) -> requests.Response | None:
        """The response, or None when the request was refused or failed (then aborted)."""
        reason = self.guard.refusal(url)
        remaining = self.deadline - time.monotonic()
        if reason is None and remaining <= 0:
            route.abort("timedout")
            return None
        if reason is not None:
            self.guard.block(url, reason)
            route.abort("blockedbyclient")
            return None
        timeout = (
            min(self.config.connect_timeout, remaining),
            min(self.config.read_timeout, remaining),
        )
        try:
            with allowing_private(self.guard.own_origin(url)):
                return self.session.request(
                    method, url, headers=headers, data=body, timeout=timeout,
                    stream=True, allow_redirects=False,
                )  # fmt: skip
        except PrivatePeerError as exc:
            self.guard.block(url, f"{exc}, although it resolved to public addresses")
        except requests.RequestException as exc:
            log.info("rendering: %s %s failed: %s", method, url, type(exc).__name__)
        route.abort("failed")
        return None

    def _fulfill(self, route: Route, response: requests.Response) -> None:
        with response:
            try:
                body = _read_capped(response, self.config.max_body_bytes, self.deadline)
            except (OSError, requests.RequestException, ValueError) as exc:
                log.info("rendering: reading %s failed: %s", response.url, exc)
                route.abort("failed")
                return
        headers = {k: v for k, v in response.headers.items() if k.lower() not in _RESPONSE_DROP}
        route.fulfill(status=response.status_code, headers=headers, body=body)


def _read_capped(response: requests.Response, limit: int, deadline: float) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := response.raw.read1(CHUNK, decode_content=True):
        size += len(chunk)
        chunks.append(bytes(chunk))
        if size > limit:
            raise ValueError(f"body over {limit} bytes")
        if time.monotonic() > deadline:
            raise ValueError("page time limit reached while reading")
    return b"".join(chunks)


# --- the browser ----------------------------------------------------------------------------


class Renderer:
    """One lazily started Chromium, reused page after page. Playwright's sync API holds
    an event loop on the thread that started it (asyncio.run would fail there), so every
    browser call runs on the renderer's own thread; `render` may be called from any."""

    def __init__(
        self, config: RenderConfig, fetch: FetchConfig, *, resolver: Resolver = resolve
    ) -> None:
        self.config = config
        self.fetch = fetch
        self.resolver = resolver
        self.rendered: list[str] = []  # source ids, in order (tests, the bench)
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._pids: set[int] = set()
        self._pages_on_browser = 0
        self._sink: socket.socket | None = None
        self._session: requests.Session | None = None
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="render")

    @property
    def started(self) -> bool:
        return self._browser is not None

    def render(self, source: Source, url: str, shell: bytes | None) -> Rendered:
        """The page at `url` after its scripts ran. `shell` is the page's HTML as the
        fetcher got it (None: the browser requests it, through the guard like the rest).
        Raises BrowserMissingError, RenderTimeoutError or RenderError."""
        return self._thread.submit(self._render, source, url, shell).result()

    def _render(self, source: Source, url: str, shell: bytes | None) -> Rendered:
        browser = self._ready(source, url)  # a browser's start is not the page's time
        started = time.monotonic()
        deadline = started + self.config.timeout
        guard = RequestGuard(source, self.resolver)
        gateway = Gateway(self._session_for(), self.fetch, guard, deadline)
        context = self._context(browser)
        watchdog = threading.Timer(self.config.timeout + KILL_GRACE, self._kill)
        watchdog.daemon = True
        watchdog.start()
        try:
            html = self._page(context, gateway, url, shell, deadline)
        except _browser_errors() as exc:
            self._discard()
            if time.monotonic() >= deadline:
                raise RenderTimeoutError(
                    source.source_id, url, f"page not rendered within {self.config.timeout:g} s"
                ) from exc
            raise RenderError(source.source_id, url, _first_line(exc)) from exc
        finally:
            watchdog.cancel()
            with contextlib.suppress(*_browser_errors()):
                context.close()
        self.rendered.append(source.source_id)
        seconds = time.monotonic() - started
        return Rendered(html.encode(), url, seconds, gateway.count, tuple(guard.blocked))

    def _page(
        self,
        context: BrowserContext,
        gateway: Gateway,
        url: str,
        shell: bytes | None,
        deadline: float,
    ) -> str:
        page = context.new_page()
        context.on("page", _close_popup)  # registered after our page: only popups
        served = [shell is None]
        main = page.main_frame

        def handle(route: Route, request: Request) -> None:
            with contextlib.suppress(*_browser_errors()):  # the page went away meanwhile
                if not served[0] and request.is_navigation_request() and request.frame == main:
                    served[0] = True
                    route.fulfill(status=200, headers={"content-type": RENDERED_TYPE}, body=shell)
                    return
                gateway.forward(route, request)

        context.route("**/*", handle)
        page.goto(url, wait_until="domcontentloaded", timeout=_ms(deadline))
        wait_for_entries(page, time.monotonic() + self.config.timeout * SETTLE_SHARE, deadline)
        return inline_frames(page.main_frame)

    def _context(self, browser: Browser) -> BrowserContext:
        context = browser.new_context(
            service_workers="block",
            accept_downloads=False,
            permissions=[],
            user_agent=self.fetch.user_agent,
            java_script_enabled=True,
        )
        context.set_default_timeout(self.config.timeout * 1000)
        return context

    def _ready(self, source: Source, url: str) -> Browser:
        """The browser, started (or restarted after its page quota) when needed."""
        executable = shutil.which(self.config.chromium)
        if executable is None:
            raise BrowserMissingError(
                source.source_id,
                url,
                f"rendering needs Chromium, but {self.config.chromium!r} was not found; "
                + INSTALL_HINT,
            )
        if self._browser is not None and self._pages_on_browser >= self.config.pages_per_browser:
            self._discard()
        if self._browser is None:
            self._browser = self._launch(source, url, executable)
            self._pages_on_browser = 0
        self._pages_on_browser += 1
        return self._browser

    def _launch(self, source: Source, url: str, executable: str) -> Browser:
        global _LAUNCHES
        before = _browser_pids()
        try:
            if self._playwright is None:
                from playwright.sync_api import sync_playwright

                self._playwright = sync_playwright().start()
            browser = self._playwright.chromium.launch(
                executable_path=executable,
                headless=True,
                args=list(LAUNCH_ARGS),
                proxy={"server": f"http://127.0.0.1:{self._sink_port()}", "bypass": "<-loopback>"},
                timeout=self.config.timeout * 1000,
            )
        except _browser_errors() as exc:
            self._discard()
            raise RenderError(
                source.source_id, url, f"Chromium did not start: {_first_line(exc)}"
            ) from exc
        self._pids = _browser_pids() - before
        with _LAUNCH_LOCK:
            _LAUNCHES += 1
        log.info("rendering: started Chromium %s (pid %s)", browser.version, sorted(self._pids))
        return browser

    def _sink_port(self) -> int:
        """A loopback port bound but never listening: every connection to it is refused.
        The browser's proxy, for whatever request escapes interception."""
        if self._sink is None:
            self._sink = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self._sink.bind(("127.0.0.1", 0))
        return int(self._sink.getsockname()[1])

    def _session_for(self) -> requests.Session:
        if self._session is None:
            self._session = new_session(self.fetch)
        return self._session

    def _kill(self) -> None:
        """The hard limit: a page stuck in a script blocks every call into the browser,
        so its processes are killed from the watchdog thread (ours only, by pid)."""
        for pid in self._pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)

    def _discard(self) -> None:
        """Drop the browser (closed, or killed when it does not answer)."""
        browser, self._browser = self._browser, None
        if browser is not None:
            try:
                browser.close()
            except _browser_errors():
                self._kill()
        self._pids = set()
        playwright, self._playwright = self._playwright, None
        if playwright is not None:
            with contextlib.suppress(*_browser_errors(), RuntimeError):
                playwright.stop()

    def close(self) -> None:
        with contextlib.suppress(RuntimeError):  # already shut down
            self._thread.submit(self._discard).result()
        self._thread.shutdown()
        if self._sink is not None:
            self._sink.close()
            self._sink = None
        if self._session is not None:
            self._session.close()
            self._session = None


def _browser_errors() -> tuple[type[Exception], ...]:
    from playwright.sync_api import Error

    return (Error,)


def _browser_pids() -> set[int]:
    """Chromium main processes below this process (Playwright starts them with a pipe)."""
    found = set()
    for child in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.Error):
            if "--remote-debugging-pipe" in child.cmdline():
                found.add(child.pid)
    return found


def _close_popup(page: Page) -> None:
    with contextlib.suppress(*_browser_errors()):
        page.close()


def _ms(deadline: float) -> float:
    return max(1.0, (deadline - time.monotonic()) * 1000)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def wait_for_entries(page: Page, settle_by: float, deadline: float) -> None:
    """Until at least MIN_ENTRIES entry marks show in the page and its frames and their
    count held for STABLE seconds, or `settle_by` passed (an empty ticker stays empty)."""
    last: tuple[int, int] | None = None
    since = time.monotonic()
    while (now := time.monotonic()) < min(settle_by, deadline):
        signal_now = _entry_signal(page)
        if signal_now != last:
            last, since = signal_now, now
        elif signal_now[0] >= MIN_ENTRIES and now - since >= STABLE:
            return
        page.wait_for_timeout(POLL * 1000)


def _entry_signal(page: Page) -> tuple[int, int]:
    marks = length = 0
    for frame in page.frames:
        with contextlib.suppress(*_browser_errors()):  # a frame may detach meanwhile
            found, text = frame.evaluate(_ENTRY_SIGNAL)
            marks, length = marks + int(found), length + int(text)
    return marks, length


def inline_frames(frame: Frame, depth: int = 0) -> str:
    """The frame's DOM as HTML, each child frame's document inlined where its iframe
    was (in Python, from serialised HTML: nothing is executed again)."""
    inner: dict[str, str] = {}
    if depth < MAX_FRAME_DEPTH and frame.child_frames:
        for number, element in enumerate(frame.query_selector_all("iframe, frame")[:MAX_FRAMES]):
            child = element.content_frame()
            if child is None:
                continue
            key = f"{depth}-{number}"
            with contextlib.suppress(*_browser_errors()):
                element.evaluate(f"(e, k) => e.setAttribute('{_FRAME_MARK}', k)", key)
                inner[key] = inline_frames(child, depth + 1)
    html = frame.content()
    return splice_frames(html, inner) if inner else html


def splice_frames(html: str, inner: dict[str, str]) -> str:
    """`html` with each marked iframe replaced by a `<div>` holding its document's body
    (and its JSON-LD, which lives in the head)."""
    document = lxml.html.document_fromstring(html)
    for element in [e for e in document.iter() if e.get(_FRAME_MARK) is not None]:
        text = inner.get(str(element.get(_FRAME_MARK)))
        if text is None or not text.strip():
            continue
        holder = lxml.html.Element("div", {_FRAME_MARK: element.get("src") or ""})
        child = lxml.html.document_fromstring(text)
        body, head = child.find("body"), child.find("head")
        if body is not None:
            holder.text = body.text
            holder.extend(list(body))
        if head is not None:
            holder.extend(e for e in head.iter("script") if e.get("type") == "application/ld+json")
        parent = element.getparent()
        if parent is not None:
            holder.tail = element.tail
            parent.replace(element, holder)
    return str(lxml.html.tostring(document, encoding="unicode", doctype="<!DOCTYPE html>"))


# --- one renderer per process ---------------------------------------------------------------

_CURRENT: list[Renderer] = []  # the process's renderer (at most one)
_OVERRIDE: list[Renderer] = []  # `using`
_REGISTRY_LOCK = threading.Lock()


def renderer_for(settings: Settings) -> Renderer:
    """The process's renderer (created, not started: the browser starts with its first
    page); settings that differ from its own replace it."""
    if _OVERRIDE:
        return _OVERRIDE[-1]
    with _REGISTRY_LOCK:
        current = _CURRENT[0] if _CURRENT else None
        if current is not None and (current.config, current.fetch) == (
            settings.render,
            settings.fetch,
        ):
            return current
        if current is not None:
            current.close()
        _CURRENT[:] = [Renderer(settings.render, settings.fetch)]
        return _CURRENT[0]


@contextlib.contextmanager
def using(renderer: Renderer) -> Iterator[Renderer]:
    """Make `renderer` the process's for a block (tests, the bench); closed afterwards."""
    _OVERRIDE.append(renderer)
    try:
        yield renderer
    finally:
        _OVERRIDE.remove(renderer)
        renderer.close()


@atexit.register
def _close_all() -> None:
    # At exit the renderer's thread is already gone: its browser is killed by pid (the
    # Playwright driver ends with our end of its pipe).
    for renderer in [*_CURRENT, *_OVERRIDE]:
        renderer._kill()


# --- the cycle's view of a fetched source -----------------------------------------------------

Parse = Callable[[Source, FetchResult, bytes], "ParsedPage | None"]


@dataclass(slots=True)
class View:
    """What a fetch gives the cycle to parse and stage: the body (the new static page,
    or a rendered DOM; None when nothing changed), the fetch result it goes with (for a
    rendered DOM: its sha256), the page when already parsed, and the render columns
    of the source's row."""

    body: bytes | None
    result: FetchResult
    page: ParsedPage | None = None
    row: dict[str, Any] = field(default_factory=dict)


def view(
    source: Source,
    final: FetchResult,
    old: Validators,
    new_body: bytes | None,
    settings: Settings,
    parse: Parse,
) -> View:
    """Render the source when its `render:` (and for `auto` the remembered decision, or
    a fresh look at the shell) says so; otherwise the static page as it came."""
    if source.render == "never" or final.error_class or final.status not in (200, 203, 304):
        return View(new_body, final)
    mode = "browser" if source.render == "browser" else _remembered(old, final.fetched_at)
    if mode == "static":
        return View(new_body, final)
    if mode == "browser":
        shell = _shell(final, old, new_body, settings)
        return _rendered(source, final, old, shell, settings, parse)
    return _decide(source, final, old, new_body, settings, parse)


def _remembered(old: Validators, now: datetime) -> str | None:
    if old.render_mode is None or old.render_checked_at is None:
        return None
    fresh = now - datetime.fromisoformat(old.render_checked_at) < RECHECK
    return old.render_mode if fresh else None


def _decide(
    source: Source,
    final: FetchResult,
    old: Validators,
    new_body: bytes | None,
    settings: Settings,
    parse: Parse,
) -> View:
    """`render: auto` without a fresh decision: look at the static page; render it when
    it is a shell, and keep rendering only when that found more entries."""
    decided = {"render_checked_at": final.fetched_at}
    shell = _shell(final, old, new_body, settings)
    page = parse(source, final, shell) if shell is not None else None
    reason = shell_reason(shell, page, final.final_url or source.url) if shell and page else None
    static = View(new_body, final, page if new_body is not None else None)
    if reason is None:
        static.row = {**decided, "render_mode": "static"}
        return static
    log.info(
        "source %r (%s) is a ticker shell: %s; rendering", source.source_id, source.url, reason
    )
    rendered = _rendered(
        source, final, old, shell, settings, parse, static_entries=len(page.entries) if page else 0
    )
    if rendered.row.get("render_mode") == "static":
        static.row = rendered.row
        return static
    return rendered


def _shell(
    final: FetchResult, old: Validators, new_body: bytes | None, settings: Settings
) -> bytes | None:
    """The static page: as fetched now, else (304, same body) from the raw archive."""
    if new_body is not None or final.body is not None:
        return new_body if new_body is not None else final.body
    if old.sha256 is None:
        return None
    try:
        return archive.get(settings.archive_dir, old.sha256)
    except (FileNotFoundError, OSError):
        return None


def _rendered(
    source: Source,
    final: FetchResult,
    old: Validators,
    shell: bytes | None,
    settings: Settings,
    parse: Parse,
    static_entries: int | None = None,
) -> View:
    """The rendered page as the view, or no body when its entries are those staged last.
    `static_entries` (a first look by `auto`) turns the result into a decision."""
    url = final.final_url or source.url
    try:
        done = renderer_for(settings).render(source, url, shell)
    except SourceError as exc:
        final.error_class, final.error = type(exc).__name__, str(exc)
        return View(None, final)
    shell_sha = archive.sha256(shell) if shell is not None else None
    digest = archive.put(settings.archive_dir, done.html, RENDERED_TYPE, rendered_from=shell_sha)
    result = replace(final, sha256=digest, final_url=url, headers={"content-type": RENDERED_TYPE})
    page = parse(source, result, done.html)
    if page is None:
        final.error_class, final.error = result.error_class, result.error
        return View(None, final)
    row: dict[str, Any] = {}
    if static_entries is not None:
        helps = len(page.entries) >= MIN_ENTRIES and len(page.entries) > static_entries
        row = {
            "render_checked_at": final.fetched_at,
            "render_mode": "browser" if helps else "static",
        }
        if not helps:
            return View(None, final, None, row)
    entries = entries_digest(page)
    if entries == old.render_sha256:
        return View(None, final, None, row)
    return View(done.html, result, page, {**row, "render_sha256": entries})


def entries_digest(page: ParsedPage) -> str:
    """Hash of what a rendered page says: its entries' ids, texts and times."""
    digest = hashlib.sha256()
    for entry in page.entries:
        times = f"{entry.published_at}\0{entry.updated_at}"
        digest.update(f"{entry.entry_id}\0{entry.content_hash}\0{times}\n".encode())
    return digest.hexdigest()
