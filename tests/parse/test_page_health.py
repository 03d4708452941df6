"""Extraction health: what each parsed page records about how its entries were found, how
the warehouse keeps it (`pages`, `source_health`), and `tickerlake check`."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipeline import stage
from pipeline.cli.main import main
from pipeline.models import ParsedPage
from pipeline.parse import parse_page
from pipeline.parse.health import diagnosis, health
from pipeline.warehouse.load import load_batches
from tests.parse.test_parse import blog, ld_script, page, update
from tests.warehouse.test_stage_load import SOURCE, T, bodies, load, observation, rows

URL = "https://ticker.example.de/live"
FETCHED = datetime(2025, 8, 14, 20, 0, tzinfo=UTC)
# Two entries in JSON-LD; the HTML renders the first of them and one of its own.
TWINNED = page(
    '<div id="ticker"><h2 id="post-2">21.15 Uhr: Meldung 2</h2><p>Text.</p>'
    "<h2>20.40 Uhr: Nur im HTML</h2><p>Eine Meldung, die nur die Seite zeigt.</p></div>",
    ld_script(
        blog([update(2, "2025-08-14T21:15:00+02:00"), update(1, "2025-08-14T20:10:00+02:00")])
    ),
)


def parsed(content: bytes, url: str = URL, **kwargs: Any) -> ParsedPage:
    return parse_page(content, url, fetched_at=FETCHED, **kwargs)


def test_structured_rendered_and_matched_counts() -> None:
    figures = health(parsed(TWINNED))
    assert figures["parser"] == "jsonld"
    assert (figures["entry_count"], figures["timed_count"]) == (3, 3)
    assert (figures["structured_count"], figures["rendered_count"]) == (2, 2)
    assert figures["matched_count"] == 1
    assert figures["warnings"] == [
        "structured data lists 2 entries, the HTML renders 2; 1 in both, 1 only in the HTML"
    ]


def test_rendered_only_page_counts_no_structured_entries() -> None:
    content = page("<h2>21.15 Uhr: Eins</h2><p>A.</p><h2>20.10 Uhr: Zwei</h2><p>B.</p>")
    figures = health(parsed(content))
    assert (figures["parser"], figures["structured_count"], figures["rendered_count"]) == (
        "html",
        0,
        2,
    )


def test_untimed_entries_are_counted_apart() -> None:
    updates = [update(1, "2025-08-14T21:15:00+02:00"), update(2, "")]
    figures = health(parsed(page("", ld_script(blog(updates)))))
    assert (figures["entry_count"], figures["timed_count"]) == (2, 1)


@pytest.mark.parametrize(
    ("url", "options", "zone"),
    [
        (URL, {"tz": "Asia/Tokyo"}, ("Asia/Tokyo", "configured")),
        (URL, {}, ("Europe/Berlin", "tld")),
        ("https://ticker.example/live", {"language": "pl"}, ("Europe/Warsaw", "language")),
        ("https://ticker.example/live", {"language": "en"}, ("UTC", "default")),
    ],
)
def test_the_zone_and_how_it_was_chosen(url: str, options: dict[str, str], zone: object) -> None:
    headers = {"content-type": "text/plain"}
    page_ = parse_page(b"Ticker\n\nText.", url, fetched_at=FETCHED, headers=headers, **options)
    assert (page_.tz, page_.tz_source) == zone


def test_the_pages_own_offsets_come_before_the_tld() -> None:
    page_ = parsed(TWINNED)
    assert (page_.tz, page_.tz_source) == ("Europe/Berlin", "page_offset")
    configured = parsed(TWINNED, tz="Asia/Tokyo")
    assert (configured.tz, configured.tz_source) == ("Asia/Tokyo", "configured")


def test_diagnosis_is_a_few_lines() -> None:
    lines = diagnosis(parsed(TWINNED))
    assert lines == [
        "parser:     jsonld, live blog",
        "entries:    3, 3 with a time (100%)",
        "structured: 2 in schema.org data, 2 rendered in the HTML, 1 in both",
        "zone:       Europe/Berlin (page_offset)",
        "warnings:   structured data lists 2 entries, the HTML renders 2; 1 in both, "
        "1 only in the HTML",
    ]


# --- the warehouse ------------------------------------------------------------------------


def test_staged_health_reaches_the_pages_table(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    batch = observation(T[0], bodies("a", "b"))
    batch.rows["pages"][0] |= {
        **health(parsed(TWINNED)),
        "entry_count": 2,
        "timed_count": 1,
    }
    load(warehouse, tmp_path / "staging", batch)
    stored = rows(
        warehouse,
        "SELECT parser, entry_count, timed_count, structured_count, rendered_count, "
        "matched_count, tz, tz_source, len(warnings) FROM pages",
    )
    assert stored == [("jsonld", 2, 1, 2, 2, 1, "Europe/Berlin", "page_offset", 1)]


def test_a_batch_staged_before_the_health_columns_loads_with_nulls(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    new = observation(T[1], bodies("a"))
    new.rows["pages"][0]["timed_count"] = 1
    stage.write_batch(tmp_path / "new", new)
    path = stage.write_batch(tmp_path / "old", observation(T[0], bodies("a", "b")))
    pages = path / "pages.parquet"
    duckdb.sql(
        f"COPY (SELECT * EXCLUDE (timed_count, structured_count, rendered_count, matched_count,"
        f" tz, tz_source) FROM '{pages}') TO '{pages}.old' (FORMAT parquet)"
    )
    Path(f"{pages}.old").replace(pages)
    paths = [path, *(tmp_path / "new").iterdir()]
    load_batches(warehouse, paths, load_id="mixed", now=T[-1])
    stored = rows(warehouse, "SELECT entry_count, timed_count FROM pages ORDER BY fetched_at")
    assert stored == [(2, None), (1, 1)]


def pages_with(counts: list[tuple[int, int]]) -> list[stage.Batch]:
    """One parsed page per (entries, timed entries), ten minutes apart, oldest first."""
    start = datetime(2025, 8, 14, 12, 0, tzinfo=UTC)
    batches = []
    for number, (entries, timed) in enumerate(counts):
        at = start + timedelta(minutes=10 * number)
        batch = observation(at, bodies(*(f"e{i}" for i in range(entries))))
        batch.rows["pages"][0]["timed_count"] = timed
        batches.append(batch)
    return batches


def drift(con: duckdb.DuckDBPyConnection) -> tuple[Any, ...]:
    found = rows(
        con,
        "SELECT last_page_entries, median_page_entries, last_page_timed_share, "
        "extraction_drift FROM source_health WHERE source_id = ?",
        SOURCE,
    )
    return found[0]


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ([(10, 10), (11, 11), (12, 12), (12, 12)], (12, 11.0, 1.0, None)),
        ([(10, 10), (11, 11), (12, 12), (4, 4)], (4, 11.0, 1.0, "entries per page")),
        ([(10, 10), (11, 11), (12, 12), (12, 6)], (12, 11.0, 0.5, "timed share")),
        ([(10, 10), (11, 11), (3, 0)], (3, 10.5, 0.0, None)),  # too little history to judge
        (
            [(10, 10), (10, 10), (10, 10), (2, 0)],
            (2, 10.0, 0.0, "entries per page, timed share"),
        ),
    ],
)
def test_source_health_flags_extraction_drift(
    warehouse: duckdb.DuckDBPyConnection,
    tmp_path: Path,
    counts: list[tuple[int, int]],
    expected: tuple[Any, ...],
) -> None:
    load(warehouse, tmp_path / "staging", *pages_with(counts))
    assert drift(warehouse) == expected


def test_timed_share_counts_the_live_entries(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    batch = observation(T[0], bodies("a", "b", "c", "d"))
    batch.rows["entries"][0]["published_at"] = None
    load(warehouse, tmp_path / "staging", batch)
    assert rows(warehouse, "SELECT timed_share FROM source_health") == [(0.75,)]


# --- tickerlake check ---------------------------------------------------------------------


@pytest.fixture
def saved_page(tmp_path: Path) -> Path:
    path = tmp_path / "ticker.html"
    path.write_bytes(TWINNED)
    return path


def test_check_prints_the_diagnosis(saved_page: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(saved_page), "--url", URL, "--fetched-at", "2025-08-14T20:00Z"]) == 0
    assert capsys.readouterr().out.splitlines() == diagnosis(parsed(TWINNED))


def test_check_takes_the_zone_option(saved_page: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(saved_page), "--tz", "Asia/Tokyo"]) == 0
    assert "zone:       Asia/Tokyo (configured)" in capsys.readouterr().out


def test_check_as_a_command(saved_page: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pipeline.cli.main", "check", str(saved_page), "--url", URL],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[:3] == diagnosis(parsed(TWINNED))[:3]


def test_check_of_a_missing_file_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", str(tmp_path / "nothing.html")]) == 2
    assert "cannot read" in capsys.readouterr().err
