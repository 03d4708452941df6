"""`tickerlake` verbs called in-process: sql output formats, parse, errors, run."""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Iterator
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from pipeline.cli.main import main
from pipeline.demo.replay import ReplayServer, snapshot_name
from pipeline.models import Entry
from pipeline.settings import PROJECT_ROOT
from pipeline.warehouse import connect

QUERY = "SELECT source_id, url, language FROM sources ORDER BY source_id"
T0 = datetime(2025, 8, 14, 19, 0, tzinfo=UTC)


@pytest.fixture
def small_warehouse(warehouse_path: Path) -> Path:
    with connect(warehouse_path) as con:
        con.execute(
            "INSERT INTO sources (source_id, url, kind, language, first_seen_at) VALUES "
            "('alpha', 'https://a.example/live?x=1,2', 'auto', 'de', ?), "
            "('beta', 'https://b.example/', 'jsonld', NULL, ?)",
            [T0, T0],
        )
    return warehouse_path


def sql(warehouse: Path, query: str, *options: str) -> int:
    return main(["--warehouse", str(warehouse), "sql", query, *options])


def test_sql_csv(small_warehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert sql(small_warehouse, QUERY, "--format", "csv") == 0
    assert capsys.readouterr().out == (
        "source_id,url,language\n"
        'alpha,"https://a.example/live?x=1,2",de\n'
        "beta,https://b.example/,\n"
    )


def test_sql_json(small_warehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    query = "SELECT source_id, first_seen_at, language FROM sources ORDER BY 1"
    assert sql(small_warehouse, query, "--format", "json") == 0
    assert json.loads(capsys.readouterr().out) == [
        {"source_id": "alpha", "first_seen_at": "2025-08-14T19:00:00+00:00", "language": "de"},
        {"source_id": "beta", "first_seen_at": "2025-08-14T19:00:00+00:00", "language": None},
    ]


def test_sql_table(small_warehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert sql(small_warehouse, QUERY, "--format", "table") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split(" | ") == ["source_id", "url                         ", "language"]
    assert set(lines[1]) == {"-", "+"}
    assert lines[2].startswith("alpha     | https://a.example/live?x=1,2 | de")
    assert lines[-1] == "(2 rows)"
    assert len(lines) == 5


def test_sql_table_is_the_default_and_counts_one_row(
    small_warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert sql(small_warehouse, "SELECT count(*) AS n FROM sources") == 0
    assert capsys.readouterr().out.splitlines() == ["n", "-", "2", "(1 row)"]


def test_sql_does_not_write(small_warehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert sql(small_warehouse, "DELETE FROM sources") == 2
    assert "read-only" in capsys.readouterr().err
    with connect(small_warehouse, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM sources").fetchone() == (2,)


def test_bad_query_exits_2_with_an_error(
    small_warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert sql(small_warehouse, "SELEC 1") == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("tickerlake: error: query failed: Parser Error")


def test_bad_query_error_is_one_line(
    small_warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert sql(small_warehouse, "SELEC 1") == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_sql_without_a_warehouse_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert sql(tmp_path / "none.duckdb", "SELECT 1") == 2
    err = capsys.readouterr().err
    assert err.startswith("tickerlake: error: ") and "no warehouse here yet" in err
    assert not (tmp_path / "none.duckdb").exists()


TICKER = (
    "Titel\n\n14.08.2025 21:15 Uhr\n\nErste Meldung\n\nText eins.\n\nZweite Meldung\n\nText zwei.\n"
)


def parse_cli(*args: str) -> int:
    return main(["parse", *args])


def jsonl(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines()]


@pytest.fixture
def ticker_file(tmp_path: Path) -> Path:
    path = tmp_path / "ticker.txt"
    path.write_text(TICKER, encoding="utf-8")
    return path


def test_parse_text_file_as_jsonl(ticker_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = parse_cli(str(ticker_file), "--tz", "Europe/Berlin", "--format", "jsonl")
    assert code == 0
    captured = capsys.readouterr()
    assert captured.err.splitlines() == ["text: 2 entries, is_liveblog=True"]
    rows = jsonl(captured.out)
    assert [r["headline"] for r in rows] == ["Erste Meldung", "Zweite Meldung"]
    assert rows[0]["published_at"] == "2025-08-14T19:15:00Z"
    assert rows[0]["time_precision"] == "minute"
    assert (rows[1]["published_at"], rows[1]["updated_at"]) == (None, None)
    assert set(rows[0]) == {f.name for f in fields(Entry)}
    assert rows[0]["authors"] == [] and rows[0]["url"] == ticker_file.resolve().as_uri()


def test_fetched_at_defaults_to_the_file_mtime(
    ticker_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = datetime(2025, 8, 14, 12, 0, tzinfo=UTC).timestamp()
    os.utime(ticker_file, (before, before))
    assert parse_cli(str(ticker_file), "--tz", "Europe/Berlin", "--format", "jsonl") == 0
    assert jsonl(capsys.readouterr().out)[0]["time_flags"] == ["future"]
    args = [str(ticker_file), "--tz", "Europe/Berlin", "--format", "jsonl"]
    assert parse_cli(*args, "--fetched-at", "2025-08-14T21:30:00+02:00") == 0
    assert jsonl(capsys.readouterr().out)[0]["time_flags"] == []


def test_parse_table_and_url_option(ticker_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = "https://ticker.example.de/live"
    args = ["--url", url, "--fetched-at", "2025-08-15T00:00Z", "--format", "table"]
    assert parse_cli(str(ticker_file), *args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split(" | ")[:3] == ["position", "published_at        ", "time_precision"]
    assert lines[2].startswith("0        | 2025-08-14T19:15:00Z | minute         | Erste Meldung")
    assert lines[-1] == "(2 rows)"


def test_parse_gzipped_html_prints_warnings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    html = (
        '<html><head><script type="application/ld+json">{broken</script></head>'
        "<body><article><p>Nur ein Artikel.</p></article></body></html>"
    )
    path = tmp_path / "page.html.gz"
    path.write_bytes(gzip.compress(html.encode()))
    assert parse_cli(str(path), "--format", "jsonl") == 0
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        "article: 1 entries, is_liveblog=False",
        "warning: JSON-LD block 0 is not valid JSON; skipped",
    ]
    assert [r["body"] for r in jsonl(captured.out)] == ["Nur ein Artikel."]


def test_gzipped_text_is_still_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "ticker.txt.gz"
    path.write_bytes(gzip.compress(TICKER.encode()))
    assert parse_cli(str(path), "--format", "jsonl") == 0
    assert capsys.readouterr().err.startswith("text: 2 entries")


def test_parse_a_feed(capsys: pytest.CaptureFixture[str]) -> None:
    feed = PROJECT_ROOT / "tests" / "fixtures" / "ticker.atom"
    assert parse_cli(str(feed), "--format", "jsonl") == 0
    rows = jsonl(capsys.readouterr().out)
    assert rows[0]["url"] == "https://news.example.co.uk/live#block-2"
    assert rows[0]["updated_at"] == "2025-08-14T21:07:30Z"
    assert rows[0]["authors"] == ["Sam Writer", "Alex Editor"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.html"], "missing.html: cannot read: No such file or directory"),
        (["{file}", "--fetched-at", "yesterday"], "--fetched-at 'yesterday' is not an ISO-8601"),
        (["{file}", "--fetched-at", "2025-08-14T21:30"], "needs an offset"),
        (["{file}", "--tz", "Mars/Olympus"], "--tz 'Mars/Olympus' is not a known time zone"),
        (["{gz}"], "not a gzip file"),
        (["{empty}"], "body has no text"),
    ],
)
def test_parse_errors_exit_2_with_one_line(
    tmp_path: Path,
    ticker_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.gz").write_bytes(b"not gzip")
    (tmp_path / "empty.html").write_bytes(b"")
    files = {"file": str(ticker_file), "gz": "bad.gz", "empty": "empty.html"}
    assert parse_cli(*(a.format(**files) for a in args)) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.splitlines()) == 1
    assert captured.err.startswith("tickerlake: error: ") and message in captured.err


@pytest.fixture
def replay(tmp_path: Path) -> Iterator[ReplayServer]:
    folder = tmp_path / "replay" / "alpha"
    folder.mkdir(parents=True)
    page = (
        '<html lang="de"><body><h2>Donnerstag, 14. August 2025</h2>'
        "<h2>21.15 Uhr: Eins</h2><p>Text eins.</p>"
        "<h2>20.10 Uhr: Zwei</h2><p>Text zwei.</p></body></html>"
    )
    (folder / snapshot_name(T0, "html")).write_text(page, encoding="utf-8")
    with ReplayServer(tmp_path / "replay") as server:
        yield server


def test_run_with_sources_file(
    tmp_path: Path,
    replay: ReplayServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    data_dir = tmp_path / "data"
    monkeypatch.setenv("TICKERLAKE_DATA_DIR", str(data_dir))
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "sources:\n"
        "  - id: alpha\n"
        f"    url: {replay.source_url('alpha')}\n"
        "    timezone: Europe/Berlin\n"
        "    allow_private: true\n",
        encoding="utf-8",
    )
    warehouse = tmp_path / "wh" / "tickerlake.duckdb"
    args = ["--warehouse", str(warehouse), "run", "--sources", str(sources)]

    assert main(args) == 0
    first = json.loads(capsys.readouterr().out)
    assert first == {
        "batches": 1,
        "fetch_rows": 1,
        "page_rows": 1,
        "entry_rows": 2,
        "new_versions": 2,
        "sources": 1,
        "failed_sources": 0,
    }
    assert list((data_dir / "staging").iterdir()) == []  # deleted once loaded
    assert len(list((data_dir / "archive").rglob("*.gz"))) == 1

    assert main(args) == 0  # unchanged page: 304, nothing parsed
    assert json.loads(capsys.readouterr().out) == {
        "batches": 1,
        "fetch_rows": 1,
        "page_rows": 0,
        "entry_rows": 0,
        "new_versions": 0,
        "sources": 1,
        "failed_sources": 0,
    }
    with connect(warehouse, read_only=True) as con:
        assert con.execute("SELECT status FROM fetches ORDER BY fetched_at").fetchall() == [
            (200,),
            (304,),
        ]
        assert con.execute("SELECT headline FROM entries ORDER BY position").fetchall() == [
            ("Eins",),
            ("Zwei",),
        ]

    assert main(["--warehouse", str(warehouse), "maintain"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == ["warehouse", "staging", "archive"]
    assert lines[0].startswith("warehouse: 1 -> 1 files, ")
    assert lines[2] == "archive: 0 bodies deleted, 0 B freed"  # kept forever by default


def test_run_with_a_bad_sources_file_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TICKERLAKE_DATA_DIR", str(tmp_path / "data"))
    sources = tmp_path / "sources.yaml"
    sources.write_text("sources: []\n", encoding="utf-8")
    code = main(["--warehouse", str(tmp_path / "w.duckdb"), "run", "--sources", str(sources)])
    assert code == 2
    assert capsys.readouterr().err.startswith(f"tickerlake: error: {sources}: expected")


def test_corpus_load(warehouse_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--warehouse", str(warehouse_path), "corpus", "load"]) == 0
    assert capsys.readouterr().out == "loaded 5 documents into corpus 'seed'\n"


def test_parse_a_url(replay: ReplayServer, capsys: pytest.CaptureFixture[str]) -> None:
    url = replay.source_url("alpha")
    args = [url, "--allow-private", "--tz", "Europe/Berlin", "--format", "jsonl"]
    assert parse_cli(*args, "--fetched-at", "2025-08-14T19:30:00Z") == 0
    rows = jsonl(capsys.readouterr().out)
    assert [(r["headline"], r["published_at"]) for r in rows] == [
        ("Eins", "2025-08-14T19:15:00Z"),
        ("Zwei", "2025-08-14T18:10:00Z"),
    ]
    assert rows[0]["url"].startswith(url)


def test_private_urls_are_refused_by_default(
    replay: ReplayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert parse_cli(replay.source_url("alpha")) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "non-public" in err
