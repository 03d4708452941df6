"""Bad input the catalogue in docs/reliability.md lists and no other test covered:
malformed HTML, impossible dates, duplicate entry ids on one page, binary bodies, and
unwritable warehouse or archive paths (a clear error and no partial state)."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from pipeline import cycle, stage
from pipeline.demo.replay import ReplayServer, snapshot_name
from pipeline.errors import ArchiveError, ParseError, PermanentError
from pipeline.parse import parse_page
from pipeline.settings import PROJECT_ROOT, from_env
from pipeline.sources import Source
from pipeline.warehouse import connect
from pipeline.warehouse.load import load_batches
from tests.warehouse.test_stage_load import (
    T,
    assert_history_is_consistent,
    entry_row,
    observation,
    rows,
)

URL = "https://ticker.example/live"
FETCHED_AT = datetime(2025, 8, 14, 19, 30, tzinfo=UTC)
DAY = "<h2>Donnerstag, 14. August 2025</h2>"


def parse(html: str) -> list[tuple[str | None, str, str | None]]:
    page = parse_page(html.encode(), URL, fetched_at=FETCHED_AT, tz="Europe/Berlin")
    return [
        (e.headline, e.body, e.published_at.isoformat() if e.published_at else None)
        for e in page.entries
    ]


BOTH = [
    ("Eins", "Text eins.", "2025-08-14T17:15:00+00:00"),
    ("Zwei", "Text zwei.", "2025-08-14T17:10:00+00:00"),
]


@pytest.mark.parametrize(
    "html",
    [
        # unclosed <p>, stray closing tags, no </html>
        f"{DAY}<h2>19.15 Uhr: Eins</h2><p>Text eins.</span></td>"
        "<h2>19.10 Uhr: Zwei</h2><p>Text <b>zwei.</div>",
        # an unclosed heading and an unclosed comment at the end
        f"<html><body>{DAY}<h2>19.15 Uhr: Eins<p>Text eins.</p><h2>19.10 Uhr: Zwei</h2>"
        "<p>Text zwei.</p><!-- unclosed",
        # misnested inline tags inside the body
        f"{DAY}<h2>19.15 Uhr: Eins</h2><p>Text <i>eins.</b></i></p>"
        "<h2>19.10 Uhr: Zwei</h2><p>Text zwei.</p>",
    ],
)
def test_malformed_html_still_gives_every_entry(html: str) -> None:
    assert parse(html) == BOTH


def test_heading_wrapped_by_a_misnested_inline_tag_is_found() -> None:
    """libxml2 moves the <h2> into the misnested <b>; the entry must not be lost."""
    html = f"{DAY}<b><h2>19.15 Uhr: Eins</b></h2><p>Text eins.</p><h2>19.10 Uhr: Zwei</h2>"
    assert parse(html + "<p>Text zwei.</p>") == BOTH


def test_impossible_dates_give_entries_without_a_time() -> None:
    updates = [
        {"headline": h, "articleBody": h, "datePublished": d}
        for h, d in (("Feb", "2025-02-30T10:00:00Z"), ("Uhr", "2025-08-14T25:61:00+02:00"))
    ]
    ld = {"@type": "LiveBlogPosting", "liveBlogUpdate": updates}
    html = f'<script type="application/ld+json">{json.dumps(ld)}</script>'
    page = parse_page(html.encode(), URL, fetched_at=FETCHED_AT)
    assert [(e.headline, e.published_at, e.time_precision) for e in page.entries] == [
        ("Feb", None, "none"),
        ("Uhr", None, "none"),
    ]


@pytest.mark.parametrize("magic", [b"\x89PNG\r\n\x1a\n", b"%PDF-1.7\n\x00\xff", b"\x1f\x8b\x08"])
def test_binary_body_under_an_html_content_type_is_a_parse_error(magic: bytes) -> None:
    body = magic + bytes(range(256)) * 8
    with pytest.raises(ParseError, match="not text"):
        parse_page(body, URL, fetched_at=FETCHED_AT, headers={"Content-Type": "text/html"})


def test_duplicate_entry_ids_on_one_page_keep_the_first(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    batch = observation(T[0], {"a": "Oben.", "b": "Text b."})
    batch.add("entries", entry_row("alpha", T[0], "a", "Unten, doppelt.", 2))
    path = stage.write_batch(tmp_path / "staging", batch)
    report = load_batches(warehouse, [path], load_id="dup", now=T[0])
    assert (report.entry_rows, report.new_versions) == (2, 2)
    assert rows(warehouse, "SELECT body FROM entries WHERE entry_id = 'a'") == [("Oben.",)]
    assert_history_is_consistent(warehouse)


def test_unwritable_warehouse_path_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the warehouse folder should be")
    with pytest.raises(PermanentError, match="cannot create warehouse folder"):
        connect(blocker / "tickerlake.duckdb")
    assert blocker.read_text().startswith("a file")  # nothing written


def test_unwritable_archive_fails_the_shard_without_a_batch(
    tmp_path: Path, warehouse_path: Path
) -> None:
    root = tmp_path / "replay" / "alpha"
    root.mkdir(parents=True)
    html = f"<html><body>{DAY}<h2>21.15 Uhr: Eins</h2><p>Text eins.</p></body></html>"
    (root / snapshot_name(T[0], "html")).write_text(html)
    blocker = tmp_path / "archive-file"
    blocker.write_text("a file where the archive folder should be")
    settings = replace(
        from_env({}),
        warehouse=warehouse_path,
        data_dir=tmp_path / "data",
        archive_root=str(blocker),
    )
    with ReplayServer(tmp_path / "replay") as server:
        source = Source("alpha", server.source_url("alpha"), allow_private=True)
        shard = cycle.plan_shards([source], {}, now=FETCHED_AT)[0]
        with pytest.raises(ArchiveError, match="archive-file"):
            cycle.fetch_parse_shard(shard, settings, batch_id="b", now=FETCHED_AT)
    staged = settings.staging_dir
    assert not staged.exists() or list(staged.iterdir()) == []
    with connect(warehouse_path, read_only=True) as con:
        assert rows(con, "SELECT count(*) FROM fetches") == [(0,)]


def test_every_test_docs_reliability_cites_exists() -> None:
    doc = (PROJECT_ROOT / "docs" / "reliability.md").read_text(encoding="utf-8")
    cited = set(re.findall(r"`(test_\w+\.py)::(test_\w+)`", doc))
    assert len(cited) > 40
    missing = [
        f"{file}::{name}"
        for file, name in sorted(cited)
        if not any(
            f"def {name}(" in path.read_text(encoding="utf-8")
            for path in (PROJECT_ROOT / "tests").rglob(file)  # tests/<wing>/ since the layout
        )
    ]
    assert missing == []
