"""Declared charsets the bytes contradict: read as what the bytes are, with a warning."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipeline.parse import parse_page
from pipeline.parse.decode import decode_page

TEXT = "Grüße aus Köln"
FETCHED = datetime(2026, 6, 1, tzinfo=UTC)


def html(meta: str = "") -> str:
    return f"<html><head>{meta}<title>{TEXT}</title></head><body><p>{TEXT}.</p></body></html>"


@pytest.mark.parametrize("charset", ["iso-8859-1", "latin-1", "windows-1252", "us-ascii"])
def test_a_single_byte_header_over_utf8_is_read_as_utf8(charset: str) -> None:
    text, warnings, _ = decode_page(
        html().encode(), {"Content-Type": f"text/html; charset={charset}"}
    )
    assert TEXT in text
    assert warnings == [
        f"the HTTP header declares charset {charset}, but the body is UTF-8; read as UTF-8"
    ]


def test_a_single_byte_meta_over_utf8_is_read_as_utf8() -> None:
    text, warnings, _ = decode_page(html('<meta charset="iso-8859-1">').encode(), None)
    assert TEXT in text
    assert warnings == [
        "the meta tag declares charset iso-8859-1, but the body is UTF-8; read as UTF-8"
    ]


def test_real_latin1_stays_latin1_without_a_warning() -> None:
    content = html('<meta charset="utf-8">').encode("latin-1")
    text, warnings, _ = decode_page(content, {"content-type": "text/html; charset=iso-8859-1"})
    assert TEXT in text and warnings == []


def test_ascii_bytes_under_a_latin1_header_need_no_warning() -> None:
    content = b"<html><body><p>plain</p></body></html>"
    assert decode_page(content, {"content-type": "text/html; charset=iso-8859-1"})[1] == []


def test_a_utf8_header_over_latin1_bytes_yields_to_the_meta_with_a_warning() -> None:
    content = html('<meta charset="windows-1252">').encode("latin-1")
    text, warnings, _ = decode_page(content, {"content-type": "text/html; charset=utf-8"})
    assert TEXT in text
    assert warnings == [
        "the HTTP header declares charset utf-8, which cannot decode the body; "
        "read as windows-1252 (the meta tag)"
    ]


def test_the_warning_reaches_the_page() -> None:
    page = parse_page(
        html().encode(),
        "https://example.de/a",
        fetched_at=FETCHED,
        headers={"content-type": "text/html; charset=iso-8859-1"},
    )
    assert page.title == TEXT
    assert page.entries[0].body == f"{TEXT}."
    assert page.warnings[0].startswith("the HTTP header declares charset iso-8859-1")
