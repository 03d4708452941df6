"""Test doubles for fetching: a clock that only moves when slept on (or when a scripted
body takes time to arrive), and a requests adapter that answers from a script instead of
the network; `scripted_cycle` puts both under `run_cycle`."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from unittest import mock

import requests
import urllib3
from requests.adapters import BaseAdapter, HTTPAdapter

from pipeline import cycle
from pipeline.fetch.client import new_session
from pipeline.fetch.politeness import Politeness
from pipeline.settings import FetchConfig


class FakeClock:
    """monotonic() only moves when sleep() or advance() is called; every sleep is
    recorded (advance is time passing inside a read, not a wait of the fetcher's)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass(frozen=True, slots=True)
class Paced:
    """A body that arrives on the fake clock: `chunk` bytes a read, each read taking
    `interval` seconds; from byte `stall_at` on nothing more comes, so the next read
    times out once the request's read timeout has passed (a stalled server)."""

    data: bytes
    clock: FakeClock
    chunk: int = 65536
    interval: float = 0.0
    stall_at: int | None = None


class _PacedStream(io.BufferedIOBase):
    """One response's reads of a `Paced` body (urllib3 calls read1 on it)."""

    def __init__(self, body: Paced, read_timeout: float) -> None:
        super().__init__()
        self._body, self._read_timeout, self._sent = body, read_timeout, 0

    def readable(self) -> bool:
        return True

    def read1(self, size: int = -1, /) -> bytes:
        body = self._body
        if body.stall_at is not None and self._sent >= body.stall_at:
            body.clock.advance(self._read_timeout)
            raise TimeoutError("timed out")  # what a socket with a timeout raises
        end = len(body.data) if body.stall_at is None else min(len(body.data), body.stall_at)
        step = max(1, body.chunk if size < 0 else min(body.chunk, size))
        piece = body.data[self._sent : min(end, self._sent + step)]
        if piece:
            body.clock.advance(body.interval)
        self._sent += len(piece)
        return piece

    def read(self, size: int | None = -1, /) -> bytes:
        left = -1 if size is None else size
        pieces: list[bytes] = []
        while left != 0 and (piece := self.read1(left)):
            pieces.append(piece)
            left = left - len(piece) if left > 0 else left
        return b"".join(pieces)


Reply = tuple[int, dict[str, str], bytes | Paced] | Exception
NOT_FOUND: Reply = (404, {"Content-Type": "text/plain"}, b"not found")


class ScriptedAdapter(BaseAdapter):
    """Answers each URL from its script, one reply per request; the last reply repeats.
    URLs without a script get 404."""

    def __init__(self, routes: Mapping[str, list[Reply]]) -> None:
        super().__init__()
        self.routes = {url: list(replies) for url, replies in routes.items()}
        self.requests: list[requests.PreparedRequest] = []

    def send(  # type: ignore[override]
        self, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        self.requests.append(request)
        script = self.routes.get(str(request.url), [NOT_FOUND])
        reply = script.pop(0) if len(script) > 1 else script[0]
        if isinstance(reply, Exception):
            raise reply
        status, headers, body = reply
        stream: io.BufferedIOBase = (
            _PacedStream(body, _read_timeout(kwargs.get("timeout")))
            if isinstance(body, Paced)
            else io.BytesIO(body)
        )
        raw = urllib3.HTTPResponse(
            body=stream,
            headers=headers,
            status=status,
            preload_content=False,
            decode_content=False,
        )
        return HTTPAdapter().build_response(request, raw)

    def close(self) -> None:
        """Nothing to release."""

    def urls(self) -> list[str]:
        return [str(r.url) for r in self.requests]


def _read_timeout(timeout: Any) -> float:
    """The read part of requests' timeout argument (a pair, or one number for both)."""
    if isinstance(timeout, tuple):
        return float(timeout[1])
    return float(timeout) if timeout is not None else 0.0


@contextlib.contextmanager
def scripted_cycle(adapter: ScriptedAdapter, clock: FakeClock) -> Iterator[None]:
    """`run_cycle` (and the shard and discovery functions under it) fetching through
    `adapter` for every http(s) URL and waiting on `clock`: nothing leaves the process
    and nothing sleeps. With more than one fetch worker the fetches would share the
    clock's time, so give the cycle `workers=1` for exact timings."""

    def session(config: FetchConfig) -> requests.Session:
        scripted = new_session(config)
        scripted.mount("http://", adapter)
        scripted.mount("https://", adapter)
        return scripted

    def politeness(config: FetchConfig) -> Politeness:
        return Politeness.create(
            config.host_concurrency, config.host_interval, config.robots_ttl, clock
        )

    with (
        mock.patch.object(cycle, "new_session", session),
        mock.patch.object(cycle, "new_politeness", politeness),
    ):
        yield
