"""Progress bars and summaries go to stderr, only draw on a terminal, and never touch
stdout, where the verbs print JSON."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from pipeline.cli import progress
from pipeline.cli.main import main


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_bar_draws_nothing_when_not_a_terminal() -> None:
    stream = io.StringIO()
    with progress.bar("work", 2, stream=stream) as advance:
        advance("a")
        advance("b")
    assert stream.getvalue() == ""


def test_bar_draws_on_a_terminal() -> None:
    stream = Terminal()
    with progress.bar("work", 2, stream=stream) as advance:
        advance("a")
        advance("b")
    assert "work" in stream.getvalue()
    assert "2/2" in stream.getvalue()


def test_bar_of_unknown_length_ends_complete() -> None:
    stream = Terminal()
    with progress.bar("work", stream=stream) as advance:
        for item in "abc":
            advance(item)
    assert "3/3" in stream.getvalue()


def test_summary_is_one_plain_line_when_not_a_terminal() -> None:
    stream = io.StringIO()
    progress.summary("cycle x", {"batches": 1, "entry_rows": 5}, stream=stream)
    assert stream.getvalue() == "cycle x: 1 batches, 5 entry_rows\n"


def test_summary_is_a_table_on_a_terminal() -> None:
    stream = Terminal()
    progress.summary("cycle [x]", {"batches": 1}, stream=stream)
    assert "cycle [x]" in stream.getvalue()  # no rich markup interpretation
    assert "batches" in stream.getvalue()


@pytest.mark.parametrize(("verb", "key"), [(["enrich"], "stories"), (["corpus", "load"], None)])
def test_stdout_stays_parseable_while_bars_draw(
    warehouse_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    verb: list[str],
    key: str | None,
) -> None:
    stderr = Terminal()
    monkeypatch.setattr("sys.stderr", stderr)
    assert main(["--warehouse", str(warehouse_path), *verb]) == 0
    out = capsys.readouterr().out
    if key:
        assert key in json.loads(out)
    else:
        assert out == "loaded 5 documents into corpus 'seed'\n"
    assert "\x1b" not in out
    assert stderr.getvalue()  # the bar went to the terminal on stderr
