"""`tickerlake sql`: queries, a script on stdin, or an interactive prompt on the reader
snapshot. Every statement of a text runs and prints its own result.

The prompt is a small class fed one line at a time (`Shell.feed`), so tests drive it
without a terminal; `interact` adds readline history and the TTY loop around it. A script
keeps going past a failed statement (unless `bail`) and counts the failures, so the
command can exit non-zero."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import duckdb

from pipeline.cli.exits import first_line
from pipeline.cli.output import FORMATS, render
from pipeline.errors import TickerlakeError


@dataclass(frozen=True, slots=True)
class Result:
    columns: list[str]
    rows: list[tuple[Any, ...]]


def execute(con: duckdb.DuckDBPyConnection, query: str) -> Result:
    """Run `query` (one statement; of several, DuckDB returns only the last result); a
    DuckDB error becomes a one-line TickerlakeError."""
    try:
        result = con.execute(query)
        rows = result.fetchall() if result.description else []
    except duckdb.Error as exc:
        raise TickerlakeError(f"query failed: {first_line(exc)}") from exc
    return Result([d[0] for d in result.description or []], rows)


def execute_all(con: duckdb.DuckDBPyConnection, text: str) -> Iterator[tuple[str, Result]]:
    """Each statement of `text` (as written) with its result, in turn; the first failure
    stops."""
    try:
        statements = duckdb.extract_statements(text)
    except duckdb.Error as exc:
        raise TickerlakeError(f"query failed: {first_line(exc)}") from exc
    for statement in statements:
        yield statement.query.strip().rstrip(";"), execute(con, statement.query)


PROMPT = "tickerlake> "
CONTINUE = "       ...> "
HELP = """\
SQL statements end with ';' and may span lines. Commands:
  .tables              tables and views
  .schema NAME         columns, types and meaning of a table or view
  .export FILE.csv     write the last result (also FILE.parquet)
  .format table|csv|json
  .help                this text
  .quit                leave (or Ctrl-D)"""
_TABLES = """\
SELECT table_name AS name, lower(replace(table_type, 'BASE ', '')) AS kind
FROM information_schema.tables
WHERE table_catalog = current_database() AND table_schema = current_schema()
ORDER BY name"""
_COLUMNS = """\
SELECT column_name AS column, data_type AS type, coalesce(comment, '') AS meaning
FROM duckdb_columns()
WHERE database_name = current_database() AND schema_name = current_schema()
  AND table_name = ?
ORDER BY column_index"""
_EXPORT_FORMATS = {".csv": "(FORMAT csv, HEADER)", ".parquet": "(FORMAT parquet)"}


class Shell:
    """The interactive prompt's logic: fed one line at a time, writes to `out`."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        out: TextIO,
        *,
        fmt: str = "table",
        err: TextIO | None = None,
        bail: bool = False,
    ) -> None:
        self.con = con
        self.out = out
        self.err = err or out  # a script's errors go to stderr, the prompt's to the screen
        self.fmt = fmt
        self.bail = bail
        self.last_query: str | None = None
        self.failures = 0
        self._buffer: list[str] = []
        self._lines = 0  # lines fed so far, and the one the pending statement began on
        self._started = 0

    @property
    def prompt(self) -> str:
        return CONTINUE if self._buffer else PROMPT

    def feed(self, line: str) -> bool:
        """Take one input line; False once the user asked to quit."""
        self._lines += 1
        if not self._buffer:
            self._started = self._lines
        if not self._buffer and line.strip().startswith("."):
            return self._command(line.strip())
        if line.strip() or self._buffer:
            self._buffer.append(line)
        statement = "\n".join(self._buffer).strip()
        if statement and _complete(statement):
            self._buffer.clear()
            self._guarded(self._run, statement)
        return not (self.bail and self.failures)

    def finish(self) -> None:
        """Run a statement left without its ';' (the end of a script)."""
        statement = "\n".join(self._buffer).strip()
        self._buffer.clear()
        if statement:
            self._guarded(self._run, statement)

    def cancel(self) -> None:
        """Drop the statement being typed (Ctrl-C)."""
        self._buffer.clear()

    def say(self, text: str) -> None:
        print(text, file=self.out)

    def _guarded(self, action: Callable[[str], None], argument: str) -> None:
        try:
            action(argument)
        except TickerlakeError as exc:
            self.failures += 1
            # a script's error names its line; at the prompt it is the line just typed
            where = f"line {self._started}: " if self.err is not self.out else ""
            print(f"error: {where}{exc}", file=self.err)

    def _run(self, text: str) -> None:
        for statement, result in execute_all(self.con, text):
            self.say(render(result.columns, result.rows, self.fmt))
            if result.columns:  # only a query has a result to export
                self.last_query = statement

    def _command(self, line: str) -> bool:
        name, _, argument = line.partition(" ")
        argument = argument.strip()
        if name in (".quit", ".exit"):
            return False
        handlers: dict[str, Callable[[str], None]] = {
            ".tables": self._tables,
            ".schema": self._schema,
            ".export": self._export,
            ".format": self._format,
            ".help": lambda _: self.say(HELP),
        }
        handler = handlers.get(name)
        if handler is None:
            self.say(f"error: unknown command {name}; .help lists them")
        else:
            self._guarded(handler, argument)
        return True

    def _tables(self, _: str) -> None:
        result = execute(self.con, _TABLES)
        self.say(render(result.columns, result.rows, self.fmt))

    def _schema(self, name: str) -> None:
        if not name:
            raise TickerlakeError("usage: .schema NAME")
        rows = self.con.execute(_COLUMNS, [name]).fetchall()
        if not rows:
            raise TickerlakeError(f"no table or view {name!r}; .tables lists them")
        self.say(render(["column", "type", "meaning"], rows, self.fmt))

    def _export(self, target: str) -> None:
        options = _EXPORT_FORMATS.get(Path(target).suffix.lower())
        if options is None:
            raise TickerlakeError("usage: .export FILE.csv or .export FILE.parquet")
        if self.last_query is None:
            raise TickerlakeError("nothing to export yet: run a query first")
        path = target.replace("'", "''")
        execute(self.con, f"COPY ({self.last_query}) TO '{path}' {options}")
        self.say(f"wrote {target}")

    def _format(self, fmt: str) -> None:
        if fmt not in FORMATS:
            raise TickerlakeError(f"usage: .format {'|'.join(FORMATS)}")
        self.fmt = fmt


def _complete(statement: str) -> bool:
    """Ends with ';' outside a quoted string (a ';' inside quotes does not end it)."""
    return statement.endswith(";") and statement.count("'") % 2 == 0


def run_lines(shell: Shell, lines: Iterable[str]) -> None:
    """Feed `lines` (a script on stdin) until they end or one is `.quit`."""
    for line in lines:
        if not shell.feed(line.rstrip("\n")):
            return
    shell.finish()


def interact(shell: Shell, history: Path) -> None:
    """The terminal loop: readline editing and history kept in `history`."""
    import readline

    history.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(OSError):
        readline.read_history_file(history)
    readline.set_history_length(1000)
    shell.say("tickerlake sql: statements end with ';', .help lists commands, .quit leaves")
    try:
        while True:
            try:
                line = input(shell.prompt)
            except EOFError:
                break
            except KeyboardInterrupt:  # Ctrl-C drops the statement being typed
                shell.cancel()
                shell.say("")
                continue
            if not shell.feed(line):
                break
    finally:
        readline.write_history_file(history)
