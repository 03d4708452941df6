"""Progress bars and final summaries for long CLI work (`rich`), on stderr.

Bars draw only when stderr is a terminal, so logs and pipes get no control codes, and
stdout (where verbs print JSON or CSV) never sees them. Pipeline functions take a plain
`Advance` callback; only the CLI builds bars."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

Advance = Callable[[str], None]  # called once per finished item with its label


def _console(stream: TextIO | None) -> Console:
    return Console(file=stream or sys.stderr, highlight=False, markup=False)


@contextmanager
def bar(
    description: str, total: int | None = None, *, stream: TextIO | None = None
) -> Iterator[Advance]:
    """A bar for `total` items (a counter when unknown); yields the advance callback."""
    console = _console(stream)
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[item]}"),
    )
    with Progress(
        *columns,
        console=console,
        disable=not console.is_terminal,
        # prints during the bar are drawn above it only when stdout shares the terminal;
        # a redirected stdout must keep its text, not lose it to stderr
        redirect_stdout=sys.stdout.isatty(),
        redirect_stderr=False,
    ) as progress:
        task = progress.add_task(description, total=total, item="")

        def advance(item: str) -> None:
            progress.update(task, advance=1, item=item)

        yield advance
        done = progress.tasks[0].completed
        progress.update(task, total=done, completed=done, item="")


def summary(title: str, counts: Mapping[str, object], *, stream: TextIO | None = None) -> None:
    """The final summary: a table on a terminal, one plain line otherwise."""
    console = _console(stream)
    if not console.is_terminal:
        # soft_wrap: a log line stays one line (rich wraps at 80 columns off a terminal)
        line = f"{title}: " + ", ".join(f"{v} {k}" for k, v in counts.items())
        console.print(line, soft_wrap=True)
        return
    table = Table(title=title, show_header=False, title_justify="left")
    for key, value in counts.items():
        table.add_row(key, str(value))
    console.print(table)
