"""`tickerlake maintain` and the tickerlake_maintain DAG: the warehouse compacted
(pipeline.warehouse.maintain), staging cleared of what failed loads kept, and the raw
archive held to its retention (TICKERLAKE_ARCHIVE_RETENTION_DAYS; unset: forever).

Every step is safe while loads run: staged batches younger than a load's lifetime are
left alone, DuckLake commits are rerun after a conflict, and an archived body is only
deleted when no fetch since the cutoff brought it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from pipeline import stage
from pipeline.errors import WarehouseMissingError
from pipeline.fetch import archive
from pipeline.settings import Settings
from pipeline.warehouse.backend import LEFTOVER_AGE, reading, recover_leftovers
from pipeline.warehouse.maintain import Compaction, compact


@dataclass(frozen=True, slots=True)
class MaintainReport:
    """What one maintenance run did, step by step."""

    warehouse: Compaction
    batches_loaded: int  # staged batches failed loads had kept, loaded now
    batches_removed: int  # staged batch folders deleted (loaded ones and dead writes)
    archive: archive.Pruned

    def counts(self) -> dict[str, int]:
        return {
            **self.warehouse.counts(),
            "batches_loaded": self.batches_loaded,
            "batches_removed": self.batches_removed,
            "archive_bodies_deleted": self.archive.bodies,
            "archive_bytes_freed": self.archive.bytes,
        }

    def lines(self) -> list[str]:
        """The run in three lines, for the CLI and the task log."""
        w = self.warehouse
        return [
            f"warehouse: {w.files_before} -> {w.files_after} files, "
            f"{_size(w.bytes_before)} -> {_size(w.bytes_after)}; {w.files_merged} merged, "
            f"{w.snapshots_expired} snapshots expired, {w.files_deleted} files deleted",
            f"staging: {self.batches_loaded} leftover batches loaded, "
            f"{self.batches_removed} folders removed",
            f"archive: {self.archive.bodies} bodies deleted, {_size(self.archive.bytes)} freed",
        ]


def maintain(settings: Settings, *, load_id: str, now: datetime) -> MaintainReport:
    """Staging first (what it loads is then compacted with the rest), then the
    warehouse, then the archive."""
    loaded, removed = recover_leftovers(settings, load_id=load_id, now=now)
    dead = stage.abandoned_partials(settings.staging_dir, before=time.time() - LEFTOVER_AGE)
    stage.remove(dead)
    compaction = compact(settings, now=now)
    return MaintainReport(compaction, loaded, removed + len(dead), prune_archive(settings, now))


def prune_archive(settings: Settings, now: datetime) -> archive.Pruned:
    """Delete the archived bodies older than the retention that no fetch since the cutoff
    brought and that are no source's current page. Without a warehouse nothing is known
    to be unneeded, so nothing is deleted."""
    days = settings.retention.archive_days
    if days is None:
        return archive.Pruned()
    cutoff = now - timedelta(days=days)
    try:
        con = reading(settings)
    except WarehouseMissingError:
        return archive.Pruned()
    with con:
        rows = con.execute(
            """
            SELECT sha256 FROM fetches WHERE fetched_at >= ? AND sha256 IS NOT NULL
            UNION SELECT last_sha256 FROM sources WHERE last_sha256 IS NOT NULL
            """,
            [cutoff],
        ).fetchall()
    return archive.prune(settings.archive_dir, keep={r[0] for r in rows}, before=cutoff)


def _size(count: int) -> str:
    """Bytes as a person reads them: `812 B`, `3.4 MiB`."""
    if count < 1024:
        return f"{count} B"
    value, units = count / 1024, ["KiB", "MiB", "GiB"]
    while value >= 1024 and len(units) > 1:
        value, units = value / 1024, units[1:]
    return f"{value:.1f} {units[0]}"
