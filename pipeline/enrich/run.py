"""`tickerlake enrich`: everything derived from the loaded entries and corpus, recomputed
in one transaction after each load: the fts indexes, near-duplicate stories and the
entry ↔ document links. Running it again on unchanged data gives the same rows.

On DuckLake the fts indexes are not stored: the fts extension keeps an index as tables
and macros in a schema of their own, and a DuckLake catalog holds no macros. So the
work runs in the backend's workspace (`pipeline.warehouse.backend.workspace`: copies of
the inputs read in one lake snapshot, whose derived tables then replace the lake's in
one transaction); the indexes are dropped with the workspace.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import duckdb

from pipeline.enrich.align import AlignConfig, align, rebuild_fts
from pipeline.enrich.stories import StoryConfig, build_stories
from pipeline.settings import Settings
from pipeline.warehouse.backend import workspace
from pipeline.warehouse.db import transaction


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
# What enrich_connection writes (the fts indexes aside) and what it reads.
DERIVED = ("stories", "story_members", "entry_document_links", "fts_paragraphs", "last_enrich")
_INPUTS = ("entries", "documents", "document_paragraphs", "fts_stopwords_de")


def enrich_warehouse(
    settings: Settings,
    *,
    now: datetime,
    config: EnrichConfig | None = None,
    advance: Callable[[str], None] | None = None,
) -> EnrichReport:
    """Rebuild fts indexes, stories and links on the configured backend; the DuckDB file
    publishes its reader snapshot afterwards so analysts see them."""
    with workspace(settings, inputs=_INPUTS, outputs=DERIVED) as con:
        return enrich_connection(con, now=now, config=config, advance=advance)


def enrich_connection(
    con: duckdb.DuckDBPyConnection,
    *,
    now: datetime,
    config: EnrichConfig | None = None,
    advance: Callable[[str], None] | None = None,
) -> EnrichReport:
    config = config or EnrichConfig()
    step = advance or (lambda _: None)
    with transaction(con):
        rebuild_fts(con)
        step("fts indexes")
        stories = build_stories(con, now=now, config=config.stories)
        step("stories")
        links = align(con, now=now, config=config.align)
        record_run(con, now, stories, links)
        step("links")
    return EnrichReport(stories, links)


def record_run(con: duckdb.DuckDBPyConnection, now: datetime, stories: int, links: int) -> None:
    """Replace `last_enrich`'s row: the report tells "found none" from "never ran" by it."""
    con.execute("DELETE FROM last_enrich")
    con.execute(
        """INSERT INTO last_enrich SELECT ?, (SELECT count(*) FROM entries WHERE NOT is_deleted),
                  (SELECT count(*) FROM documents), ?, ?""",
        [now, stories, links],
    )
