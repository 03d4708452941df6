"""`tickerlake enrich`: everything derived from the loaded entries and corpus, recomputed
in one transaction after each load: the fts indexes, near-duplicate stories and the
entry ↔ document links. Running it again on unchanged data gives the same rows.

On DuckLake the fts indexes are not stored: the fts extension keeps an index as tables
and macros in a schema of their own, and a DuckLake catalog holds no macros. So the
work runs in an in-memory workspace next to the lake (copies of the inputs, read in one
lake snapshot), and one lake transaction then replaces the derived tables with the
workspace's (DuckDB writes only one attached database per transaction); the indexes
are dropped with the workspace.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from pipeline.align import AlignConfig, align, rebuild_fts
from pipeline.settings import LakeConfig, Settings
from pipeline.stories import StoryConfig, build_stories
from pipeline.warehouse import connect, publish_reader
from pipeline.warehouse.db import transaction
from pipeline.warehouse.lake import ALIAS, connect_lake, with_retries


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
DERIVED = ("stories", "story_members", "entry_document_links", "fts_paragraphs")
_INPUTS = ("entries", "documents", "document_paragraphs", "fts_stopwords_de")
WORKSPACE = "workspace"


def enrich_warehouse(
    settings: Settings,
    *,
    now: datetime,
    config: EnrichConfig | None = None,
    advance: Callable[[str], None] | None = None,
) -> EnrichReport:
    """`enrich` on the configured backend: the DuckDB file, or DuckLake (`enrich_lake`)."""
    if settings.lake is not None:
        return enrich_lake(settings.lake, now=now, config=config, advance=advance)
    return enrich(settings.warehouse, now=now, config=config, advance=advance)


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
    with transaction(con):
        rebuild_fts(con)
        step("fts indexes")
        stories = build_stories(con, now=now, config=config.stories)
        step("stories")
        links = align(con, now=now, config=config.align)
        step("links")
    return EnrichReport(stories, links)


def enrich_lake(
    lake: LakeConfig,
    *,
    now: datetime,
    config: EnrichConfig | None = None,
    advance: Callable[[str], None] | None = None,
) -> EnrichReport:
    """Stories and links of the lake, computed in a workspace (see the module docstring);
    the replacement is rerun after a write conflict with another enrich."""
    with connect_lake(lake) as con:
        _open_workspace(con)
        report = enrich_connection(con, now=now, config=config, advance=advance)
        with_retries(lambda: _replace_derived(con))
    return report


def _open_workspace(con: duckdb.DuckDBPyConnection) -> None:
    """Attach the workspace, copy the inputs from one lake snapshot, make it the default."""
    con.execute(f"ATTACH ':memory:' AS {WORKSPACE}")
    with transaction(con):
        for table in _INPUTS:
            con.execute(f"CREATE TABLE {WORKSPACE}.{table} AS FROM {ALIAS}.{table}")
        for table in DERIVED:
            con.execute(f"CREATE TABLE {WORKSPACE}.{table} AS FROM {ALIAS}.{table} LIMIT 0")
    con.execute(f"USE {WORKSPACE}")


def _replace_derived(con: duckdb.DuckDBPyConnection) -> None:
    with transaction(con):
        for table in DERIVED:
            con.execute(f"DELETE FROM {ALIAS}.{table}")
            con.execute(f"INSERT INTO {ALIAS}.{table} BY NAME FROM {WORKSPACE}.{table}")
