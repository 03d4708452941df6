"""`tickerlake`: the command line. Each verb parses its arguments and calls one pipeline
function; errors from tickerlake are printed as one line and exit 2."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pipeline.cli import progress
from pipeline.cli.output import FORMATS, render
from pipeline.demo import sources as demo_sources
from pipeline.errors import TickerlakeError
from pipeline.settings import DEFAULT_WAREHOUSE, Settings, from_env
from pipeline.warehouse.load import LoadReport

Handler = Callable[[argparse.Namespace], int]


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    handler: Handler = args.handler
    try:
        return handler(args)
    except TickerlakeError as exc:
        print(f"tickerlake: error: {exc}", file=sys.stderr)
        return 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tickerlake", description=__doc__)
    parser.add_argument(
        "--warehouse",
        type=Path,
        default=from_env().warehouse,
        help=f"DuckDB warehouse file (default: $TICKERLAKE_WAREHOUSE or {DEFAULT_WAREHOUSE})",
    )
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    _demo_parser(verbs)
    _run_parser(verbs)
    _reprocess_parser(verbs)
    _parse_parser(verbs)
    _sql_parser(verbs)
    _replay_parser(verbs)
    _corpus_parser(verbs)
    _enrich_parser(verbs)
    _report_parser(verbs)
    return parser


def _demo_parser(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = verbs.add_parser("demo", help="run the ingest DAG under Airflow on the bundled demo")
    p.set_defaults(handler=cmd_demo)


def _run_parser(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = verbs.add_parser("run", help="one ingest cycle without Airflow")
    p.add_argument("--sources", type=Path, help="sources.yaml (default: the bundled demo)")
    p.set_defaults(handler=cmd_run)


def _reprocess_parser(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = verbs.add_parser(
        "reprocess", help="re-parse archived pages with the current parser and reload (offline)"
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
    p.set_defaults(handler=cmd_reprocess)


def _parse_parser(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = verbs.add_parser("parse", help="split one page (saved file or URL) into entries")
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
    p.add_argument("--format", choices=("jsonl", "table"), default="table")
    p.add_argument("--allow-private", action="store_true", help="fetch from loopback/private hosts")
    p.set_defaults(handler=cmd_parse)


def _sql_parser(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = verbs.add_parser(
        "sql",
        help="run one SQL query (read-only) on the reader snapshot, or open a prompt without one",
    )
    p.add_argument(
        "query", nargs="?", help="the query; without it: a prompt (a TTY) or a script on stdin"
    )
    p.add_argument(
        "--live",
        action="store_true",
        help="query the live file instead of the snapshot (fails while a load runs)",
    )
    p.add_argument("--format", choices=FORMATS, default="table")
    p.set_defaults(handler=cmd_sql)


def _replay_parser(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = verbs.add_parser("replay-server", help="serve recorded snapshots on 127.0.0.1")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on")
    p.add_argument(
        "--public-url", help="base URL the demo sources file names (default: http://HOST:PORT)"
    )
    p.add_argument("--root", type=Path, help="snapshot folder (default: the bundled demo)")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--at", type=_utc_argument, help="clock start, ISO-8601 with offset")
    p.add_argument("--auto-advance", action="store_true", help="advance after each full round")
    p.set_defaults(handler=cmd_replay)


def _corpus_parser(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = verbs.add_parser("corpus", help="reference corpus")
    sub = p.add_subparsers(dest="action", required=True)
    load = sub.add_parser("load", help="load or refresh a folder of *.txt documents")
    load.add_argument("directory", type=Path, nargs="?", default=None, help="default: bundled")
    load.add_argument("--name", default=None, help="corpus name (default: folder name)")
    load.set_defaults(handler=cmd_corpus_load)


def _enrich_parser(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = verbs.add_parser(
        "enrich", help="recompute fts indexes, near-duplicate stories and corpus links"
    )
    p.set_defaults(handler=cmd_enrich)


def _report_parser(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = verbs.add_parser("report", help="write a self-contained HTML report with plots")
    p.add_argument("--out", type=Path, default=Path("report.html"), help="default: report.html")
    p.add_argument("--live", action="store_true", help="read the live file, not the snapshot")
    p.set_defaults(handler=cmd_report)


def _utc_argument(text: str) -> datetime:
    from pipeline.parse.timeparse import parse_utc

    try:
        return parse_utc(text)
    except TickerlakeError as exc:  # argparse shows only ArgumentTypeError messages
        raise argparse.ArgumentTypeError(str(exc)) from None


def cmd_demo(args: argparse.Namespace) -> int:
    from pipeline.demo.run import SAMPLE_QUERY, default_paths, run_demo
    from pipeline.warehouse import reader_path

    paths = default_paths(args.warehouse, from_env().data_dir)
    print("tickerlake demo: the bundled Alaska-summit ticker, replayed through Airflow")
    with progress.bar("demo cycles", len(demo_sources.snapshot_times())) as advance:
        counts = run_demo(paths, say=print, now=datetime.now(UTC), advance=advance)
    print(f"\nWarehouse {paths.warehouse}: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    print(f"\nSample query:\n{SAMPLE_QUERY}\n")
    _print_query(args.warehouse, SAMPLE_QUERY, "table")
    print(
        "\nQuery it yourself:\n"
        '  .venv/bin/tickerlake sql "SELECT count(*) FROM entries"\n'
        f"  or open {reader_path(paths.warehouse)} (the reader snapshot) with any DuckDB client\n"
        "Open the Airflow UI: make airflow  (then http://localhost:8080)"
    )
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from pipeline.cycle import run_cycle
    from pipeline.sources import load_outlets, load_sources

    settings = replace(from_env(), warehouse=args.warehouse)
    now = datetime.now(UTC)
    run_id = f"cli-{now:%Y%m%dT%H%M%S%fZ}"
    with progress.bar("fetch and parse") as advance:
        if args.sources:
            sources, outlets = load_sources(args.sources), load_outlets(args.sources)
            report = run_cycle(
                sources, settings, run_id=run_id, now=now, advance=advance, outlets=outlets
            )
        else:
            report = _run_bundled(settings, run_id, now, advance)
    progress.summary(f"cycle {run_id}", report.counts())
    print(json.dumps(report.counts()))
    return 0


def _run_bundled(
    settings: Settings, run_id: str, now: datetime, advance: progress.Advance
) -> LoadReport:
    """The bundled demo sources, served in-process with the replay clock at the newest
    snapshot."""
    from pipeline.cycle import run_cycle
    from pipeline.demo.replay import ReplayServer
    from pipeline.sources import load_sources

    root = demo_sources.replay_root(settings.data_dir)
    demo_sources.generate(root)
    with ReplayServer(root, at=demo_sources.snapshot_times()[-1]) as server:
        file = demo_sources.write_sources_file(settings.data_dir, server.url)
        return run_cycle(load_sources(file), settings, run_id=run_id, now=now, advance=advance)


def cmd_reprocess(args: argparse.Namespace) -> int:
    from pipeline.reprocess import Selection, reprocess

    settings = replace(from_env(), warehouse=args.warehouse)
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
    from pipeline.parse import parse_page
    from pipeline.parse.timeparse import parse_utc

    fetched_at = parse_utc(args.fetched_at, "--fetched-at") if args.fetched_at else None
    cli_parse.check_zone(args.tz)
    if cli_parse.is_url(args.page):
        now = datetime.now(UTC)
        page_input = cli_parse.fetch_url(
            args.page, from_env(), now=now, allow_private=args.allow_private
        )
    else:
        page_input = cli_parse.read_file(Path(args.page))
    page = parse_page(
        page_input.content,
        args.url or page_input.url,
        fetched_at=fetched_at or page_input.fetched_at,
        headers=page_input.headers,
        tz=args.tz,
        language=args.language,
        profile=args.profile,
        kind=args.kind,
    )
    print(
        f"{page.parser}: {len(page.entries)} entries, is_liveblog={page.is_liveblog}",
        file=sys.stderr,
    )
    for warning in page.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    output = cli_parse.render_entries(page, args.format)
    if output:  # jsonl of a page without entries is no lines at all
        print(output)
    return 0


def cmd_sql(args: argparse.Namespace) -> int:
    from pipeline.cli import sqlshell

    if args.query is not None:
        _print_query(args.warehouse, args.query, args.format, live=args.live)
        return 0
    with _reader(args.warehouse, live=args.live) as con:
        shell = sqlshell.Shell(con, sys.stdout, fmt=args.format)
        if sys.stdin.isatty():
            sqlshell.interact(shell, from_env().data_dir / "sql_history")
        else:
            sqlshell.run_lines(shell, sys.stdin)
    return 0


def _reader(warehouse: Path, *, live: bool = False) -> duckdb.DuckDBPyConnection:
    """A read-only connection: the DuckLake catalog when configured, else the snapshot."""
    from pipeline.warehouse.backend import reader

    return reader(replace(from_env(), warehouse=warehouse), live=live)


def _print_query(warehouse: Path, query: str, fmt: str, *, live: bool = False) -> None:
    from pipeline.cli.sqlshell import execute

    with _reader(warehouse, live=live) as con:
        result = execute(con, query)
    print(render(result.columns, result.rows, fmt))


def cmd_replay(args: argparse.Namespace) -> int:
    from pipeline.demo.replay import serve_forever

    root = args.root
    if root is None:
        data_dir = from_env().data_dir
        root = demo_sources.replay_root(data_dir)
        demo_sources.generate(root)
        base_url = args.public_url or f"http://{args.host}:{args.port}"
        sources = demo_sources.write_sources_file(data_dir, base_url)
        print(f"sources file for these demo sources: {sources}")
    serve_forever(root, host=args.host, port=args.port, at=args.at, auto_advance=args.auto_advance)
    return 0


def cmd_corpus_load(args: argparse.Namespace) -> int:
    from pipeline.enrich.corpus import BUNDLED, load_into

    directory = args.directory or BUNDLED
    name = args.name or ("seed" if args.directory is None else directory.name)
    with progress.bar(f"corpus {name}", len(list(directory.glob("*.txt")))) as advance:
        settings = replace(from_env(), warehouse=args.warehouse)
        count = load_into(settings, directory, corpus=name, now=datetime.now(UTC), advance=advance)
    print(f"loaded {count} documents into corpus {name!r}")
    return 0


def cmd_enrich(args: argparse.Namespace) -> int:
    from pipeline.enrich.run import ENRICH_STEPS, enrich_warehouse

    settings = replace(from_env(), warehouse=args.warehouse)
    with progress.bar("enrich", ENRICH_STEPS) as advance:
        report = enrich_warehouse(settings, now=datetime.now(UTC), advance=advance)
    progress.summary("enrich", report.counts())
    print(json.dumps(report.counts()))
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from pipeline.cli.report import render_report

    with _reader(args.warehouse, live=args.live) as con:
        page = render_report(con, generated_at=datetime.now(UTC))
    args.out.write_text(page, encoding="utf-8")
    print(f"wrote {args.out} ({len(page.encode()) // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
