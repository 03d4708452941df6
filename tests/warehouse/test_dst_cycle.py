"""DST through a whole cycle: a page whose local times fall in the repeated autumn hour
and in the skipped spring hour is fetched from a replay server, parsed, staged and
loaded, and `entries.time_flags` carries `dst_ambiguous` / `dst_nonexistent` with the
documented UTC instants (docs: the first occurrence for the repeated hour, moved forward
by the gap for the skipped one)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pipeline.cycle import run_cycle
from pipeline.demo.replay import ReplayServer, snapshot_name
from pipeline.sources import Source
from pipeline.warehouse import connect
from tests.test_reprocess import make_settings

PAGES = {
    "autumn": ("Sonntag, 26. Oktober 2025", datetime(2025, 10, 26, 9, 0, tzinfo=UTC)),
    "spring": ("Sonntag, 30. März 2025", datetime(2025, 3, 30, 9, 0, tzinfo=UTC)),
}


def _page(day: str) -> str:
    return (
        f"<html><body><h2>{day}</h2>"
        "<h2>4.00 Uhr: Später</h2><p>Nach der Umstellung.</p>"
        "<h2>2.30 Uhr: Mitten drin</h2><p>In der Stunde der Umstellung.</p>"
        "<h2>1.30 Uhr: Davor</h2><p>Vor der Umstellung.</p></body></html>"
    )


def test_dst_flags_reach_the_warehouse_through_a_cycle(tmp_path: Path) -> None:
    for source_id, (day, at) in PAGES.items():
        folder = tmp_path / "replay" / source_id
        folder.mkdir(parents=True)
        (folder / snapshot_name(at.replace(hour=5), "html")).write_text(_page(day))
    settings = make_settings(tmp_path)
    with ReplayServer(tmp_path / "replay") as server:
        for source_id, (_, at) in PAGES.items():
            server.clock.set(at)
            source = Source(
                source_id,
                server.source_url(source_id),
                timezone="Europe/Berlin",
                allow_private=True,
            )
            run_cycle([source], settings, run_id=f"run-{source_id}", now=at)
    with connect(settings.warehouse, read_only=True) as con:
        rows = con.execute(
            "SELECT source_id, published_at, time_flags FROM entries ORDER BY ALL"
        ).fetchall()
    assert rows == [
        ("autumn", datetime(2025, 10, 25, 23, 30, tzinfo=UTC), []),
        ("autumn", datetime(2025, 10, 26, 0, 30, tzinfo=UTC), ["dst_ambiguous"]),
        ("autumn", datetime(2025, 10, 26, 3, 0, tzinfo=UTC), []),
        ("spring", datetime(2025, 3, 30, 0, 30, tzinfo=UTC), []),
        ("spring", datetime(2025, 3, 30, 1, 30, tzinfo=UTC), ["dst_nonexistent"]),
        ("spring", datetime(2025, 3, 30, 2, 0, tzinfo=UTC), []),
    ]
