"""The library parser: the last resort for time text the regex path cannot read."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from pipeline.parse import parse_page
from pipeline.parse.timeparse import LIBRARY_MAX_CHARS, parse_with_library

FETCHED = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)  # 12:00 in Berlin and Warsaw


@pytest.mark.parametrize(
    ("text", "language", "expected", "precision"),
    [
        ("28 Września 2020, 18:00", "pl", datetime(2020, 9, 28, 16, 0, tzinfo=UTC), "minute"),
        ("gestern, 14:05", "de", datetime(2026, 5, 31, 12, 5, tzinfo=UTC), "minute"),
        ("vor 3 Stunden", "de", datetime(2026, 6, 1, 7, 0, tzinfo=UTC), "minute"),
        ("3 June", "en", datetime(2025, 6, 2, 22, 0, tzinfo=UTC), "day"),  # the past, not 2026
        ("14 mei 2024", "nl", datetime(2024, 5, 13, 22, 0, tzinfo=UTC), "day"),
    ],
)
def test_words_in_the_page_language_are_read_against_the_fetch(
    text: str, language: str, expected: datetime, precision: str
) -> None:
    assert parse_with_library(text, language, FETCHED, "Europe/Berlin") == (expected, precision)


def test_other_languages_are_not_tried() -> None:
    assert parse_with_library("28 Września 2020", "en", FETCHED, "Europe/Berlin") is None


@pytest.mark.parametrize("text", ["", "   ", "kein Datum", "1" * (LIBRARY_MAX_CHARS + 1)])
def test_unreadable_or_overlong_text_is_none(text: str) -> None:
    assert parse_with_library(text, "de", FETCHED, "Europe/Berlin") is None


def test_a_json_ld_date_in_words_falls_back_to_the_library() -> None:
    blog = {
        "@type": "LiveBlogPosting",
        "liveBlogUpdate": [
            {"@type": "BlogPosting", "articleBody": "Erstes.", "datePublished": "gestern, 14:05"},
            {"@type": "BlogPosting", "articleBody": "Zweites.", "datePublished": "2026-06-01"},
        ],
    }
    html = (
        '<html lang="de"><head><script type="application/ld+json">'
        f"{json.dumps(blog)}</script></head><body></body></html>"
    )
    page = parse_page(html.encode(), "https://t.example.de/live", fetched_at=FETCHED)
    first = page.entries[0]
    assert (first.published_at, first.time_precision) == (
        datetime(2026, 5, 31, 12, 5, tzinfo=UTC),
        "minute",
    )
    assert first.time_text == "gestern, 14:05"
