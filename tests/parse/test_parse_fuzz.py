"""Property tests: `parse_page` never raises anything but the documented `ParseError`,
whatever bytes it gets — random bytes, mutated synthetic pages (byte flips, truncation,
tags, entities and JSON fragments inserted into JSON-LD) and mutated real live blogs read
in place from ../shared/realpages (skipped when absent). Every entry it returns has an
aware UTC time or none.

Example counts are small for CI; set TICKERLAKE_FUZZ_EXAMPLES=5000 (or `make fuzz`) to
search longer.
"""

from __future__ import annotations

import gzip
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.errors import ParseError
from pipeline.models import ParsedPage
from pipeline.parse import parse_page
from pipeline.settings import PROJECT_ROOT
from tests.support.realpages import LIVEBLOGS

EXAMPLES = int(os.environ.get("TICKERLAKE_FUZZ_EXAMPLES", "60"))
REAL_EXAMPLES = int(os.environ.get("TICKERLAKE_FUZZ_EXAMPLES", "20"))
FIXTURES = PROJECT_ROOT / "tests" / "fixtures"
URL = "https://ticker.example.de/live"
FETCHED_AT = datetime(2025, 8, 14, 19, 30, tzinfo=UTC)

fuzz = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

CONTENT_TYPES = [
    None,
    "text/html",
    "text/html; charset=utf-8",
    "text/html; charset=iso-8859-1",
    "text/html; charset=utf-16",
    "text/html; charset=no-such-charset",
    "text/html; charset=idna",
    "text/html; charset=punycode",
    "text/html; charset=base64",
    "text/html; charset=utf-7",
    "text/html; charset=raw_unicode_escape",
    "text/plain",
    "application/rss+xml",
    "application/atom+xml",
    "application/xml",
    "application/octet-stream",
]
TAGS = [
    "<div>",
    "</div>",
    "<p>",
    "</script>",
    '<script type="application/ld+json">',
    "<h2>12.31 Uhr:</h2>",
    "<h3>+++ 14:26 +++</h3>",
    "<h2>Dienstag, 27. August 2024</h2>",
    '<time datetime="2025-08-14T21:15:00+02:00">21:15</time>',
    '<time datetime="9999-12-31T23:59:59-14:00">x</time>',
    '<article itemscope itemtype="https://schema.org/LiveBlogPosting">',
    "<![CDATA[",
    "<!--",
    "<?xml version='1.0'?>",
    "<rss><channel><item>",
    "<html lang='zz-ZZ'>",
    '<meta charset="utf-7">',
    '<meta charset="idna">',
    '<meta charset="unicode_escape">',
]
ENTITIES = ["&amp;", "&nbsp;", "&#0;", "&#xD800;", "&#99999999;", "&#x110000;", "&bogus;", "&"]
# JSON escapes of lone surrogates (found by fuzzing).
LONE_SURROGATES = ['"headline":"\\ud800",', '"articleBody":"<p>\\udfff</p>",']
JSON_FRAGMENTS = [
    "{",
    "}",
    "[",
    "]",
    ",",
    '"',
    "null",
    '"@type":"LiveBlogPosting",',
    '"liveBlogUpdate":{},',
    '"liveBlogUpdate":[null, 1, "x", []],',
    '"datePublished":"2025-13-45T99:99:00Z",',
    '"datePublished":"0001-01-01T00:00:00+14:00",',
    '"datePublished":"9999-12-31T23:59:59-12:00",',
    '"datePublished":["2025-08-14T21:15:00Z"],',
    '"headline":{"@value":"x"},',
    '"author":[{"name":null},"Anna"],',
    '"@id":["#a"],',
    '"@graph":[{"@type":["LiveBlogPosting"]}],',
    "\\u0000",
    "1e999",
    *LONE_SURROGATES,
]
SNIPPETS = [s.encode() for s in TAGS + ENTITIES + JSON_FRAGMENTS] + [b"\x00", b"\xff\xfe", b"\xc3"]


