"""`tickerlake`: the command line. Each verb parses its arguments and calls one pipeline
function. Every failure takes one path (`main`): one line per problem on stderr and an
exit code from `pipeline.cli.exits` (the README's "Exit codes" table), never a traceback.
Settings are read after the arguments are parsed, so `--help` and `--version` work
whatever the environment holds."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import math
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

import pipeline
from pipeline.cli import exits, progress
from pipeline.cli.output import FORMATS, render
from pipeline.demo import sources as demo_sources
from pipeline.errors import ConfigError, TickerlakeError
from pipeline.settings import DEFAULT_WAREHOUSE, Settings, fail_above, from_env

if TYPE_CHECKING:
    from typing import TypeAlias

    from pipeline.models import ParsedPage
    from pipeline.sources import Outlet, Source

    Verbs: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]

Handler = Callable[[argparse.Namespace], int]
WRITES = "nothing loaded"  # what an interrupted writing verb leaves: its transaction rolled back


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    handler: Handler = args.handler
    with exits.terminate_as_exception():
        try:
            return handler(args)
        except KeyboardInterrupt:
            return _interrupted(args, exits.INTERRUPTED)
        except exits.Terminated:
            return _interrupted(args, exits.TERMINATED)
        except BrokenPipeError:  # `tickerlake sql … | head`: the reader has all it wants
            exits.silence_stdout()
            return exits.BROKEN_PIPE
        except Exception as exc:
            if args.traceback:
                raise
            return exits.report(exc)


def entry() -> None:
    """The `tickerlake` program. After an interrupt it leaves at once: fetch threads
    stalled on a socket would otherwise hold the interpreter's exit for their timeout,
    and nothing they could still deliver is wanted."""
    code = main()
    if code in (exits.INTERRUPTED, exits.TERMINATED):
        with contextlib.suppress(OSError, ValueError):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


def _interrupted(args: argparse.Namespace, code: int) -> int:
    left = getattr(args, "on_interrupt", None)
    exits.say("interrupted" + (f"; {left}" if left else ""))
    return code


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tickerlake", description=__doc__)
    _add_common_options(parser, warehouse=None, traceback=False)
    parser.add_argument("--version", action="version", version=f"tickerlake {pipeline.__version__}")
    # The same options after the verb; SUPPRESS keeps a verb's parser from overwriting a
    # value given before the verb with its own default.
    common = argparse.ArgumentParser(add_help=False)
    _add_common_options(common, warehouse=argparse.SUPPRESS, traceback=argparse.SUPPRESS)
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    for add in (
        _demo_parser,
        _run_parser,
        _reprocess_parser,
        _parse_parser,
        _check_parser,
        _sql_parser,
        _replay_parser,
        _corpus_parser,
        _enrich_parser,
        _maintain_parser,
        _report_parser,
    ):
        add(verbs, common)
    return parser


def _add_common_options(
    parser: argparse.ArgumentParser, *, warehouse: object, traceback: object
) -> None:
    parser.add_argument(
        "--warehouse",
        type=Path,
        default=warehouse,
        help=f"DuckDB warehouse file (default: $TICKERLAKE_WAREHOUSE or {DEFAULT_WAREHOUSE})",
    )
    parser.add_argument(
        "--traceback",
        action="store_true",
        default=traceback,
        help="show the Python traceback of an unexpected error (for a bug report)",
    )


def _demo_parser(verbs: Verbs, common: argparse.ArgumentParser) -> None:
    p = verbs.add_parser(
        "demo", parents=[common], help="run the ingest DAG under Airflow on the bundled demo"
    )
    p.set_defaults(handler=cmd_demo, on_interrupt=WRITES)


def _run_parser(verbs: Verbs, common: argparse.ArgumentParser) -> None:
    p = verbs.add_parser("run", parents=[common], help="one ingest cycle without Airflow")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--sources", type=Path, help="sources.yaml (default: $TICKERLAKE_SOURCES)")
    which.add_argument(
        "--demo",
        action="store_true",
        help="the bundled demo sources, served in-process (refused into a warehouse that "
        "holds other sources)",
    )
    p.add_argument(
        "--fail-above",
        type=_rate,
        default=None,
        metavar="RATE",
        help="exit 1 only when more than this share (0 to 1) of the sources failed "
        "(default: $TICKERLAKE_FAIL_ABOVE or 0, any failure)",
    )
    p.add_argument(
        "--wait",
        type=_seconds,
        default=0.0,
        metavar="SECONDS",
        help="wait up to this long for a warehouse another process is writing (default: 0)",
    )
    p.set_defaults(handler=cmd_run, on_interrupt=WRITES)


def _reprocess_parser(verbs: Verbs, common: argparse.ArgumentParser) -> None:
    p = verbs.add_parser(
        "reprocess",
        parents=[common],
        help="re-parse archived pages with the current parser and reload (offline)",
    )
    p.add_argument(
        "--source", action="append", default=[], metavar="ID", help="only this source (repeat)"
    )
    p.add_argument("--since", type=_utc_argument, help="fetches at or after, ISO-8601")
    p.add_argument("--until", type=_utc_argument, help="fetches before, ISO-8601")
    p.add_argument(
        "--truncate",
        action="store_true",
        help="let a --since/--until window drop the history observed outside it",
    )
    p.set_defaults(handler=cmd_reprocess, on_interrupt=WRITES)


def _parse_parser(verbs: Verbs, common: argparse.ArgumentParser) -> None:
    p = verbs.add_parser(
        "parse", parents=[common], help="split one page (saved file or URL) into entries"
    )
    _page_arguments(p)
    p.add_argument(
        "--format",
        choices=("jsonl", "table"),
        default=None,
        help="default: a table on a terminal, JSON lines into a pipe or file",
    )
    p.set_defaults(handler=cmd_parse)


def _check_parser(verbs: Verbs, common: argparse.ArgumentParser) -> None:
    p = verbs.add_parser(
        "check",
        parents=[common],
        help="how one page (saved file or URL) is read: parser, entries, times, zone",
    )
    _page_arguments(p)
    p.set_defaults(handler=cmd_check)


def _page_arguments(p: argparse.ArgumentParser) -> None:
    """The page to read and how, shared by `parse` and `check`."""
    p.add_argument("page", metavar="FILE_OR_URL", help="a saved page (.gz is read) or http(s) URL")
    p.add_argument("--url", default=None, help="the page's URL (default: the file's or fetched)")
    p.add_argument(
        "--fetched-at",
        default=None,
        help="fetch time, ISO 8601 with offset (default: file mtime, or now for a URL)",
    )
    p.add_argument("--tz", default=None, help="zone of wall-clock times on the page")
    p.add_argument("--language", default=None)
    p.add_argument("--profile", default=None, help="a per-site parser profile to try first")
    p.add_argument(
        "--kind",
        choices=("auto", "jsonld", "html", "text", "feed"),
        default="auto",
        help="restrict the formats tried (as a source's kind:)",
    )
    p.add_argument("--allow-private", action="store_true", help="fetch from loopback/private hosts")


def _sql_parser(verbs: Verbs, common: argparse.ArgumentParser) -> None:
    p = verbs.add_parser(
        "sql",
        parents=[common],
        help="run SQL (read-only) on the reader snapshot: statements, a script, or a prompt",
    )
    p.add_argument(
        "query",
        nargs="?",
        help="statements, each result printed; without: a prompt (a TTY) or a script on stdin",
    )
    p.add_argument(
        "--live",
        action="store_true",
        help="query the live file instead of the snapshot (fails while a load runs)",
    )
    p.add_argument("--format", choices=FORMATS, default="table")
    p.add_argument(
        "--bail", action="store_true", help="a script stops at its first failed statement"
    )
    p.set_defaults(handler=cmd_sql)


def _replay_parser(verbs: Verbs, common: argparse.ArgumentParser) -> None:
    p = verbs.add_parser(
        "replay-server", parents=[common], help="serve recorded snapshots on 127.0.0.1"
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on")
    p.add_argument(
        "--public-url", help="base URL the demo sources file names (default: http://HOST:PORT)"
    )
    p.add_argument("--root", type=Path, help="snapshot folder (default: the bundled demo)")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--at", type=_utc_argument, help="clock start, ISO-8601 with offset")
    p.add_argument("--auto-advance", action="store_true", help="advance after each full round")
    p.set_defaults(handler=cmd_replay)


def _corpus_parser(verbs: Verbs, common: argparse.ArgumentParser) -> None:
    p = verbs.add_parser("corpus", parents=[common], help="reference corpus")
    sub = p.add_subparsers(dest="action", required=True)
    load = sub.add_parser(
        "load", parents=[common], help="load or refresh a folder of *.txt documents"
    )
    load.add_argument("directory", type=Path, nargs="?", default=None, help="default: bundled")
    load.add_argument("--name", default=None, help="corpus name (default: folder name)")
    load.set_defaults(handler=cmd_corpus_load, on_interrupt=WRITES)


def _enrich_parser(verbs: Verbs, common: argparse.ArgumentParser) -> None:
    p = verbs.add_parser(
        "enrich",
        parents=[common],
        help="recompute fts indexes, near-duplicate stories and corpus links",
    )
    p.set_defaults(handler=cmd_enrich, on_interrupt=WRITES)


def _maintain_parser(verbs: Verbs, common: argparse.ArgumentParser) -> None:
    p = verbs.add_parser(
        "maintain",
        parents=[common],
        help="compact the warehouse, expire old snapshots, clear staging, prune the archive",
    )
    p.set_defaults(handler=cmd_maintain, on_interrupt=WRITES)


def _report_parser(verbs: Verbs, common: argparse.ArgumentParser) -> None:
    p = verbs.add_parser(
        "report", parents=[common], help="write a self-contained HTML report with plots"
    )
    p.add_argument("--out", type=Path, default=Path("report.html"), help="default: report.html")
    p.add_argument("--live", action="store_true", help="read the live file, not the snapshot")
    p.set_defaults(handler=cmd_report)


def _rate(text: str) -> float:
    return _number_argument(text, 1.0, "a share between 0 and 1")


def _seconds(text: str) -> float:
    return _number_argument(text, math.inf, "a number of seconds")


def _number_argument(text: str, most: float, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and 0 <= value <= most):
        raise argparse.ArgumentTypeError(f"{text!r} is not {what}")
    return value


def _utc_argument(text: str) -> datetime:
    from pipeline.parse.timeparse import parse_utc

    try:
        return parse_utc(text)
    except TickerlakeError as exc:  # argparse shows only ArgumentTypeError messages
        raise argparse.ArgumentTypeError(str(exc)) from None


def _settings(args: argparse.Namespace) -> Settings:
    """The environment's settings (read only now, after parsing), `--warehouse` applied."""
    settings = from_env()
    return replace(settings, warehouse=args.warehouse) if args.warehouse else settings


