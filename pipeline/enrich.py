"""`tickerlake enrich`: everything derived from the loaded entries and corpus, recomputed
in one transaction after each load: the fts indexes, near-duplicate stories and the
entry ↔ document links. Running it again on unchanged data gives the same rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from pipeline.align import AlignConfig, align, rebuild_fts
from pipeline.stories import StoryConfig, build_stories
from pipeline.warehouse import connect, publish_reader


@dataclass(frozen=True, slots=True)
class EnrichConfig:
    stories: StoryConfig = field(default_factory=StoryConfig)
    align: AlignConfig = field(default_factory=AlignConfig)


@dataclass(frozen=True, slots=True)
class EnrichReport:
    stories: int
    links: int

    def counts(self) -> dict[str, int]:
        return {"stories": self.stories, "entry_document_links": self.links}


ENRICH_STEPS = 3  # fts indexes, stories, links: what `advance` hears


def enrich(
    warehouse_path: Path,
    *,
    now: datetime,
    config: EnrichConfig | None = None,
    advance: Callable[[str], None] | None = None,
) -> EnrichReport:
    """Rebuild fts indexes, stories and links in the warehouse at `warehouse_path`, then
    publish the reader snapshot so analysts see them."""
    with connect(warehouse_path) as con:
        report = enrich_connection(con, now=now, config=config, advance=advance)
        publish_reader(con, warehouse_path)
    return report


def enrich_connection(
    con: duckdb.DuckDBPyConnection,
    *,
    now: datetime,
    config: EnrichConfig | None = None,
    advance: Callable[[str], None] | None = None,
) -> EnrichReport:
    config = config or EnrichConfig()
    step = advance or (lambda _: None)
    con.execute("BEGIN TRANSACTION")
    try:
        rebuild_fts(con)
        step("fts indexes")
        stories = build_stories(con, now=now, config=config.stories)
        step("stories")
        links = align(con, now=now, config=config.align)
        step("links")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return EnrichReport(stories, links)
