"""Replay server: serves recorded ticker page snapshots on 127.0.0.1 as if they were live.

Layout of a replay root::

    <root>/<source_id>/<%Y%m%dT%H%M%SZ>.<ext>

Each snapshot file becomes its source's current page at the UTC time in its name. One
shared `ReplayClock` decides "now" for every source; it moves only when told to (or, with
``auto_advance``, once every source of a round has been fetched since the last move: all
of them, or the `round_sources` named, when the others are not polled every cycle).

An optional ``<root>/faults.yaml`` scripts misbehaviour per source (429s, resets, stalls,
truncated bodies, …): see `pipeline.demo.faults`.

A paginated ticker's snapshot is one ``<stamp>.pages.json`` holding all of its pages at
that time (`pipeline.demo.paginated` writes them): ``{"pages": {name: html},
"routes": {target: name}}``, where a target is what follows the source's own path in a
request (``""`` for page 1, ``"page/2"``, ``"?page=2"``, ``"?page=with:block-x"``).
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import json
import logging
import re
import selectors
import socket
import socketserver
import struct
import threading
from bisect import bisect_right
from collections import deque
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import pairwise
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from pipeline.demo.faults import FaultPlan, FaultStep, load_faults
from pipeline.errors import ConfigError
from pipeline.parse.timeparse import parse_utc

logger = logging.getLogger(__name__)

SNAPSHOT_TIME_FORMAT = "%Y%m%dT%H%M%SZ"
CONTROL_PREFIX = "_replay"
REQUEST_LOG_LIMIT = 10_000
DEFAULT_CONTENT_TYPE = "application/octet-stream"
CONTENT_TYPES: dict[str, str] = {
    "html": "text/html; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
    "json": "application/json",
    "xml": "application/rss+xml; charset=utf-8",
}

_SNAPSHOT_NAME = re.compile(r"(\d{8}T\d{6}Z)\.(.+)")
PAGED_EXTENSION = "pages.json"  # a paginated ticker: every page of it at that time
_MAX_DRAINED_BODY = 1 << 20

RequestLogEntry = dict[str, Any]


class ReplayFolderError(ConfigError, ValueError):
    """The replay root is missing, unusable or holds no valid snapshot."""


# --- snapshot index -------------------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """One recorded page: becomes its source's current page at `at`."""

    source_id: str
    at: datetime
    path: Path

    @property
    def extension(self) -> str:
        return self.path.name.partition(".")[2].lower()

    @property
    def content_type(self) -> str:
        if self.paged:
            return CONTENT_TYPES["html"]
        return CONTENT_TYPES.get(self.extension, DEFAULT_CONTENT_TYPE)

    @property
    def paged(self) -> bool:
        return self.extension == PAGED_EXTENSION


def snapshot_name(at: datetime, extension: str) -> str:
    """File name for a snapshot that becomes current at `at` (timezone-aware)."""
    return f"{_require_utc(at).strftime(SNAPSHOT_TIME_FORMAT)}.{extension.lstrip('.')}"


def load_index(root: Path) -> dict[str, tuple[Snapshot, ...]]:
    """Source id -> its snapshots sorted by time; sources without snapshots are left out."""
    if not root.is_dir():
        raise ReplayFolderError(f"replay root {root} does not exist or is not a folder")
    index: dict[str, tuple[Snapshot, ...]] = {}
    for folder in sorted(root.iterdir()):
        if folder.is_dir() and not folder.name.startswith("."):
            snapshots = _load_source(folder)
            if snapshots:
                index[folder.name] = snapshots
    if not index:
        raise ReplayFolderError(
            f"replay root {root} has no source folder holding a snapshot named like "
            f"<source_id>/20250814T191500Z.html"
        )
    if CONTROL_PREFIX in index:
        raise ReplayFolderError(f"{root / CONTROL_PREFIX}: source id reserved for control")
    return index


