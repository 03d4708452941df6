"""PageChangedTrigger without a scheduler: its serialised form rebuilds it, and run()
against the replay server fires only once the page changed."""

from __future__ import annotations

import asyncio
import importlib
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from tickerlake_airflow.triggers import PageChangedTrigger

from pipeline.demo import sources as demo_sources
from pipeline.demo.replay import ReplayServer
from pipeline.fetch import archive

SOURCE = "alaska-jsonld"


def _spec(url: str, etag: str | None = None, sha256: str | None = None) -> dict[str, Any]:
    source = {"source_id": SOURCE, "url": url, "allow_private": True, "headers": {}}
    return {"source": source, "validators": {"etag": etag, "last_modified": None, "sha256": sha256}}


def test_serialize_round_trip() -> None:
    trigger = PageChangedTrigger([_spec("http://example.org/a", "x")], 2.5, "ua", 3.0)
    classpath, kwargs = trigger.serialize()
    module, _, name = classpath.rpartition(".")
    rebuilt = getattr(importlib.import_module(module), name)(**kwargs)
    assert isinstance(rebuilt, PageChangedTrigger)
    assert rebuilt.serialize() == (classpath, kwargs)


def test_run_fires_only_when_the_page_changed(tmp_path: Path) -> None:
    demo_sources.generate(tmp_path)
    times = demo_sources.snapshot_times()
    with ReplayServer(tmp_path, at=times[0]) as server:
        first = httpx.get(server.source_url(SOURCE), timeout=10)
        spec = _spec(
            server.source_url(SOURCE), first.headers["etag"], archive.sha256(first.content)
        )
        event = asyncio.run(_wait_for_change(server, spec, times[1]))
        polls = [r for r in server.request_log() if r["if_none_match"]]
    assert event == {"changed": [SOURCE]}
    assert len(polls) >= 4  # unchanged polls went on until the clock moved


async def _wait_for_change(server: ReplayServer, spec: dict[str, Any], later: datetime) -> Any:
    trigger = PageChangedTrigger([spec], interval=0.01, user_agent="tickerlake-test")
    waiting = asyncio.ensure_future(_first_event(trigger))
    while sum(1 for r in server.request_log() if r["if_none_match"]) < 3:
        await asyncio.sleep(0.01)
    assert not waiting.done()  # three conditional GETs answered 304: no event
    server.clock.set(later)
    event = await asyncio.wait_for(waiting, timeout=30)
    return event.payload


async def _first_event(trigger: PageChangedTrigger) -> Any:
    events: Any = trigger.run()  # an async generator: aclose() ends its HTTP client
    try:
        return await anext(events)
    finally:
        await events.aclose()


def test_run_fires_at_once_without_validators(tmp_path: Path) -> None:
    demo_sources.generate(tmp_path)
    with ReplayServer(tmp_path, at=demo_sources.snapshot_times()[0]) as server:
        trigger = PageChangedTrigger([_spec(server.source_url(SOURCE))], 0.01, "ua")
        event = asyncio.run(asyncio.wait_for(_first_event(trigger), timeout=30))
    assert event.payload == {"changed": [SOURCE]}
