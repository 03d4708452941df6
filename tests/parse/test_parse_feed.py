"""RSS and Atom feeds: one entry per item, structured times in UTC, clean text, and the
content-type / root-element dispatch in `parse_page`."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipeline.models import ParsedPage
from pipeline.parse import parse_page
from pipeline.parse.feed import is_feed, read_feed
from pipeline.settings import PROJECT_ROOT

FIXTURES = PROJECT_ROOT / "tests" / "fixtures"
FEED_URL = "https://ticker.example.de/live/feed.xml"
FETCHED_AT = datetime(2025, 8, 14, 22, 0, tzinfo=UTC)
FEED_HEADERS = {"Content-Type": "application/rss+xml"}


def parse(name: str, content_type: str | None = None, **kwargs: str) -> ParsedPage:
    headers = {"Content-Type": content_type} if content_type else None
    content = (FIXTURES / name).read_bytes()
    return parse_page(content, FEED_URL, fetched_at=FETCHED_AT, headers=headers, **kwargs)


def test_rss_items_become_entries_in_feed_order() -> None:
    page = parse("ticker.rss", "application/rss+xml")
    assert (page.parser, page.is_liveblog, page.warnings) == ("feed", True, [])
    assert page.title == "Gipfel-Ticker & mehr"
    assert page.canonical_url == "https://ticker.example.de/live"
    assert page.language == "de"
    assert page.modified_at == datetime(2025, 8, 14, 19, 20, tzinfo=UTC)
    assert [e.headline for e in page.entries] == ["Treffen beendet", "Pressekonferenz", "Ohne Zeit"]
    assert [e.position for e in page.entries] == [0, 1, 2]


def test_rss_item_fields() -> None:
    first, second, third = parse("ticker.rss").entries
    assert first.url == "https://ticker.example.de/live#post-3"  # relative link resolved
    assert first.published_at == datetime(2025, 8, 14, 19, 15, tzinfo=UTC)
    assert (first.time_text, first.time_precision) == ("Thu, 14 Aug 2025 21:15:00 +0200", "second")
    assert first.body == "Die Delegationen sind abgereist.\n\nZweiter Absatz & Schluss."
    assert first.authors == ("Anna Beispiel",)
    assert second.body == "Beginn in Kürze."
    assert second.published_at == datetime(2025, 8, 14, 19, 5, tzinfo=UTC)
    assert (third.published_at, third.time_precision, third.url) == (None, "none", FEED_URL)


def test_guid_is_the_stable_anchor() -> None:
    entries = parse("ticker.rss").entries
    edited = (FIXTURES / "ticker.rss").read_text().replace("Treffen beendet", "Treffen vorbei")
    again = parse_page(edited.encode(), FEED_URL, fetched_at=FETCHED_AT).entries
    assert again[0].entry_id == entries[0].entry_id
    assert again[0].content_hash != entries[0].content_hash
    assert len({e.entry_id for e in entries}) == 3


def test_atom_entries() -> None:
    page = parse("ticker.atom", "application/atom+xml", tz="Europe/London")
    assert (page.title, page.language) == ("Election live", "en")
    polls, turnout = page.entries
    assert polls.url == "https://news.example.co.uk/live#block-2"
    assert polls.published_at == datetime(2025, 8, 14, 21, 0, tzinfo=UTC)
    assert polls.updated_at == datetime(2025, 8, 14, 21, 7, 30, tzinfo=UTC)
    assert polls.authors == ("Sam Writer", "Alex Editor")
    assert polls.body == "Exit poll due.\n\nCounting starts."
    assert turnout.body == "Turnout is high."


def test_atom_time_without_offset_is_read_in_the_source_zone() -> None:
    turnout = parse("ticker.atom", tz="Europe/London").entries[1]
    assert turnout.time_text == "2025-08-14T18:45:00"
    assert turnout.published_at == datetime(2025, 8, 14, 17, 45, tzinfo=UTC)  # BST
    assert turnout.updated_at is None


def test_times_are_aware_utc() -> None:
    for name in ("ticker.rss", "ticker.atom"):
        for entry in parse(name).entries:
            for value in (entry.published_at, entry.updated_at):
                assert value is None or value.tzinfo is UTC


def test_malformed_feed_is_read_leniently_with_a_warning() -> None:
    content = b'<?xml version="1.0"?><rss><channel><item><title>A &amp; B</title><guid>g</guid>'
    page = parse_page(content, FEED_URL, fetched_at=FETCHED_AT)
    assert page.parser == "feed"
    assert [e.headline for e in page.entries] == ["A & B"]
    assert page.warnings and "not well-formed" in page.warnings[0]


def test_feed_that_breaks_feedparser_is_an_empty_feed_with_a_warning() -> None:
    """Found by `make fuzz`: a UTF-7 declaration turns the namespace URI into text that
    feedparser's strict parser cannot split (ValueError inside feedparser)."""
    content = (FIXTURES / "fuzz-crashes" / "feed-namespace-valueerror").read_bytes()[1:]
    page = parse_page(content, FEED_URL, fetched_at=FETCHED_AT, headers=FEED_HEADERS)
    assert (page.parser, page.entries) == ("feed", [])
    assert any("cannot be read" in w for w in page.warnings)