@dataclass(frozen=True)
class Mutation:
    kind: str  # "flip" | "truncate" | "insert"
    where: float  # position as a fraction of the length
    value: int
    snippet: bytes

    def apply(self, content: bytes, span: tuple[int, int]) -> bytes:
        """Flips and truncations land anywhere; insertions inside `span` (the JSON-LD
        block when the page has one) half of the time."""
        start, end = (0, len(content)) if self.value % 2 else span
        at = start + int(self.where * (end - start))
        if self.kind == "flip" and content:
            at = min(at, len(content) - 1)
            return content[:at] + bytes([content[at] ^ (self.value or 1)]) + content[at + 1 :]
        if self.kind == "truncate":
            return content[:at]
        return content[:at] + self.snippet + content[at:]


mutations = st.lists(
    st.builds(
        Mutation,
        kind=st.sampled_from(["flip", "insert", "insert", "truncate"]),
        where=st.floats(0, 1),
        value=st.integers(0, 255),
        snippet=st.sampled_from(SNIPPETS) | st.binary(max_size=16),
    ),
    min_size=1,
    max_size=8,
)


def mutate(content: bytes, changes: list[Mutation]) -> bytes:
    for change in changes:
        content = change.apply(content, json_ld_span(content))
    return content


def json_ld_span(content: bytes) -> tuple[int, int]:
    start = content.find(b"application/ld+json")
    start = content.find(b">", start) + 1 if start >= 0 else 0
    end = content.find(b"</script>", start) if start else -1
    return (start, end) if 0 < start <= end else (0, len(content))


def check(content: bytes, content_type: str | None = None, tz: str | None = None) -> None:
    """The property: a page with aware UTC times, or a `ParseError`."""
    headers = {"Content-Type": content_type} if content_type else None
    try:
        page = parse_page(content, URL, fetched_at=FETCHED_AT, headers=headers, tz=tz)
    except ParseError:
        return
    assert_well_formed(page)


def assert_well_formed(page: ParsedPage) -> None:
    assert isinstance(page.parser, str) and page.parser
    for position, entry in enumerate(page.entries):
        assert entry.position == position
        for value in (entry.published_at, entry.updated_at):
            assert value is None or value.utcoffset() == timedelta(0)
    for value in (page.published_at, page.modified_at):
        assert value is None or value.tzinfo is not None


def synthetic_live_blog() -> bytes:
    updates = [
        {
            "@type": "BlogPosting",
            "@id": f"{URL}#post-{n}",
            "headline": f"Meldung {n} &amp; mehr",
            "articleBody": f"<p>Absatz {n}</p><p>Zweiter &uuml;ber</p>",
            "datePublished": f"2025-08-14T{10 + n}:15:00+02:00",
            "author": {"@type": "Person", "name": "Anna"},
        }
        for n in range(3)
    ]
    blog = {
        "@context": "https://schema.org",
        "@graph": [{"@type": "LiveBlogPosting", "headline": "Ticker", "liveBlogUpdate": updates}],
    }
    script = json.dumps(blog).replace("</", "<\\/")
    return (
        '<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>Ticker</title>'
        f'<script type="application/ld+json">{script}</script></head><body>'
        "<h2>Donnerstag, 14. August 2025</h2><h2>21.15 Uhr: Eins</h2><p>Text eins.</p>"
        "<h2>20.10 Uhr: Zwei</h2><p>Text zwei.</p></body></html>"
    ).encode()


SYNTHETIC = [
    synthetic_live_blog(),
    (
        b"Titel\n\n14.08.2025 21:15 Uhr\n\nErste Meldung\n\nText eins.\n\n"
        b"14.08.2025 20:10 Uhr\n\nZweite Meldung\n\nText zwei.\n"
    ),
    "<html><body><article><p>Nur ein Artikel über nichts.</p></article></body></html>".encode(
        "latin-1"
    ),
    (FIXTURES / "ticker.rss").read_bytes(),
    (FIXTURES / "ticker.atom").read_bytes(),
]