def _load_source(folder: Path) -> tuple[Snapshot, ...]:
    snapshots = sorted(
        (s for p in folder.iterdir() if p.is_file() and (s := _parse_snapshot(folder.name, p))),
        key=lambda s: s.at,
    )
    for earlier, later in pairwise(snapshots):
        if earlier.at == later.at:
            raise ReplayFolderError(
                f"{folder}: {earlier.path.name} and {later.path.name} have the same time"
            )
    return tuple(snapshots)


def _parse_snapshot(source_id: str, path: Path) -> Snapshot | None:
    match = _SNAPSHOT_NAME.fullmatch(path.name)
    if match is None:
        return None
    try:
        at = datetime.strptime(match[1], SNAPSHOT_TIME_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        # Shaped like a stamp but not a date: most likely a typo, so say so.
        logger.warning("replay: ignoring %s: %s is not a valid time", path, match[1])
        return None
    return Snapshot(source_id, at, path)


def _current(snapshots: Sequence[Snapshot], at: datetime) -> Snapshot | None:
    position = bisect_right(snapshots, at, key=lambda s: s.at)
    return snapshots[position - 1] if position else None


# --- clock ----------------------------------------------------------------------------------


def _require_utc(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{at.isoformat()} has no UTC offset; a timezone-aware time is needed")
    return at.astimezone(UTC)


class ReplayClock:
    """The replay's "now": a UTC instant that steps along the recorded snapshot times."""

    def __init__(self, times: Iterable[datetime], at: datetime) -> None:
        self._times = tuple(sorted({_require_utc(t) for t in times}))
        self._at = _require_utc(at)
        self._generation = 0
        self._lock = threading.Lock()

    @property
    def at(self) -> datetime:
        with self._lock:
            return self._at

    def now(self) -> datetime:
        """Same as `at`; handy where code takes a ``now`` callable."""
        return self.at

    @property
    def times(self) -> tuple[datetime, ...]:
        """All distinct snapshot times, sorted."""
        return self._times

    @property
    def generation(self) -> int:
        """Goes up on every change, so observers can tell that the clock moved."""
        with self._lock:
            return self._generation

    def set(self, at: datetime) -> None:
        at = _require_utc(at)
        with self._lock:
            self._at = at
            self._generation += 1

    def advance(self) -> bool:
        """Move to the next snapshot time after now; False (and no change) at the end."""
        with self._lock:
            position = bisect_right(self._times, self._at)
            if position == len(self._times):
                return False
            self._at = self._times[position]
            self._generation += 1
            return True


# --- HTTP semantics, kept apart from socket handling ----------------------------------------


@dataclass
class _Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes = b""
    fault: FaultStep | None = None  # how the socket layer misdelivers it, if at all


def _http_date(at: datetime) -> str:
    return email.utils.format_datetime(at.astimezone(UTC), usegmt=True)


def _etag(body: bytes) -> str:
    return f'"{hashlib.sha256(body).hexdigest()[:32]}"'


def _parse_http_date(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    # "-0000" yields a naive datetime; HTTP dates are GMT anyway.
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _etag_matches(etag: str, if_none_match: str) -> bool:
    candidates = [c.strip() for c in if_none_match.split(",")]
    return any(c == "*" or c.removeprefix("W/") == etag for c in candidates)


def _not_modified(
    etag: str, modified: datetime, if_none_match: str | None, if_modified_since: str | None
) -> bool:
    if if_none_match is not None:  # RFC 9110: If-None-Match overrides If-Modified-Since
        return _etag_matches(etag, if_none_match)
    since = _parse_http_date(if_modified_since)
    return since is not None and modified <= since


def _query_values(query: str, name: str) -> list[str]:
    # Not parse_qs: it turns "+" into a space, which breaks unencoded "+00:00" offsets.
    pairs = (part.partition("=") for part in query.split("&") if part)
    return [unquote(value) for key, _, value in pairs if unquote(key) == name]


def _apply_fault(step: FaultStep, source_id: str, normal: _Response) -> _Response:
    date = [(k, v) for k, v in normal.headers if k == "Date"]
    if step.fault == "status":
        return _Response(step.get("status"), [*date, *_retry_after(step, date)])
    if step.fault == "not-modified":
        headers = [(k, v) for k, v in normal.headers if k != "Content-Type"]
        return _Response(HTTPStatus.NOT_MODIFIED, headers)
    if step.fault in ("redirect-loop", "redirect"):
        location = step.get("location") or f"/{quote(source_id, safe='')}"
        return _Response(HTTPStatus.FOUND, [*date, ("Location", location)])
    if step.fault == "content-type":
        headers = [(k, v) for k, v in normal.headers if k != "Content-Type"]
        value = step.get("value")
        return _Response(
            normal.status, [("Content-Type", value)] * bool(value) + headers, normal.body
        )
    return _Response(normal.status, normal.headers, normal.body, fault=step)


def _retry_after(step: FaultStep, date: list[tuple[str, str]]) -> list[tuple[str, str]]:
    if step.get("retry_after") is not None:
        return [("Retry-After", str(step.get("retry_after")))]
    offset = step.get("retry_after_date")
    sent = _parse_http_date(date[0][1]) if date else None
    if offset is None or sent is None:
        return []
    return [("Retry-After", _http_date(sent + timedelta(seconds=offset)))]


@dataclass
class _ReplayApp:
    index: dict[str, tuple[Snapshot, ...]]
    clock: ReplayClock
    auto_advance: bool = False
    faults: FaultPlan = field(default_factory=FaultPlan)
    round_sources: frozenset[str] | None = None  # None: every source
    _served: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _bodies: dict[Path, bytes] = field(default_factory=dict)
    _paged: dict[Path, dict[str, bytes]] = field(default_factory=dict)
    _requested: set[str] = field(default_factory=set)
    _round_generation: int = -1
    _log: deque[RequestLogEntry] = field(default_factory=lambda: deque(maxlen=REQUEST_LOG_LIMIT))

    def handle(
        self, method: str, target: str, if_none_match: str | None, if_modified_since: str | None
    ) -> _Response:
        parts = urlsplit(target)
        path = unquote(parts.path).strip("/")
        if path == CONTROL_PREFIX or path.startswith(f"{CONTROL_PREFIX}/"):
            action = path.removeprefix(CONTROL_PREFIX).strip("/")
            return self._control(method, action, parts.query)
        if method == "POST":
            return self._text(HTTPStatus.METHOD_NOT_ALLOWED, "sources are read-only\n", "GET, HEAD")
        source_id, _, rest = path.partition("/")
        page = rest + (f"?{parts.query}" if parts.query else "")
        if source_id not in self.index:
            source_id, page = path, ""
        if path == "robots.txt" and (robots := self.faults.robots_txt()) is not None:
            response = self._text(HTTPStatus.OK, robots)
        else:
            response = self._source(method, source_id, page, if_none_match, if_modified_since)
            response = self._with_fault(method, source_id, response)
        self._record(source_id, response.status, if_none_match, if_modified_since, page)
        return response

    def _with_fault(self, method: str, source_id: str, response: _Response) -> _Response:
        if method != "GET" or source_id not in self.index:
            return response
        with self._lock:
            number = self._served.get(source_id, 0)
            self._served[source_id] = number + 1
        step = self.faults.step(source_id, number)
        return response if step is None else _apply_fault(step, source_id, response)

    def request_log(self) -> list[RequestLogEntry]:
        with self._lock:
            return [dict(entry) for entry in self._log]

    # sources

    def _source(
        self,
        method: str,
        source_id: str,
        page: str,
        if_none_match: str | None,
        if_modified_since: str | None,
    ) -> _Response:
        snapshots = self.index.get(source_id)
        if snapshots is None:
            return self._text(HTTPStatus.NOT_FOUND, f"unknown source {source_id!r}\n")
        at = self._clock_for(source_id, counts_for_round=method == "GET" and not page)
        snapshot = _current(snapshots, at)
        if snapshot is None:
            return self._text(HTTPStatus.NOT_FOUND, f"no snapshot of {source_id!r} yet\n", at=at)
        if snapshot.paged:
            body = self._pages(snapshot.path, page)
        else:  # a plain snapshot has no other pages; its query is ignored, as always
            body = None if page and not page.startswith("?") else self._body(snapshot.path)
        if body is None:
            return self._text(HTTPStatus.NOT_FOUND, f"{source_id!r} has no page {page!r}\n", at=at)
        return self._snapshot(snapshot, body, at, if_none_match, if_modified_since)

    def _clock_for(self, source_id: str, *, counts_for_round: bool) -> datetime:
        """Clock time for this request; with auto_advance, also moves it after a full round."""
        with self._lock:
            at = self.clock.at
            if self.auto_advance and counts_for_round:
                self._count_round(source_id)
            return at

    def _count_round(self, source_id: str) -> None:
        generation = self.clock.generation
        if generation != self._round_generation:  # clock moved: a new round starts
            self._round_generation = generation
            self._requested.clear()
        self._requested.add(source_id)
        required = self.index.keys() if self.round_sources is None else self.round_sources
        if self._requested >= required:
            self.clock.advance()

    def _snapshot(
        self,
        snapshot: Snapshot,
        body: bytes,
        at: datetime,
        if_none_match: str | None,
        if_modified_since: str | None,
    ) -> _Response:
        etag = _etag(body)
        headers = [
            ("ETag", etag),
            ("Last-Modified", _http_date(snapshot.at)),
            ("Date", _http_date(at)),
            ("Cache-Control", "no-cache"),
        ]
        if _not_modified(etag, snapshot.at, if_none_match, if_modified_since):
            return _Response(HTTPStatus.NOT_MODIFIED, headers)
        return _Response(HTTPStatus.OK, [("Content-Type", snapshot.content_type), *headers], body)

    def _body(self, path: Path) -> bytes:
        with self._lock:
            cached = self._bodies.get(path)
        if cached is None:
            cached = path.read_bytes()
            with self._lock:
                self._bodies[path] = cached
        return cached

    def _pages(self, path: Path, page: str) -> bytes | None:
        """One page of a paginated snapshot (parsed once), None when it has no such page."""
        with self._lock:
            paged = self._paged.get(path)
        if paged is None:
            data = json.loads(self._body(path))
            paged = {
                target: data["pages"][name].encode() for target, name in data["routes"].items()
            }
            with self._lock:
                self._paged[path] = paged
        return paged.get(page)

    def _record(
        self,
        source_id: str,
        status: int,
        if_none_match: str | None,
        if_modified_since: str | None,
        page: str = "",
    ) -> None:
        entry: RequestLogEntry = {
            "source": source_id,
            "status": int(status),
            "if_none_match": if_none_match,
            "if_modified_since": if_modified_since,
        }
        if page:  # an older page of a paginated ticker
            entry["page"] = page
        with self._lock:
            self._log.append(entry)

    # control endpoints

    def _control(self, method: str, action: str, query: str) -> _Response:
        verb = "GET" if method == "HEAD" else method
        if (verb, action) == ("GET", "clock"):
            return self._clock_state()
        if (verb, action) == ("POST", "advance"):
            with self._lock:
                self.clock.advance()
            return self._clock_state()
        if (verb, action) == ("POST", "clock"):
            return self._set_clock(query)
        if (verb, action) == ("GET", "requests"):
            return self._json(HTTPStatus.OK, self.request_log())
        allowed = {"clock": "GET, HEAD, POST", "advance": "POST", "requests": "GET, HEAD"}
        if action in allowed:
            error = {"error": f"{method} not allowed on /{CONTROL_PREFIX}/{action}"}
            return self._json(HTTPStatus.METHOD_NOT_ALLOWED, error, allow=allowed[action])
        return self._json(HTTPStatus.NOT_FOUND, {"error": f"no control endpoint {action!r}"})

    def _set_clock(self, query: str) -> _Response:
        values = _query_values(query, "at")
        if len(values) != 1:
            error = "expected one query parameter at=<ISO-8601 time with offset>"
            return self._json(HTTPStatus.BAD_REQUEST, {"error": error})
        try:
            at = parse_utc(values[0], "at")
        except ConfigError as exc:
            return self._json(HTTPStatus.BAD_REQUEST, {"error": str(exc)})
        with self._lock:
            self.clock.set(at)
        return self._clock_state()

    def _clock_state(self) -> _Response:
        state = {
            "at": self.clock.at.isoformat(),
            "times": [t.isoformat() for t in self.clock.times],
            "sources": list(self.index),
        }
        return self._json(HTTPStatus.OK, state)

    # response builders

    def _json(self, status: int, payload: object, allow: str | None = None) -> _Response:
        body = json.dumps(payload).encode()
        return self._plain(status, "application/json", body, self.clock.at, allow)

    def _text(
        self, status: int, text: str, allow: str | None = None, at: datetime | None = None
    ) -> _Response:
        at = self.clock.at if at is None else at
        return self._plain(status, CONTENT_TYPES["txt"], text.encode(), at, allow)

    @staticmethod
    def _plain(
        status: int, content_type: str, body: bytes, at: datetime, allow: str | None
    ) -> _Response:
        headers = [
            ("Content-Type", content_type),
            ("Date", _http_date(at)),
            ("Cache-Control", "no-cache"),
        ]
        if allow is not None:
            headers.append(("Allow", allow))
        return _Response(status, headers, body)


# --- sockets --------------------------------------------------------------------------------


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # The default backlog of 5 drops connections when a shard's fetch threads all
    # connect at once; the client then waits a whole SYN retransmit (1 s).
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], app: _ReplayApp) -> None:
        self.app = app
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self._stopping = threading.Event()
        self.stopping = self._stopping  # handlers that sleep on purpose wake when it is set
        self._wake_reader, self._wake_writer = socket.socketpair()
        super().__init__(address, _Handler)

    def serve_until_stopped(self) -> None:
        """Like serve_forever(), but stop_serving() ends it at once rather than at the next poll."""
        with selectors.DefaultSelector() as selector:
            selector.register(self, selectors.EVENT_READ)
            selector.register(self._wake_reader, selectors.EVENT_READ)
            while not self._stopping.is_set():
                ready = selector.select()
                if not self._stopping.is_set() and any(key.fileobj is self for key, _ in ready):
                    self.handle_request()

    def stop_serving(self) -> None:
        self._stopping.set()
        with contextlib.suppress(OSError):
            self._wake_writer.send(b"\0")

    def server_close(self) -> None:
        super().server_close()
        self._wake_reader.close()
        self._wake_writer.close()

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls getfqdn(), a DNS lookup that can stall for seconds.
        socketserver.TCPServer.server_bind(self)
        host, port = self.socket.getsockname()[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def process_request(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any
    ) -> None:
        if isinstance(request, socket.socket):
            with self._connections_lock:
                self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: socket.socket | tuple[bytes, socket.socket]) -> None:
        if isinstance(request, socket.socket):
            with self._connections_lock:
                self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Wake handler threads idling on keep-alive connections so they end."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(
        self,
        request: socket.socket | tuple[bytes, socket.socket],  # noqa: ARG002 (signature of base)
        client_address: Any,
    ) -> None:
        # Only I/O errors get here (the handler answers app errors with 500): clients hang up.
        logger.debug("replay: connection from %s failed", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    protocol_version = "HTTP/1.1"  # keep-alive, like the real sites
    # Headers and body go out in two writes; with Nagle on, keep-alive requests stall ~40 ms.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self._respond("GET")

    def do_HEAD(self) -> None:
        self._respond("HEAD")

    def do_POST(self) -> None:
        self._respond("POST")

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("replay: %s %s", self.address_string(), format % args)

    def _respond(self, method: str) -> None:
        self._drain_body()
        try:
            response = self.server.app.handle(
                method,
                self.path,
                self.headers.get("If-None-Match"),
                self.headers.get("If-Modified-Since"),
            )
        except Exception:
            logger.exception("replay: failed to answer %s %s", method, self.path)
            response = _Response(HTTPStatus.INTERNAL_SERVER_ERROR, [], b"replay error\n")
        self._write(response, with_body=method != "HEAD")

    def _drain_body(self) -> None:
        """Read a request body nobody needs, so the next request on the connection parses."""
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if "Transfer-Encoding" in self.headers or not 0 <= length <= _MAX_DRAINED_BODY:
            self.close_connection = True
        elif length:
            self.rfile.read(length)

    def _write(self, response: _Response, *, with_body: bool) -> None:
        fault = response.fault
        if fault is not None and fault.fault == "reset":
            self._reset()
            return
        # send_response_only: send_response would add a wall-clock Date header.
        self.send_response_only(response.status)
        self.log_request(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        if response.status != HTTPStatus.NOT_MODIFIED:
            self.send_header("Content-Length", str(_declared_length(response)))
        self.end_headers()
        if not with_body or response.status == HTTPStatus.NOT_MODIFIED:
            return
        if fault is None:
            self.wfile.write(response.body)
        else:
            self._misdeliver(response.body, fault)

    def _reset(self) -> None:
        """Close with RST instead of FIN: the client sees "connection reset by peer"."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    def _misdeliver(self, body: bytes, fault: FaultStep) -> None:
        stopping = self.server.stopping
        if fault.fault == "huge":
            self.wfile.write(body)
            _write_padding(self.wfile, fault.get("bytes") - len(body))
        elif fault.fault == "stall":
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            stopping.wait(fault.get("seconds"))
            self.close_connection = True
        elif fault.fault == "trickle":
            step = max(1, fault.get("chunk"))
            for start in range(0, len(body), step):
                self.wfile.write(body[start : start + step])
                self.wfile.flush()
                if stopping.wait(fault.get("interval")):
                    break
        elif fault.fault == "truncate":
            self.wfile.write(body[: int(len(body) * fault.get("fraction"))])
            self.close_connection = True


def _declared_length(response: _Response) -> int:
    if response.fault is not None and response.fault.fault == "huge":
        return max(len(response.body), int(response.fault.get("bytes")))
    return len(response.body)


def _write_padding(out: Any, size: int) -> None:
    block = b" " * 65536
    while size > 0:
        out.write(block[: min(size, len(block))])
        size -= len(block)


# --- public server --------------------------------------------------------------------------


class ReplayServer:
    """Serves a replay root over HTTP; binds its port on construction, serves after start()."""

    def __init__(
        self,
        root: Path,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        at: datetime | None = None,
        auto_advance: bool = False,
        round_sources: Collection[str] | None = None,
    ) -> None:
        self.root = Path(root)
        index = load_index(self.root)
        times = sorted({s.at for snapshots in index.values() for s in snapshots})
        self.clock = ReplayClock(times, times[0] if at is None else at)
        self._app = _ReplayApp(
            index,
            self.clock,
            auto_advance=auto_advance,
            faults=load_faults(self.root),
            round_sources=_round(self.root, index, round_sources),
        )
        self._httpd = _HTTPServer((host, port), self._app)
        self._thread: threading.Thread | None = None
        self._closed = False

    @property
    def url(self) -> str:
        return f"http://{self._httpd.server_name}:{self._httpd.server_port}"

    @property
    def source_ids(self) -> list[str]:
        return list(self._app.index)

    def source_url(self, source_id: str) -> str:
        return f"{self.url}/{quote(source_id, safe='')}"

    def snapshot_times(self) -> list[datetime]:
        return list(self.clock.times)

    def request_log(self) -> list[RequestLogEntry]:
        """Same entries as GET /_replay/requests."""
        return self._app.request_log()

    def start(self) -> ReplayServer:
        if self._closed:
            raise RuntimeError("a stopped ReplayServer cannot be started again")
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_until_stopped,
                name=f"replay-{self._httpd.server_port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._thread is not None:
            self._httpd.stop_serving()
            self._thread.join()
        self._httpd.close_connections()
        self._httpd.server_close()

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def _round(
    root: Path, index: dict[str, tuple[Snapshot, ...]], sources: Collection[str] | None
) -> frozenset[str] | None:
    """The sources whose fetches make a round; an unknown one would never be fetched, so
    the clock would never move."""
    if sources is None:
        return None
    unknown = sorted(set(sources) - index.keys())
    if unknown or not sources:
        raise ReplayFolderError(f"{root}: no round without sources, or of {', '.join(unknown)}")
    return frozenset(sources)


def _wait_forever() -> None:
    threading.Event().wait()


def serve_forever(
    root: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    at: datetime | None = None,
    auto_advance: bool = False,
    round_sources: Collection[str] | None = None,
    on_bound: Callable[[str], None] | None = None,
) -> None:
    """Serve until Ctrl-C; prints one line: ``replay serving <url> sources: a, b``.
    `on_bound` gets the URL once the port is bound (port 0: the one the system chose)."""
    with ReplayServer(
        root, host=host, port=port, at=at, auto_advance=auto_advance, round_sources=round_sources
    ) as server:
        if on_bound is not None:
            on_bound(server.url)
        mode = "auto-advance" if auto_advance else "manual clock"
        print(
            f"replay serving {server.url} sources: {', '.join(server.source_ids)} "
            f"(clock {server.clock.at.isoformat()}, {mode})",
            flush=True,
        )
        with contextlib.suppress(KeyboardInterrupt):
            _wait_forever()


# --- a local outlet (issue 17) -------------------------------------------------------------

OUTLET_STEP = timedelta(minutes=30)  # the outlet's listings change once per step


def _outlet_ticker(title: str, at: datetime, extra: str = "") -> str:
    day = at.strftime("%d.%m.%Y")
    clocks = [(at - timedelta(minutes=m)).strftime("%H.%M") for m in (2, 12, 25)]
    posts = "".join(
        f"<h2>{c} Uhr: {title} {i}</h2><p>Meldung {i}.</p>" for i, c in enumerate(clocks)
    )
    return (
        f"<html><head><title>{title}</title>{extra}</head><body><h2>{day}</h2>{posts}</body></html>"
    )


def _outlet_article(title: str) -> str:
    return (
        f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
        "<p>Der Stadtrat hat den Haushalt beschlossen; die Opposition stimmte dagegen.</p>"
        "</article></body></html>"
    )


def _live_blog_markup(start: datetime, end: datetime) -> str:
    data = {
        "@context": "https://schema.org",
        "@type": "LiveBlogPosting",
        "headline": "Wahlabend",
        "coverageStartTime": start.isoformat(),
        "coverageEndTime": end.isoformat(),
        "liveBlogUpdate": [
            {
                "@type": "BlogPosting",
                "headline": f"Stand {n}",
                "articleBody": f"Hochrechnung {n}.",
                "datePublished": (start + timedelta(minutes=5 * n)).isoformat(),
            }
            for n in range(3)
        ],
    }
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def write_outlet(root: Path, outlet_id: str, start: datetime) -> dict[str, str]:
    """A local outlet in a replay root: an RSS feed and a news sitemap (relative links,
    so any port works) listing articles and tickers; a ticker with `LiveBlogPosting`
    whose `coverageEndTime` passes one step after `start`, a ticker without markup, and
    a ticker that appears in the feed one step later. Returns the folder of each page."""
    names = {
        "feed": f"{outlet_id}-rss",
        "sitemap": f"{outlet_id}-sitemap-news",
        "ended": f"{outlet_id}-liveblog-wahl",
        "plain": f"{outlet_id}-ticker-verkehr",
        "later": f"{outlet_id}-newsblog-sturm",
        "article": f"{outlet_id}-bericht-haushalt",
        "article2": f"{outlet_id}-bericht-schule",
    }
    later = start + OUTLET_STEP
    pages = {
        "ended": [(start, _outlet_ticker("Wahl", start, _live_blog_markup(start, later)))],
        "plain": [(start, _outlet_ticker("Verkehr", start))],
        "later": [(later, _outlet_ticker("Sturm", later))],
        "article": [(start, _outlet_article("Haushalt"))],
        "article2": [(start, _outlet_article("Schule"))],
    }
    for key, snapshots in pages.items():
        for at, html in snapshots:
            write_snapshot(root / names[key], at, "html", html)
    for at, keys in (
        (start, ("article", "ended", "plain")),
        (later, ("article", "ended", "plain", "later")),
    ):
        items = "".join(f"<item><title>{k}</title><link>/{names[k]}</link></item>" for k in keys)
        channel = f"<channel><title>{outlet_id}</title>{items}</channel>"
        feed = f'<?xml version="1.0"?><rss version="2.0">{channel}</rss>'
        write_snapshot(root / names["feed"], at, "xml", feed)
    locs = "".join(f"<url><loc>/{names[k]}</loc></url>" for k in ("article2", "ended"))
    sitemap = f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>'
    write_snapshot(root / names["sitemap"], start, "xml", sitemap)
    return names


def write_snapshot(folder: Path, at: datetime, extension: str, text: str) -> None:
    """`text` as the snapshot of `folder`'s source at `at` (`snapshot_name`)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / snapshot_name(at, extension)).write_text(text, encoding="utf-8")


# --- a script-built ticker (issue 18) ------------------------------------------------------

JS_TICKER_STEP = timedelta(minutes=10)  # the ticker's data changes once per step
_JS_TICKER_SCRIPT = """
(function () {
  var box = document.getElementById('ticker');
  fetch('/%s', {cache: 'no-store'}).then(function (r) { return r.json(); }).then(function (d) {
    box.textContent = '';
    d.entries.forEach(function (e) {
      var item = document.createElement('article');
      item.className = 'ticker-entry';
      item.id = 'entry-' + e.id;
      var time = document.createElement('time');
      time.setAttribute('datetime', e.at);
      time.textContent = e.clock;
      var head = document.createElement('h3');
      head.textContent = e.title;
      var body = document.createElement('p');
      body.textContent = e.text;
      item.append(time, head, body);
      box.append(item);
    });
  });
})();
"""


def _js_ticker_page(title: str, inner: str) -> str:
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title></head>"
        f"<body><h1>{title}</h1>{inner}</body></html>"
    )


def _js_ticker_data(start: datetime, count: int) -> str:
    entries = [
        {
            "id": n,
            "at": (start + timedelta(minutes=3 * n)).isoformat().replace("+00:00", "Z"),
            "clock": (start + timedelta(minutes=3 * n)).strftime("%H:%M UTC"),
            "title": f"Pegelstand {n}",
            "text": f"Der Pegel am Messpunkt {n} steigt weiter; die Feuerwehr baut Sandsäcke auf.",
        }
        for n in reversed(range(count))
    ]
    return json.dumps({"entries": entries})


def write_js_ticker(root: Path, ticker_id: str, start: datetime) -> dict[str, str]:
    """A ticker whose page is an empty shell: a script fetches its entries from a JSON
    endpoint and builds them (3 entries at `start`, 5 one `JS_TICKER_STEP` later; the
    shell itself never changes). A second page embeds the same ticker in an iframe.
    Relative links, so any port works. Returns the folder (path) of each page."""
    names = {
        "shell": ticker_id,
        "data": f"{ticker_id}-data",
        "framed": f"{ticker_id}-framed",
        "frame": f"{ticker_id}-frame",
    }
    title = "Liveticker: Hochwasser"
    ticker = (
        "<div id='ticker' class='liveticker'>Die Einträge werden geladen …</div>"
        f"<script>{_JS_TICKER_SCRIPT % names['data']}</script>"
    )
    write_snapshot(root / names["shell"], start, "html", _js_ticker_page(title, ticker))
    write_snapshot(root / names["frame"], start, "html", _js_ticker_page(title, ticker))
    framed = f"<iframe src='/{names['frame']}' title='Ticker'></iframe>"
    write_snapshot(root / names["framed"], start, "html", _js_ticker_page(title, framed))
    for step, count in ((0, 3), (1, 5)):
        at = start + JS_TICKER_STEP * step
        write_snapshot(root / names["data"], at, "json", _js_ticker_data(start, count))
    return names
