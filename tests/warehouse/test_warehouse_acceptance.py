"""Acceptance: edits, deletions, restorations and an outage skeleton played through the
replay server produce exactly the expected entry_versions; rerunning any cycle is a no-op."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pipeline.cycle import run_cycle
from pipeline.demo.replay import ReplayServer, snapshot_name
from pipeline.settings import Settings, from_env
from pipeline.sources import Source
from pipeline.warehouse import connect

SOURCE = "acceptance"
T = [datetime(2025, 8, 14, 9, 0, tzinfo=UTC) + timedelta(hours=i) for i in range(6)]
# Berlin wall-clock minute and headline of every entry; bodies are "Text <headline>."
ENTRIES = {"A": "10.00", "B": "10.10", "C": "10.20", "D": "10.30", "E": "10.40", "F": "10.50"}
ENTRIES_LATER = {**ENTRIES, "G": "11.00"}
EDITED_B = {"B": "Text B, korrigiert."}
# One page per cycle: edit B, drop C twice (deleted), outage skeleton, C returns.
SNAPSHOTS: list[tuple[dict[str, str], dict[str, str]]] = [
    (ENTRIES, {}),
    (ENTRIES, EDITED_B),
    ({k: v for k, v in ENTRIES.items() if k != "C"}, EDITED_B),
    ({k: v for k, v in ENTRIES_LATER.items() if k != "C"}, EDITED_B),
    ({"A": ENTRIES["A"]}, EDITED_B),  # the outage skeleton: one entry left
    (ENTRIES_LATER, EDITED_B),
]
EXPECTED_VERSIONS = [
    ("A", "new", T[0], None),
    ("B", "new", T[0], T[1]),
    ("B", "edited", T[1], None),
    ("C", "new", T[0], T[3]),
    ("C", "deleted", T[3], T[5]),
    ("C", "restored", T[5], None),
    ("D", "new", T[0], None),
    ("E", "new", T[0], None),
    ("F", "new", T[0], None),
    ("G", "new", T[3], None),
]
TABLES = ("sources", "fetches", "pages", "entries", "entry_versions")


def page(entries: dict[str, str], edits: dict[str, str]) -> str:
    items = "".join(
        f"<h2>{minute} Uhr: {name}</h2><p>{edits.get(name, f'Text {name}.')}</p>"
        for name, minute in sorted(entries.items(), key=lambda kv: kv[1], reverse=True)
    )
    return f"<html><body><h2>Donnerstag, 14. August 2025</h2>{items}</body></html>"


@pytest.fixture
def replay_root(tmp_path: Path) -> Path:
    folder = tmp_path / "replay" / SOURCE
    folder.mkdir(parents=True)
    for at, (entries, edits) in zip(T, SNAPSHOTS, strict=True):
        (folder / snapshot_name(at, "html")).write_text(page(entries, edits), encoding="utf-8")
    return folder.parent


@pytest.fixture
def settings(tmp_path: Path, warehouse_path: Path) -> Settings:
    return replace(from_env({}), warehouse=warehouse_path, data_dir=tmp_path / "data")


def snapshot(settings: Settings) -> dict[str, list[tuple[Any, ...]]]:
    with connect(settings.warehouse, read_only=True) as con:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in TABLES}


def versions(settings: Settings) -> list[tuple[Any, ...]]:
    with connect(settings.warehouse, read_only=True) as con:
        return con.execute(
            """
            SELECT e.headline, v.change_kind, v.valid_from, v.valid_to
            FROM entry_versions v JOIN entries e USING (entry_id) ORDER BY 1, 3
            """
        ).fetchall()


def test_replayed_history_gives_exactly_the_expected_versions(
    replay_root: Path, settings: Settings
) -> None:
    with ReplayServer(replay_root, at=T[0]) as server:
        source = Source(
            SOURCE, server.source_url(SOURCE), timezone="Europe/Berlin", allow_private=True
        )
        for number, at in enumerate(T):
            server.clock.set(at)
            run_cycle([source], settings, run_id=f"cycle-{number}", now=at)
            after = snapshot(settings)
            # The same run again (an Airflow retry) and a fresh run at the same clock.
            run_cycle([source], settings, run_id=f"cycle-{number}", now=at)
            run_cycle([source], settings, run_id=f"cycle-{number}-again", now=at)
            assert snapshot(settings) == after, f"rerunning cycle {number} changed the warehouse"
        final = snapshot(settings)
        # Old cycles replayed after the fact never rewind history.
        for number, at in enumerate(T):
            server.clock.set(at)
            run_cycle([source], settings, run_id=f"late-{number}", now=at)
        assert snapshot(settings) == final
    assert versions(settings) == EXPECTED_VERSIONS
    with connect(settings.warehouse, read_only=True) as con:
        statuses = con.execute("SELECT status, count(*) FROM fetches GROUP BY 1 ORDER BY 1")
        assert statuses.fetchall() == [(200, 6)]
        assert con.execute("SELECT count(*) FROM pages").fetchall() == [(6,)]
        live = con.execute("SELECT headline FROM entries WHERE NOT is_deleted ORDER BY 1")
        assert [r[0] for r in live.fetchall()] == list("ABCDEFG")