@cache
def real_pages() -> tuple[bytes, ...]:
    return tuple(gzip.decompress(p.read_bytes()) for p in sorted(LIVEBLOGS.glob("*.html.gz")))


@fuzz
@given(content=st.binary(max_size=2048), content_type=st.sampled_from(CONTENT_TYPES))
def test_random_bytes(content: bytes, content_type: str | None) -> None:
    check(content, content_type)


@fuzz
@given(
    base=st.sampled_from(SYNTHETIC),
    changes=mutations,
    content_type=st.sampled_from(CONTENT_TYPES),
    tz=st.sampled_from([None, "Europe/Berlin", "America/St_Johns", "Pacific/Kiritimati"]),
)
def test_mutated_synthetic_pages(
    base: bytes, changes: list[Mutation], content_type: str | None, tz: str | None
) -> None:
    check(mutate(base, changes), content_type, tz)


@pytest.mark.skipif(not LIVEBLOGS.is_dir(), reason=f"real pages not available: {LIVEBLOGS}")
@settings(fuzz, max_examples=REAL_EXAMPLES)
@given(index=st.integers(0, 100), changes=mutations)
def test_mutated_real_pages(index: int, changes: list[Mutation]) -> None:
    pages = real_pages()
    if pages:
        check(mutate(pages[index % len(pages)], changes))


@pytest.mark.parametrize("content", [b"", b"   \n\t ", b"\x00" * 64, b"\xff\xfe\x00\xd8" * 8])
def test_unparseable_input_is_a_parse_error(content: bytes) -> None:
    with pytest.raises(ParseError):
        parse_page(content, URL, fetched_at=FETCHED_AT)


@pytest.mark.parametrize("field", LONE_SURROGATES)
def test_json_ld_lone_surrogate(field: str) -> None:
    """Found by fuzzing: `json.loads` turns `\\ud800` into a lone surrogate, which lxml
    (fragment_text) and the id hash cannot encode; the JSON-LD reader replaces it."""
    update = "{" + field + '"datePublished":"2025-08-14T21:15:00Z"}'
    script = '{"@type":"LiveBlogPosting","liveBlogUpdate":[' + update + "]}"
    content = f'<html><head><script type="application/ld+json">{script}</script></head>'
    check(content.encode())


def test_escape_charsets_that_yield_lone_surrogates_are_ignored() -> None:
    headers = {"Content-Type": "text/html; charset=unicode_escape"}
    content = b"<html><body><p>x\\ud800 caf\xc3\xa9</p></body></html>"
    page = parse_page(content, URL, fetched_at=FETCHED_AT, headers=headers)
    assert page.entries[0].body == "x\\ud800 café"


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"Titel\n\n01.01.0001 00:30 Uhr\n\nMeldung\n\nText.\n", "text/plain"),
        (b"Titel\n\n31.12.9999 23:59 Uhr\n\nMeldung\n\nText.\n", "text/plain"),
        (
            b'<script type="application/ld+json">{"@type":"LiveBlogPosting","liveBlogUpdate":'
            b'{"headline":"x","datePublished":"0001-01-01T00:00:00+14:00"}}</script>',
            "text/html",
        ),
    ],
)
def test_times_at_the_edge_of_datetime(content: bytes, content_type: str) -> None:
    """Found by fuzzing: these overflowed converting to UTC; now they carry no time."""
    page = parse_page(content, URL, fetched_at=FETCHED_AT, headers={"Content-Type": content_type})
    assert [e.published_at for e in page.entries] == [None]


@pytest.mark.parametrize(
    "crash", sorted((FIXTURES / "fuzz-crashes").iterdir()), ids=lambda path: path.name
)
def test_inputs_that_crashed_the_atheris_harness(crash: Path) -> None:
    """Every crash `make fuzz` found, replayed as fuzz/fuzz_parse.py reads its input: the
    first byte picks the content type."""
    from fuzz.fuzz_parse import CONTENT_TYPES as HARNESS_TYPES

    data = crash.read_bytes()
    check(data[1:], HARNESS_TYPES[data[0] % len(HARNESS_TYPES)])
