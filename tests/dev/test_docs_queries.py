"""docs/queries.md cannot rot: every query runs on the demo warehouse (built without
Airflow) and prints exactly the output documented beneath it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import duckdb
import pytest

from dev.docs_queries import DOC, build_demo_warehouse, queries, regenerate, table
from pipeline.cli.output import interval_text
from pipeline.warehouse import connect

MARKDOWN = DOC.read_text(encoding="utf-8")
DOCUMENTED = re.findall(r"```sql\n(.*?)```\n\n```text\n(.*?)\n```\n", MARKDOWN, re.DOTALL)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    snapshot = build_demo_warehouse(tmp_path_factory.mktemp("demo"))
    with connect(snapshot, read_only=True) as con:
        yield con


def test_at_least_ten_questions_each_with_its_output() -> None:
    assert len(DOCUMENTED) >= 10
    assert len(DOCUMENTED) == len(queries(MARKDOWN))


@pytest.mark.parametrize(("sql", "expected"), DOCUMENTED, ids=lambda v: v[:40])
def test_documented_output_matches(
    demo: duckdb.DuckDBPyConnection, sql: str, expected: str
) -> None:
    assert table(demo, sql) == expected, "run `make queries-doc` and review the diff"


def test_queries_show_no_port_dependent_values() -> None:
    # ids and URLs contain the replay server's port, which differs on every build
    port = re.compile(r"127\.0\.0\.1|\b[0-9a-f]{20,}\b")
    for _, expected in DOCUMENTED:
        assert not port.search(expected)


def test_regenerate_inserts_missing_and_replaces_stale_outputs() -> None:
    doc = "# q\n\n```sql\nSELECT 1;\n```\n\ntext\n\n```sql\nSELECT 2;\n```\n\n```text\nold\n```\n"
    out = regenerate(doc, lambda sql: f"ran {sql.strip()}")
    assert out == (
        "# q\n\n```sql\nSELECT 1;\n```\n\n```text\nran SELECT 1;\n```\n\ntext\n\n"
        "```sql\nSELECT 2;\n```\n\n```text\nran SELECT 2;\n```\n"
    )


def test_regenerate_is_stable() -> None:
    assert regenerate(MARKDOWN, lambda sql: dict(map(tuple, DOCUMENTED))[sql]) == MARKDOWN


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (timedelta(hours=-12, minutes=-15), "-12:15:00"),
        (timedelta(days=1, hours=2), "1 day 02:00:00"),
        (timedelta(days=3), "3 days 00:00:00"),
        (timedelta(seconds=1.5), "00:00:01.5"),
    ],
)
def test_intervals_print_as_duckdb_does(value: timedelta, text: str) -> None:
    assert interval_text(value) == text
