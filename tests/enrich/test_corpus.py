"""The reference corpus: the bundled seed documents and the file format's date rules."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from pipeline.enrich.corpus import BUNDLED, load_corpus, read_document
from pipeline.errors import ConfigError

NOW = datetime(2025, 8, 20, tzinfo=UTC)


def load_seed(con: duckdb.DuckDBPyConnection) -> int:
    return load_corpus(con, BUNDLED, corpus="seed", now=NOW)


def test_bundled_seed_corpus_loads_five_documents(warehouse: duckdb.DuckDBPyConnection) -> None:
    assert load_seed(warehouse) == 5
    counts = warehouse.execute("SELECT count(*), count(DISTINCT corpus) FROM documents")
    assert counts.fetchone() == (5, 1)
    paragraphs = warehouse.execute(
        "SELECT count(*) FROM document_paragraphs p JOIN documents d USING (document_id)"
    ).fetchone()
    assert paragraphs is not None and paragraphs[0] > 5


def test_loading_the_seed_twice_keeps_five(warehouse: duckdb.DuckDBPyConnection) -> None:
    load_seed(warehouse)
    before = warehouse.execute("SELECT count(*) FROM document_paragraphs").fetchone()
    assert load_seed(warehouse) == 5
    assert warehouse.execute("SELECT count(*) FROM documents").fetchone() == (5,)
    assert warehouse.execute("SELECT count(*) FROM document_paragraphs").fetchone() == before


def test_seed_ticker_time_is_converted_to_utc(warehouse: duckdb.DuckDBPyConnection) -> None:
    load_seed(warehouse)
    row = warehouse.execute(
        "SELECT published_at, time_precision, language FROM documents "
        "WHERE source_file = '004_03cd942545f963b3.txt'"
    ).fetchone()
    assert row == (datetime(2025, 8, 14, 19, 15, tzinfo=UTC), "minute", "de")


def test_documents_appear_in_the_timeline(warehouse: duckdb.DuckDBPyConnection) -> None:
    load_seed(warehouse)
    kinds = warehouse.execute("SELECT DISTINCT kind, source FROM timeline ORDER BY 2").fetchall()
    assert len(kinds) == 5
    assert all(kind == "document" and source.startswith("seed:") for kind, source in kinds)


def test_date_prefix_gives_day_precision(tmp_path: Path) -> None:
    path = tmp_path / "doc.txt"
    path.write_text(" date 2025-08-16 Gipfel in Alaska\nErster Absatz.\n\nZweiter Absatz.\n")
    doc = read_document(path, "mine", "Europe/Berlin")
    assert (doc.published_at, doc.time_precision) == (datetime(2025, 8, 16, tzinfo=UTC), "day")
    assert doc.title == "Gipfel in Alaska"
    assert doc.paragraphs == ["Erster Absatz.", "Zweiter Absatz."]
    assert doc.source_file == "doc.txt"


def test_bundled_date_prefixed_files_get_day_precision() -> None:
    doc = read_document(BUNDLED / "002_ba0a6695eb3a0652.txt", "seed", "Europe/Berlin")
    assert (doc.published_at, doc.time_precision) == (datetime(2025, 8, 16, tzinfo=UTC), "day")


def test_undated_document_has_no_time_and_long_first_line_is_no_title(tmp_path: Path) -> None:
    path = tmp_path / "long.txt"
    path.write_text("x" * 250 + "\nZweite Zeile.\n")
    doc = read_document(path, "mine", "Europe/Berlin")
    assert (doc.published_at, doc.time_precision, doc.title) == (None, "none", None)
    assert doc.paragraphs == ["x" * 250, "Zweite Zeile."]


def test_document_id_depends_on_corpus_and_file_name(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("Titel\nText.\n")
    one = read_document(path, "one", "UTC").document_id
    assert one == read_document(path, "one", "UTC").document_id
    assert one != read_document(path, "two", "UTC").document_id


def test_empty_folder_is_a_config_error(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    with pytest.raises(ConfigError, match=r"no \*\.txt documents"):
        load_corpus(warehouse, tmp_path, corpus="empty", now=NOW)


FRONT = """---
title: Gipfel in Alaska
url: https://example.org/alaska
published_at: 2025-08-15T09:30:00+02:00
language: en
---
First paragraph.

Second paragraph.
"""


def test_front_matter_gives_title_url_time_and_language(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    (tmp_path / "a.txt").write_text(FRONT, encoding="utf-8")
    assert load_corpus(warehouse, tmp_path, corpus="own", now=NOW) == 1
    row = warehouse.execute(
        "SELECT title, url, published_at, time_precision, language, body FROM documents"
    ).fetchone()
    assert row == (
        "Gipfel in Alaska",
        "https://example.org/alaska",
        datetime(2025, 8, 15, 7, 30, tzinfo=UTC),
        "second",
        "en",
        "First paragraph.\n\nSecond paragraph.",
    )


@pytest.mark.parametrize(
    ("front", "message"),
    [
        ("---\nauthor: x\n---\nBody", "unknown key 'author'"),
        ("---\npublished_at: 2025-08-15T09:30\n---\nBody", "needs an offset"),
        ("---\ntitle: [unclosed\n---\nBody", "front matter is not YAML"),
    ],
)
def test_bad_front_matter_names_the_file(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path, front: str, message: str
) -> None:
    (tmp_path / "bad.txt").write_text(front, encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as caught:
        load_corpus(warehouse, tmp_path, corpus="own", now=NOW)
    assert "bad.txt" in str(caught.value)


def test_an_empty_file_is_skipped_with_a_warning(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "empty.txt").write_text("\n  \n", encoding="utf-8")
    (tmp_path / "full.txt").write_text("Title\nBody.\n", encoding="utf-8")
    assert load_corpus(warehouse, tmp_path, corpus="own", now=NOW) == 1
    assert warehouse.execute("SELECT source_file FROM documents").fetchall() == [("full.txt",)]
    assert "empty.txt: empty document, skipped" in caplog.text
