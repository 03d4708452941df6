"""The reader snapshot: published after every load, queried by `tickerlake sql` while
another process holds the live file for writing."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline import stage
from pipeline.cli.main import main
from pipeline.errors import WarehouseBusyError
from pipeline.warehouse import backend, connect, query_path, reader_path
from tests.support.settings import on_file
from tests.warehouse.test_stage_load import T, bodies, observation

HOLD_FOR_WRITING = (
    "import duckdb, sys; con = duckdb.connect(sys.argv[1]); "
    "print('holding', flush=True); sys.stdin.read()"
)


@contextlib.contextmanager
def writer_elsewhere(warehouse_path: Path) -> Iterator[None]:
    """Another process that holds the live warehouse open for writing, as a load does."""
    with subprocess.Popen(
        [sys.executable, "-c", HOLD_FOR_WRITING, str(warehouse_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stdout is not None and process.stdout.readline() == "holding\n"
        yield  # leaving the Popen block closes its stdin, which ends the process


def stage_and_load(warehouse_path: Path, staging: Path, at_index: int, *ids: str) -> None:
    path = stage.write_batch(staging, observation(T[at_index], bodies(*ids)))
    backend.load(on_file(warehouse_path), [path], load_id=f"load-{at_index}", now=T[at_index])


def test_load_publishes_the_snapshot(warehouse_path: Path, tmp_path: Path) -> None:
    assert query_path(warehouse_path) == warehouse_path  # nothing published yet
    stage_and_load(warehouse_path, tmp_path / "staging", 0, "a", "b")
    snapshot = reader_path(warehouse_path)
    assert snapshot.name == "tickerlake.reader.duckdb"
    assert query_path(warehouse_path) == snapshot
    assert query_path(warehouse_path, live=True) == warehouse_path
    stage_and_load(warehouse_path, tmp_path / "staging", 1, "a", "b", "c")
    with connect(snapshot, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM entries").fetchall() == [(3,)]
    assert not snapshot.with_name(snapshot.name + ".partial").exists()


def test_sql_reads_the_snapshot_while_a_writer_holds_the_file(
    warehouse_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stage_and_load(warehouse_path, tmp_path / "staging", 0, "a", "b")
    capsys.readouterr()
    with writer_elsewhere(warehouse_path):
        query = "SELECT count(*) AS n FROM entries"
        assert main(["--warehouse", str(warehouse_path), "sql", query, "--format", "csv"]) == 0
        assert capsys.readouterr().out.split() == ["n", "2"]
        with pytest.raises(WarehouseBusyError, match="reader snapshot"):
            connect(warehouse_path, read_only=True)


def test_a_reader_with_the_old_snapshot_open_keeps_reading_it(
    warehouse_path: Path, tmp_path: Path
) -> None:
    stage_and_load(warehouse_path, tmp_path / "staging", 0, "a", "b")
    with connect(reader_path(warehouse_path), read_only=True) as old:
        stage_and_load(warehouse_path, tmp_path / "staging", 1, "a", "b", "c")
        # The rename replaced the name, not the file the open connection reads.
        assert old.execute("SELECT count(*) FROM entries").fetchall() == [(2,)]
        assert old.execute("SELECT count(*) FROM loads").fetchall() == [(1,)]
    with connect(reader_path(warehouse_path), read_only=True) as new:
        assert new.execute("SELECT count(*) FROM entries").fetchall() == [(3,)]
