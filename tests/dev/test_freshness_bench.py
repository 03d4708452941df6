"""The freshness benchmark's pure parts: its replay sources and its statistics. The timed
run itself is `python -m bench freshness`."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from bench import freshness
from pipeline.demo.replay import ReplayServer, snapshot_name
from pipeline.parse import parse_page

PUBLISHED = datetime(2025, 1, 1, tzinfo=UTC)


def test_percentile_is_nearest_rank_and_ranks_misses_last() -> None:
    values = [float(v) for v in range(1, 21)]
    assert freshness.percentile(values, 50) == 10.0
    assert freshness.percentile(values, 95) == 19.0
    assert freshness.percentile([*values[:19], None], 95) == 19.0
    assert freshness.percentile([*values[:18], None, None], 95) is None


def test_summary_judges_the_95th_percentile_and_the_worst_against_the_target() -> None:
    summary = freshness.summarise([10.0] * 19 + [40.0], target=30.0)
    assert (summary["p50_seconds"], summary["p95_seconds"], summary["max_seconds"]) == (
        10.0,
        10.0,
        40.0,
    )
    assert summary["p95_within_target"] and not summary["max_within_target"]
    missed = freshness.summarise([10.0] * 18 + [None, None], target=30.0)
    assert missed["missed"] == 2 and not missed["p95_within_target"]


def test_change_moments_are_seeded_ascending_and_within_the_spread() -> None:
    moments = freshness.change_moments(20, 180.0, random.Random(6))
    assert moments == sorted(moments) == freshness.change_moments(20, 180.0, random.Random(6))
    assert all(0 <= m <= 180.0 for m in moments)


@pytest.mark.parametrize("stage", [0, 1, 2])
def test_every_page_parses_into_the_entries_of_its_stage(tmp_path: Path, stage: int) -> None:
    freshness.write_root(tmp_path, PUBLISHED)
    at = freshness.snapshot_time(stage, 3)
    page = tmp_path / freshness.source_id(3) / snapshot_name(at, "html")
    parsed = parse_page(page.read_bytes(), "http://127.0.0.1/fresh-03", fetched_at=at)
    stages = ("initial", *freshness.MODES)[: stage + 1]
    assert {e.headline for e in parsed.entries} == {freshness.headline(s, 3) for s in stages}


def test_moving_the_clock_to_a_change_changes_that_source_only(tmp_path: Path) -> None:
    freshness.write_root(tmp_path, PUBLISHED)
    with ReplayServer(tmp_path, at=freshness.snapshot_time(1, 4)) as server:
        before = {k: _page(server, k) for k in range(freshness.SOURCES)}
        server.clock.set(freshness.snapshot_time(1, 5))
        after = {k: _page(server, k) for k in range(freshness.SOURCES)}
    assert [k for k in before if before[k] != after[k]] == [5]


def _page(server: ReplayServer, k: int) -> bytes:
    response = requests.get(server.source_url(freshness.source_id(k)), timeout=5)
    return response.content
