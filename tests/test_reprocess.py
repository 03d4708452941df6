"""`reprocess`: re-parsing the raw archive reproduces the original run, recovers pages the
parser failed on, and touches neither the network nor other sources."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import fsspec
import pytest

from pipeline import cycle
from pipeline.cli.main import main
from pipeline.demo import sources as demo_sources
from pipeline.demo.replay import ReplayServer
from pipeline.errors import TickerlakeError
from pipeline.models import ParsedPage
from pipeline.parse import parse_page
from pipeline.reprocess import Selection, reprocess
from pipeline.settings import Settings, from_env
from pipeline.sources import load_sources
from pipeline.warehouse import connect

TIMES = demo_sources.snapshot_times()
ENTRY_VIEW = "SELECT * EXCLUDE (load_id) FROM entry_versions ORDER BY entry_id, valid_from"


def make_settings(folder: Path) -> Settings:
    base = from_env({})
    return replace(
        base,
        warehouse=folder / "w.duckdb",
        data_dir=folder / "data",
        fetch=replace(base.fetch, host_interval=0),
    )


def run_all_snapshots(replay: ReplayServer, settings: Settings, folder: Path) -> None:
    sources = load_sources(demo_sources.write_sources_file(folder, replay.url))
    for index, at in enumerate(TIMES):
        replay.clock.set(at)
        cycle.run_cycle(sources, settings, run_id=f"c{index}", now=at)


@pytest.fixture(scope="module")
def original(replay: ReplayServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Warehouse and archive of all demo snapshots, run once per module."""
    folder = tmp_path_factory.mktemp("original")
    run_all_snapshots(replay, make_settings(folder), folder)
    return folder


@pytest.fixture(scope="module")
def broken(replay: ReplayServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The same run with a parser that fails on every page of alaska-de-html."""
    folder = tmp_path_factory.mktemp("broken")

    def buggy(content: bytes, url: str, **kwargs: Any) -> ParsedPage:
        if "alaska-de-html" in url:
            raise ValueError("parser bug")
        return parse_page(content, url, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("pipeline.fetch.pagination.parse_page", buggy)
        run_all_snapshots(replay, make_settings(folder), folder)
    yield folder


@pytest.fixture
def settings(original: Path, tmp_path: Path) -> Settings:
    """A private copy of the original run."""
    shutil.copytree(original, tmp_path / "copy")
    return make_settings(tmp_path / "copy")


def state(settings: Settings) -> dict[str, list[Any]]:
    with connect(settings.warehouse, read_only=True) as con:
        return {
            "entries": con.execute("SELECT * FROM entries ORDER BY entry_id").fetchall(),
            "versions": con.execute(ENTRY_VIEW).fetchall(),
            "pages": con.execute("SELECT * EXCLUDE (load_id) FROM pages ORDER BY ALL").fetchall(),
        }


def test_reprocess_reproduces_the_original_run_exactly(
    replay: ReplayServer, settings: Settings
) -> None:
    before = state(settings)
    requests_before = len(replay.request_log())
    report = reprocess(settings, Selection(), load_id="re-1", now=TIMES[-1])
    assert report.page_rows == 0  # pages already indexed; their rows are refreshed in place
    assert report.new_versions == len(before["versions"])
    assert state(settings) == before
    assert len(replay.request_log()) == requests_before  # no network


def test_reprocess_reads_an_archive_on_object_storage(settings: Settings) -> None:
    """The archive behind an fsspec URL (memory:// standing in for s3://) replays the same."""
    before = state(settings)
    local = Path(settings.archive_dir)
    root = f"memory://reprocess-{settings.data_dir.parent.parent.name}"
    memory = fsspec.filesystem("memory")
    for path in local.rglob("*"):
        if path.is_file():
            memory.pipe_file(f"{root}/{path.relative_to(local).as_posix()}", path.read_bytes())
    shutil.rmtree(local)
    try:
        reprocess(replace(settings, archive_root=root), Selection(), load_id="s3", now=TIMES[-1])
    finally:
        memory.rm(root, recursive=True)
    assert state(settings) == before


def test_reprocess_recovers_pages_the_parser_failed_on(
    settings: Settings, broken: Path, tmp_path: Path
) -> None:
    shutil.copytree(broken, tmp_path / "broken")
    broken_settings = make_settings(tmp_path / "broken")
    with connect(broken_settings.warehouse, read_only=True) as con:
        failed = con.execute("SELECT count(*) FROM fetches WHERE error_class = 'ParseError'")
        assert (failed.fetchone() or (0,))[0] > 0
        lost = con.execute("SELECT count(*) FROM entries WHERE source_id = 'alaska-de-html'")
        assert lost.fetchone() == (0,)
    reprocess(broken_settings, Selection(("alaska-de-html",)), load_id="fix", now=TIMES[-1])
    assert state(broken_settings)["entries"] == state(settings)["entries"]
    assert state(broken_settings)["versions"] == state(settings)["versions"]


def test_reprocess_one_source_leaves_the_others_alone(settings: Settings) -> None:
    with connect(settings.warehouse) as con:
        con.execute("UPDATE entries SET headline = 'marker' WHERE source_id <> 'alaska-text'")
        con.execute("UPDATE entries SET headline = 'stale' WHERE source_id = 'alaska-text'")
    reprocess(settings, Selection(("alaska-text",)), load_id="one", now=TIMES[-1])
    with connect(settings.warehouse, read_only=True) as con:
        rows = con.execute("SELECT source_id, headline FROM entries").fetchall()
    assert {h for s, h in rows if s != "alaska-text"} == {"marker"}
    assert "stale" not in {h for s, h in rows if s == "alaska-text"}


def test_a_window_that_would_drop_history_refuses_with_the_counts(settings: Settings) -> None:
    before = state(settings)
    selection = Selection(("alaska-jsonld",), since=TIMES[0], until=TIMES[1])
    with pytest.raises(TickerlakeError, match=r"would drop \d+ version.*--truncate"):
        reprocess(settings, selection, load_id="window", now=TIMES[-1])
    assert state(settings) == before


def test_since_until_select_the_fetches(settings: Settings) -> None:
    selection = Selection(("alaska-jsonld",), since=TIMES[0], until=TIMES[1], truncate=True)
    reprocess(settings, selection, load_id="window", now=TIMES[-1])
    with connect(settings.warehouse, read_only=True) as con:
        (latest,) = con.execute(
            "SELECT max(valid_from) FROM entry_versions v JOIN entries e USING (entry_id) "
            "WHERE e.source_id = 'alaska-jsonld'"
        ).fetchone() or (None,)
    assert isinstance(latest, datetime) and latest < TIMES[1]


def test_unknown_source_is_an_error(settings: Settings) -> None:
    with pytest.raises(TickerlakeError, match="no such source in the warehouse: nope"):
        reprocess(settings, Selection(("nope",)), load_id="x", now=TIMES[-1])


def test_cli_reprocess(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = state(settings)
    monkeypatch.setenv("TICKERLAKE_DATA_DIR", str(settings.data_dir))
    args = ["--warehouse", str(settings.warehouse), "reprocess", "--source", "alaska-jsonld"]
    assert main([*args, "--since", TIMES[0].isoformat()]) == 0
    assert json.loads(capsys.readouterr().out)["batches"] == 1
    assert state(settings) == before
