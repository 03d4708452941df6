"""The interactive `tickerlake sql` prompt, driven line by line without a terminal."""

from __future__ import annotations

import builtins
import io
import json
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from pipeline.cli import sqlshell
from pipeline.cli.main import main
from pipeline.cli.sqlshell import CONTINUE, PROMPT, Shell, run_lines
from pipeline.warehouse import connect, publish_reader


@pytest.fixture
def shell(warehouse: duckdb.DuckDBPyConnection) -> Shell:
    return Shell(warehouse, io.StringIO())


def output(shell: Shell) -> str:
    assert isinstance(shell.out, io.StringIO)
    return shell.out.getvalue()


def feed(shell: Shell, *lines: str) -> str:
    for line in lines:
        shell.feed(line)
    return output(shell)


def test_a_statement_runs_once_its_semicolon_arrives(shell: Shell) -> None:
    assert shell.prompt == PROMPT
    shell.feed("SELECT 1 AS a,")
    assert shell.prompt == CONTINUE
    assert output(shell) == ""
    assert feed(shell, "  2 AS b;") == "a | b\n--+--\n1 | 2\n(1 row)\n"
    assert shell.prompt == PROMPT


def test_a_semicolon_inside_quotes_does_not_end_the_statement(shell: Shell) -> None:
    feed(shell, "SELECT 'a;", "b' AS s;")
    assert "a; b" in output(shell)


def test_blank_lines_between_statements_are_ignored(shell: Shell) -> None:
    feed(shell, "", "   ")
    assert shell.prompt == PROMPT
    assert output(shell) == ""


def test_tables_lists_tables_and_views(shell: Shell) -> None:
    text = feed(shell, ".tables")
    assert "entries              | table" in text
    assert "timeline             | view" in text


def test_schema_shows_columns_with_their_meaning(shell: Shell) -> None:
    text = feed(shell, ".schema entries")
    assert "is_deleted" in text
    assert "BOOLEAN" in text
    assert "withdrawn" in text.lower()


def test_schema_of_an_unknown_name_is_one_error_line(shell: Shell) -> None:
    assert feed(shell, ".schema nope") == "error: no table or view 'nope'; .tables lists them\n"


def test_errors_leave_the_prompt_usable(shell: Shell) -> None:
    feed(shell, "SELEC 1;", ".bogus", "SELECT 42 AS n;")
    lines = output(shell).splitlines()
    assert lines[0].startswith("error: query failed: Parser Error")
    assert lines[1] == "error: unknown command .bogus; .help lists them"
    assert lines[-2:] == ["42", "(1 row)"]


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_export_writes_the_last_result(shell: Shell, tmp_path: Path, suffix: str) -> None:
    target = tmp_path / f"it's{suffix}"  # a quote in the name must not break COPY
    feed(shell, "SELECT range AS n FROM range(3);", f".export {target}")
    assert output(shell).endswith(f"wrote {target}\n")
    rows = duckdb.sql(f"SELECT n FROM '{str(target).replace(chr(39), chr(39) * 2)}'").fetchall()
    assert [r[0] for r in rows] == [0, 1, 2]


def test_export_before_any_query_is_an_error(shell: Shell, tmp_path: Path) -> None:
    assert "nothing to export yet" in feed(shell, f".export {tmp_path / 'x.csv'}")


def test_export_needs_csv_or_parquet(shell: Shell) -> None:
    assert "usage: .export" in feed(shell, "SELECT 1;", ".export out.xlsx")


def test_format_switches_the_rendering(shell: Shell) -> None:
    text = feed(shell, ".format json", "SELECT 1 AS a;")
    assert json.loads(text) == [{"a": 1}]


def test_quit_stops_a_script(shell: Shell) -> None:
    run_lines(shell, ["SELECT 1 AS a;\n", ".quit\n", "SELECT 2 AS b;\n"])
    assert "b" not in output(shell)


def test_a_script_may_end_without_its_semicolon(shell: Shell) -> None:
    run_lines(shell, ["SELECT 7 AS seven"])
    assert "7" in output(shell)


def test_interact_keeps_history(
    shell: Shell, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("readline")
    typed: Iterator[str] = iter(["SELECT 5 AS five;", ".quit"])

    def fake_input(_prompt: str) -> str:
        line = next(typed)
        import readline

        readline.add_history(line)  # what input() does on a terminal
        return line

    monkeypatch.setattr(builtins, "input", fake_input)
    history = tmp_path / "data" / "sql_history"
    sqlshell.interact(shell, history)
    assert "5" in output(shell)
    assert "SELECT 5 AS five;" in history.read_text(encoding="utf-8")


def test_cli_without_a_query_reads_a_script_from_stdin(
    warehouse_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with connect(warehouse_path) as con:
        publish_reader(con, warehouse_path)
    monkeypatch.setattr("sys.stdin", io.StringIO("SELECT count(*) AS n\nFROM sources;\n"))
    assert main(["--warehouse", str(warehouse_path), "sql", "--format", "csv"]) == 0
    assert capsys.readouterr().out == "n\n0\n"