def test_feed_time_in_year_9999_is_no_time() -> None:
    """Found by `make fuzz`: feedparser reads the year 9999, which no zone conversion takes."""
    content = (
        b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><entry><id>e</id>'
        b"<title>T</title><updated>9999-11-01T00:00:00</updated></entry></feed>"
    )
    page = parse_page(content, FEED_URL, fetched_at=FETCHED_AT, headers=FEED_HEADERS)
    assert [(e.headline, e.published_at) for e in page.entries] == [("T", None)]


def test_feed_without_items() -> None:
    content = b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"></feed>'
    page = parse_page(content, FEED_URL, fetched_at=FETCHED_AT)
    assert (page.parser, page.is_liveblog, page.entries) == ("feed", False, [])
    assert page.warnings == ["feed has no items"]


def test_declared_latin1_feed() -> None:
    text = '<?xml version="1.0" encoding="iso-8859-1"?><rss><channel><item><title>Bär</title>'
    content = (text + "<guid>b</guid></item></channel></rss>").encode("latin-1")
    assert [e.headline for e in parse_page(content, FEED_URL, fetched_at=FETCHED_AT).entries] == [
        "Bär"
    ]


def test_text_that_looks_like_a_url_is_not_fetched() -> None:
    assert read_feed("https://127.0.0.1:9/feed.xml", FEED_URL).entries == []


RSS = '<rss version="2.0"><channel></channel></rss>'
ATOM = '<?xml version="1.0"?>\n<!-- made by hand -->\n<feed xmlns="http://www.w3.org/2005/Atom">'
XHTML = '<?xml version="1.0"?><html><body><p>see the <feed> element</p></body></html>'


@pytest.mark.parametrize(
    ("text", "content_type", "expected"),
    [
        (RSS, "application/rss+xml; charset=utf-8", True),
        ("<whatever/>", "application/atom+xml", True),
        (RSS, "text/xml", True),
        (ATOM, "application/xml", True),
        (ATOM, "", True),
        ('<?xml version="1.0"?>' + RSS, "text/html", True),
        (RSS, "", False),  # no declaration, no declared type: HTML rules apply
        (XHTML, "", False),
        (XHTML, "application/xml", False),
        ("<html><body>rss</body></html>", "text/html", False),
        ("14.08.2025 21:15 Uhr", "text/plain", False),
    ],
)
def test_is_feed(text: str, content_type: str, expected: bool) -> None:
    assert is_feed(text, content_type) is expected


def test_xml_that_is_not_a_feed_goes_to_the_html_parser() -> None:
    page = parse_page(XHTML.encode(), FEED_URL, fetched_at=FETCHED_AT)
    assert page.parser != "feed"


@pytest.mark.parametrize("ref", ["&#xD800;", "&#99999999;", "&#x110000;"])
def test_character_references_to_no_character(ref: str) -> None:
    """Found by the fuzz tests: feedparser's lenient parser crashed on these."""
    content = f'<?xml version="1.0"?><rss><channel><item><title>A{ref}</title>'.encode()
    page = parse_page(content, FEED_URL, fetched_at=FETCHED_AT)
    assert [e.headline for e in page.entries] == ["A\ufffd"]
