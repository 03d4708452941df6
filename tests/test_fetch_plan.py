"""Planning a cycle: sources with a poll_interval are left out until it has passed since
their last fetch (as the warehouse knows it)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pipeline.cycle import is_due, plan_shards, run_cycle
from pipeline.demo.replay import ReplayServer, snapshot_name
from pipeline.models import SourceState, Validators
from pipeline.settings import from_env
from pipeline.sources import Source
from pipeline.warehouse.backend import read_state

NOW = datetime(2025, 8, 14, 19, 30, tzinfo=UTC)
EVERY_5M = Source("slow", "https://example.org/slow", poll_interval=300)
ALWAYS = Source("fast", "https://example.org/fast")


def fetched(minutes_ago: float) -> SourceState:
    return SourceState(Validators(etag='"e"'), NOW - timedelta(minutes=minutes_ago))


@pytest.mark.parametrize(
    ("state", "due"),
    [
        (SourceState(), True),  # never fetched
        (fetched(1), False),
        (fetched(4.4), False),
        (fetched(4.6), True),  # 30 s early is within the slack (10 %, at most 30 s)
        (fetched(5), True),
        (fetched(60), True),
    ],
)
def test_is_due(state: SourceState, due: bool) -> None:
    assert is_due(EVERY_5M, state, NOW) is due


def test_sources_without_poll_interval_are_always_due() -> None:
    assert is_due(ALWAYS, fetched(0), NOW)


def test_slack_is_a_tenth_of_short_intervals() -> None:
    every_minute = replace(EVERY_5M, poll_interval=60)
    assert not is_due(every_minute, SourceState(last_fetched_at=NOW - timedelta(seconds=53)), NOW)
    assert is_due(every_minute, SourceState(last_fetched_at=NOW - timedelta(seconds=54)), NOW)


def test_plan_leaves_out_sources_not_due_and_keeps_validators() -> None:
    shards = plan_shards(
        [EVERY_5M, ALWAYS], {"slow": fetched(1), "fast": fetched(1)}, now=NOW, shard_size=10
    )
    assert [[spec["source"]["source_id"] for spec in shard] for shard in shards] == [["fast"]]
    assert shards[0][0]["validators"]["etag"] == '"e"'
    json.dumps(shards)  # XCom-safe


def test_plan_with_nothing_due_is_empty() -> None:
    assert plan_shards([EVERY_5M], {"slow": fetched(1)}, now=NOW) == []


def test_run_cycle_polls_by_the_last_fetch_the_warehouse_knows(tmp_path: Path) -> None:
    for source_id in ("slow", "fast"):
        folder = tmp_path / "replay" / source_id
        folder.mkdir(parents=True)
        body = "<html><body><h2>21.15 Uhr: Eins</h2><p>Text.</p></body></html>"
        (folder / snapshot_name(NOW - timedelta(hours=1), "html")).write_text(body)
    settings = replace(
        from_env({}),
        warehouse=tmp_path / "w.duckdb",
        data_dir=tmp_path / "data",
        fetch=replace(from_env({}).fetch, host_interval=0),
    )
    with ReplayServer(tmp_path / "replay") as server:
        sources = [
            Source("slow", server.source_url("slow"), allow_private=True, poll_interval=300),
            Source("fast", server.source_url("fast"), allow_private=True),
        ]
        polled = []
        for minute in (0, 2, 4, 5, 6):
            seen = len(server.request_log())
            run_cycle(sources, settings, run_id=f"c{minute}", now=NOW + timedelta(minutes=minute))
            asked = [r["source"] for r in server.request_log()[seen:]]
            polled.append((minute, sorted(s for s in asked if s != "robots.txt")))
    assert polled == [
        (0, ["fast", "slow"]),
        (2, ["fast"]),
        (4, ["fast"]),
        (5, ["fast", "slow"]),
        (6, ["fast"]),
    ]
    assert read_state(settings)["slow"].last_fetched_at == NOW + timedelta(minutes=5)
