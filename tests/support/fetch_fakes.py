"""Test doubles for fetching: a clock that only moves when slept on, and a requests
adapter that answers from a script instead of the network."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

import requests
import urllib3
from requests.adapters import BaseAdapter, HTTPAdapter

Reply = tuple[int, dict[str, str], bytes] | Exception
NOT_FOUND: Reply = (404, {"Content-Type": "text/plain"}, b"not found")


class FakeClock:
    """monotonic() only moves when sleep() is called; every sleep is recorded."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class ScriptedAdapter(BaseAdapter):
    """Answers each URL from its script, one reply per request; the last reply repeats.
    URLs without a script get 404."""

    def __init__(self, routes: Mapping[str, list[Reply]]) -> None:
        super().__init__()
        self.routes = {url: list(replies) for url, replies in routes.items()}
        self.requests: list[requests.PreparedRequest] = []

    def send(  # type: ignore[override]
        self, request: requests.PreparedRequest, **_: Any
    ) -> requests.Response:
        self.requests.append(request)
        script = self.routes.get(str(request.url), [NOT_FOUND])
        reply = script.pop(0) if len(script) > 1 else script[0]
        if isinstance(reply, Exception):
            raise reply
        status, headers, body = reply
        raw = urllib3.HTTPResponse(
            body=io.BytesIO(body),
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
