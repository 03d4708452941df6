"""Exit codes of `tickerlake`, and the one place that turns an error into its line on
stderr and its code. README.md ("Exit codes") documents the same table; a cron job or a
shell script tells "try again later" from "fix the configuration" by the code alone."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Iterator
from types import FrameType

import duckdb

from pipeline.errors import SourcesFailedError, TickerlakeError, TransientError

OK = 0
PARTIAL = 1  # the command ran, but sources failed (`run`) or statements failed (`sql`)
ERROR = 2  # usage, configuration, input, or a warehouse that cannot be opened
INTERNAL = 70  # an exception tickerlake did not expect: a bug
TEMPORARY = 75  # may pass on a retry: the warehouse locked by a writer, a server down
INTERRUPTED = 128 + signal.SIGINT  # 130
BROKEN_PIPE = 128 + signal.SIGPIPE  # 141: the reader of stdout went away (`| head`)
TERMINATED = 128 + signal.SIGTERM  # 143


class Terminated(BaseException):
    """SIGTERM, raised in the main thread like KeyboardInterrupt is for SIGINT, so the
    same unwinding (cancel fetches, roll back; the batches staged so far are kept for a
    later load) happens."""


def say(message: str) -> None:
    """One line per line of `message`, each starting `tickerlake: `."""
    for line in message.splitlines() or [""]:
        print(f"tickerlake: {line}", file=sys.stderr)


def report(exc: BaseException) -> int:
    """Print `exc` as the user should see it; its exit code."""
    code, text = _classify(exc)
    say(text)
    return code


def _classify(exc: BaseException) -> tuple[int, str]:
    if isinstance(exc, SourcesFailedError):
        return PARTIAL, str(exc)
    if isinstance(exc, TransientError):
        return TEMPORARY, f"error: {exc}"
    if isinstance(exc, TickerlakeError):
        return ERROR, "\n".join(f"error: {line}" for line in str(exc).splitlines())
    if isinstance(exc, duckdb.Error):
        return ERROR, f"error: {first_line(exc)}"
    if isinstance(exc, OSError):
        return ERROR, f"error: {os_error(exc)}"
    return INTERNAL, (
        f"internal error (a bug; please report it, --traceback shows where): "
        f"{type(exc).__name__}: {first_line(exc)}"
    )


def first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def os_error(exc: OSError) -> str:
    """`path: reason`, as a file error should read (`missing/r.html: No such file …`)."""
    reason = exc.strerror or first_line(exc)
    return f"{exc.filename}: {reason}" if exc.filename else reason


def silence_stdout() -> None:
    """After a broken pipe: point stdout at /dev/null, so the interpreter's final flush
    does not fail a second time and print "Exception ignored …"."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    with contextlib.suppress(OSError, ValueError):
        os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


@contextlib.contextmanager
def terminate_as_exception() -> Iterator[None]:
    """While the block runs, SIGTERM raises `Terminated` in the main thread."""

    def raise_terminated(_signum: int, _frame: FrameType | None) -> None:
        raise Terminated

    try:
        previous = signal.signal(signal.SIGTERM, raise_terminated)
    except ValueError:  # not the main thread (an embedding caller): leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