def cmd_demo(args: argparse.Namespace) -> int:
    from pipeline.demo.outlet import OUTLET_ID
    from pipeline.demo.run import DISCOVERY_QUERY, SAMPLE_QUERY, default_paths, run_demo
    from pipeline.warehouse import reader_path

    settings = _settings(args)
    _refuse_foreign_sources(settings)
    paths = default_paths(settings.warehouse, settings.data_dir)
    print(
        "tickerlake demo: the bundled Alaska-summit ticker as three sources and as the "
        f"ticker of the outlet {OUTLET_ID}, which discovery finds; replayed through Airflow"
    )
    with progress.bar("demo cycles", len(demo_sources.snapshot_times())) as advance:
        counts = run_demo(paths, say=print, now=datetime.now(UTC), advance=advance)
    print(f"\nWarehouse {paths.warehouse}: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    print(f"\nFound on the outlet {OUTLET_ID}, whose feed is all the sources file names of it:")
    _print_query(settings, DISCOVERY_QUERY, "table")
    print(f"\nSample query:\n{SAMPLE_QUERY}\n")
    _print_query(settings, SAMPLE_QUERY, "table")
    print(
        "\nQuery it yourself:\n"
        '  .venv/bin/tickerlake sql "SELECT count(*) FROM entries"\n'
        f"  or open {reader_path(paths.warehouse)} (the reader snapshot) with any DuckDB client\n"
        "Open the Airflow UI: make airflow  (then http://localhost:8080)"
    )
    return 0


def _refuse_foreign_sources(settings: Settings) -> None:
    """The demo writes only into a new warehouse or one holding nothing but the demo's
    sources and the tickers found on its outlet: its rows could not be told apart from
    (or removed from) a user's own."""
    from pipeline.demo.outlet import OUTLET_ID
    from pipeline.warehouse.backend import read_discovery, read_state

    found = read_discovery(settings).tickers.get(OUTLET_ID, {})
    foreign = sorted(set(read_state(settings)) - {*demo_sources.SOURCE_IDS, *found})
    if foreign:
        more = f" and {len(foreign) - 3} more" if len(foreign) > 3 else ""
        raise ConfigError(
            f"{settings.warehouse}: holds sources other than the demo's "
            f"({', '.join(foreign[:3])}{more}); run the demo into a warehouse of its own, "
            "e.g. --warehouse var/demo.duckdb"
        )


def cmd_run(args: argparse.Namespace) -> int:
    from pipeline.cycle import check_failures, run_cycle

    settings = _settings(args)
    tolerated = args.fail_above if args.fail_above is not None else fail_above() or 0.0
    now = datetime.now(UTC)
    run_id = f"{'demo' if args.demo else 'cli'}-{now:%Y%m%dT%H%M%S%fZ}"
    with (
        _run_sources(args, settings) as (sources, outlets),
        progress.bar("fetch and parse") as advance,
    ):
        report = run_cycle(
            sources,
            settings,
            run_id=run_id,
            now=now,
            advance=advance,
            outlets=outlets,
            wait=args.wait,
        )
    progress.summary(f"cycle {run_id}", report.counts())
    for failure in report.failures:
        exits.say(f"source failed: {failure.error_class}: {failure.error}")
    print(json.dumps(report.counts()))
    check_failures(report.sources, report.failures, tolerated)
    return 0


@contextlib.contextmanager
def _run_sources(
    args: argparse.Namespace, settings: Settings
) -> Iterator[tuple[list[Source], list[Outlet]]]:
    """The sources and outlets `run` polls: --sources, else $TICKERLAKE_SOURCES, else
    (only when asked for with --demo) the bundled demo sources on an in-process replay
    server at its newest snapshot."""
    from pipeline.sources import load_outlets, load_sources

    if not args.demo:
        path = args.sources or settings.sources_file
        if path is None:
            raise ConfigError(
                "no sources: pass --sources FILE or set TICKERLAKE_SOURCES "
                "(or try the bundled demo: tickerlake run --demo)"
            )
        yield load_sources(path), load_outlets(path)
        return
    from pipeline.demo.replay import ReplayServer

    _refuse_foreign_sources(settings)
    root = demo_sources.replay_root(settings.data_dir)
    demo_sources.generate(root)
    with ReplayServer(root, at=demo_sources.snapshot_times()[-1]) as server:
        path = demo_sources.write_sources_file(settings.data_dir, server.url)
        yield load_sources(path), load_outlets(path)


def cmd_reprocess(args: argparse.Namespace) -> int:
    from pipeline.reprocess import Selection, reprocess

    settings = _settings(args)
    now = datetime.now(UTC)
    selection = Selection(tuple(args.source), args.since, args.until, args.truncate)
    load_id = f"reprocess-{now:%Y%m%dT%H%M%S%fZ}"
    with progress.bar("re-parse archived fetches") as advance:
        report = reprocess(settings, selection, load_id=load_id, now=now, advance=advance)
    progress.summary(load_id, report.counts())
    print(json.dumps(report.counts()))
    return 0


def cmd_parse(args: argparse.Namespace) -> int:
    from pipeline.cli import parse as cli_parse

    page = _read_page(args)
    print(
        f"{page.parser}: {len(page.entries)} entries, is_liveblog={page.is_liveblog}",
        file=sys.stderr,
    )
    for warning in page.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    fmt = args.format or ("table" if sys.stdout.isatty() else "jsonl")
    output = cli_parse.render_entries(page, fmt)
    if output:  # jsonl of a page without entries is no lines at all
        print(output)
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from pipeline.parse.health import diagnosis

    print("\n".join(diagnosis(_read_page(args))))
    return 0


def _read_page(args: argparse.Namespace) -> ParsedPage:
    """The page `parse` and `check` name, read from its file or fetched now, and parsed."""
    from pipeline.cli import parse as cli_parse
    from pipeline.parse import parse_page
    from pipeline.parse.timeparse import parse_utc

    fetched_at = parse_utc(args.fetched_at, "--fetched-at") if args.fetched_at else None
    cli_parse.check_zone(args.tz)
    if cli_parse.is_url(args.page):
        now = datetime.now(UTC)
        page_input = cli_parse.fetch_url(
            args.page, _settings(args), now=now, allow_private=args.allow_private
        )
    else:
        page_input = cli_parse.read_file(Path(args.page))
    return parse_page(
        page_input.content,
        args.url or page_input.url,
        fetched_at=fetched_at or page_input.fetched_at,
        headers=page_input.headers,
        tz=args.tz,
        language=args.language,
        profile=args.profile,
        kind=args.kind,
    )


def cmd_sql(args: argparse.Namespace) -> int:
    from pipeline.cli import sqlshell

    settings = _settings(args)
    if args.query is not None:
        _print_query(settings, args.query, args.format, live=args.live)
        return 0
    with _reader(settings, live=args.live) as con:
        if sys.stdin.isatty():
            shell = sqlshell.Shell(con, sys.stdout, fmt=args.format)
            sqlshell.interact(shell, settings.data_dir / "sql_history")
            return 0
        shell = sqlshell.Shell(con, sys.stdout, fmt=args.format, err=sys.stderr, bail=args.bail)
        sqlshell.run_lines(shell, sys.stdin)
    return exits.PARTIAL if shell.failures else 0


def _reader(settings: Settings, *, live: bool = False) -> duckdb.DuckDBPyConnection:
    """A read-only connection: the DuckLake catalog when configured, else the snapshot."""
    from pipeline.warehouse.backend import reader

    return reader(settings, live=live)


def _print_query(settings: Settings, text: str, fmt: str, *, live: bool = False) -> None:
    """Each statement's result in turn (printed as it arrives); the first failure stops."""
    from pipeline.cli.sqlshell import execute_all

    with _reader(settings, live=live) as con:
        for _, result in execute_all(con, text):
            print(render(result.columns, result.rows, fmt))


def cmd_replay(args: argparse.Namespace) -> int:
    from pipeline.demo.replay import serve_forever

    root, on_bound, round_sources = args.root, None, None
    if root is None:
        # The outlet's pages are fetched when discovery wants them (its report once), so a
        # round is one fetch of each configured demo source.
        round_sources = demo_sources.SOURCE_IDS
        data_dir = _settings(args).data_dir
        root = demo_sources.replay_root(data_dir)
        demo_sources.generate(root)

        def on_bound(url: str) -> None:  # after binding: --port 0 gets its real port
            sources = demo_sources.write_sources_file(data_dir, args.public_url or url)
            print(f"sources file for these demo sources: {sources}")

    serve_forever(
        root,
        host=args.host,
        port=args.port,
        at=args.at,
        auto_advance=args.auto_advance,
        round_sources=round_sources,
        on_bound=on_bound,
    )
    return 0


def cmd_corpus_load(args: argparse.Namespace) -> int:
    from pipeline.enrich.corpus import BUNDLED, load_into

    directory = args.directory or BUNDLED
    name = args.name or ("seed" if args.directory is None else directory.name)
    settings = _settings(args)
    with progress.bar(f"corpus {name}", len(list(directory.glob("*.txt")))) as advance:
        count = load_into(settings, directory, corpus=name, now=datetime.now(UTC), advance=advance)
    print(f"loaded {count} documents into corpus {name!r}")
    return 0


def cmd_enrich(args: argparse.Namespace) -> int:
    from pipeline.enrich.run import ENRICH_STEPS, enrich_warehouse

    settings = _settings(args)
    with progress.bar("enrich", ENRICH_STEPS) as advance:
        report = enrich_warehouse(settings, now=datetime.now(UTC), advance=advance)
    progress.summary("enrich", report.counts())
    print(json.dumps(report.counts()))
    return 0


def cmd_maintain(args: argparse.Namespace) -> int:
    from pipeline.maintain import maintain

    now = datetime.now(UTC)
    report = maintain(_settings(args), load_id=f"maintain-{now:%Y%m%dT%H%M%S%fZ}", now=now)
    for line in report.lines():
        print(line)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from pipeline.cli.report import render_report

    with _reader(_settings(args), live=args.live) as con:
        page = render_report(con, generated_at=datetime.now(UTC))
    args.out.write_text(page, encoding="utf-8")
    print(f"wrote {args.out} ({len(page.encode()) // 1024} KiB)")
    return 0


if __name__ == "__main__":
    entry()
