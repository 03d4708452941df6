"""1,000 replay sources through one cycle (fetch + parse + stage + load): all changed
(first cycle) and all unchanged (second cycle, every request a 304). Targets from
issue 4: under 60 s changed, under 10 s unchanged, on a 2-core machine.

The sources are guarded as production sources are (no `allow_private`): every hop's
host is resolved through `socket.getaddrinfo` and checked, and every new connection's
peer is checked. A fake resolver maps the test name `replay.bench.test` to the loopback
replay server, and the guard's verdict counts 127.0.0.1 as public in this process
only, so the checks run and cost what they cost while the server stays local."""

from __future__ import annotations

import contextlib
import socket
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

from pipeline.cycle import run_cycle
from pipeline.demo.replay import ReplayServer, snapshot_name
from pipeline.fetch import client, netguard
from pipeline.settings import from_env
from pipeline.sources import Source

SOURCES = 1000
AT = datetime(2025, 8, 14, 19, 15, tzinfo=UTC)
HOST = "replay.bench.test"
_getaddrinfo = socket.getaddrinfo
_is_public = netguard.is_public


def _resolve(host: str | bytes | None, *args: Any, **kwargs: Any) -> Any:
    return _getaddrinfo("127.0.0.1" if host == HOST else host, *args, **kwargs)


def _public_or_loopback(address: str) -> bool:
    return address == "127.0.0.1" or _is_public(address)


@contextlib.contextmanager
def _guard_on_loopback() -> Iterator[None]:
    with (
        mock.patch.object(socket, "getaddrinfo", _resolve),
        mock.patch.object(netguard, "is_public", _public_or_loopback),
        mock.patch.object(client, "is_public", _public_or_loopback),
    ):
        yield


def _page(n: int) -> str:
    entries = "".join(
        f"<h2>{20 - k // 4}.{(k % 4) * 15:02d} Uhr: Meldung {n}-{k}</h2><p>Text {n} {k}.</p>"
        for k in range(10)
    )
    return f"<html><body><h2>Donnerstag, 14. August 2025</h2>{entries}</body></html>"


def run() -> dict[str, Any]:
    work = Path(tempfile.mkdtemp())
    ids = [f"b{n:04d}" for n in range(SOURCES)]
    for n, source_id in enumerate(ids):
        (work / "replay" / source_id).mkdir(parents=True)
        (work / "replay" / source_id / snapshot_name(AT, "html")).write_text(_page(n))
    base = from_env({"TICKERLAKE_DATA_DIR": str(work / "data")})
    # All sources share the replay host: lift the per-host limits a real publisher gets.
    fetch = replace(base.fetch, host_concurrency=16, host_interval=0, workers=16)
    settings = replace(base, warehouse=work / "w.duckdb", fetch=fetch)
    result: dict[str, Any] = {"sources": SOURCES}
    with ReplayServer(work / "replay") as server, _guard_on_loopback():
        port = urlsplit(server.url).port
        sources = [
            Source(s, server.source_url(s).replace(f"127.0.0.1:{port}", f"{HOST}:{port}"))
            for s in ids
        ]
        for label, minutes in (("changed", 5), ("unchanged", 7)):
            started = time.perf_counter()
            report = run_cycle(sources, settings, run_id=label, now=AT + timedelta(minutes=minutes))
            seconds = time.perf_counter() - started
            result[f"{label}_seconds"] = round(seconds, 2)
            result[f"{label}_pages_per_second"] = round(SOURCES / seconds, 1)
            result[f"{label}_page_rows"] = report.page_rows
    return result
