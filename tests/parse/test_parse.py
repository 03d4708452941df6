"""`parse_page` on small synthetic pages: JSON-LD, German time headings, plain text,
ordinary articles and charsets."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from pipeline.enrich.corpus import BUNDLED
from pipeline.models import ParsedPage
from pipeline.parse import parse_page

URL = "https://ticker.example.de/live"
TEXT = {"content-type": "text/plain; charset=utf-8"}


def page(body: str, head: str = "", lang: str = "de") -> bytes:
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>Ticker</title>{head}</head><body>{body}</body></html>"
    ).encode()


def ld_script(value: Any) -> str:
    """A JSON-LD block, with `</` escaped as publishers do so markup cannot end it."""
    text = json.dumps(value).replace("</", "<\\/")
    return f'<script type="application/ld+json">{text}</script>'


def update(number: int, published: str, body: str = "Text.", **extra: Any) -> dict[str, Any]:
    return {
        "@type": "BlogPosting",
        "@id": f"{URL}#post-{number}",
        "headline": f"Meldung {number}",
        "articleBody": body,
        "datePublished": published,
        **extra,
    }


def blog(updates: Any) -> dict[str, Any]:
    return {
        "@context": "https://schema.org",
        "@type": "LiveBlogPosting",
        "headline": "Liveblog",
        "datePublished": "2025-08-14T08:00:00+02:00",
        "liveBlogUpdate": updates,
    }


def parse(content: bytes, fetched_at: datetime, **kwargs: Any) -> ParsedPage:
    return parse_page(content, URL, fetched_at=fetched_at, **kwargs)


def assert_times_are_utc(parsed: ParsedPage) -> None:
    for entry in parsed.entries:
        assert entry.published_at is None or entry.published_at.utcoffset() == timedelta(0)


# --- JSON-LD --------------------------------------------------------------------------------


def test_jsonld_update_list(fetched_at: datetime) -> None:
    updates = [update(2, "2025-08-14T21:15:00+02:00"), update(1, "2025-08-14T20:10:00+02:00")]
    parsed = parse(page("", ld_script(blog(updates))), fetched_at)
    assert (parsed.parser, parsed.is_liveblog) == ("jsonld", True)
    assert [e.headline for e in parsed.entries] == ["Meldung 2", "Meldung 1"]
    assert [e.position for e in parsed.entries] == [0, 1]
    first = parsed.entries[0]
    assert first.published_at == datetime(2025, 8, 14, 19, 15, tzinfo=UTC)
    assert first.time_precision == "second"
    assert first.time_text == "2025-08-14T21:15:00+02:00"
    assert first.url == f"{URL}#post-2"
    assert first.language == "de"
    assert parsed.published_at == datetime(2025, 8, 14, 6, 0, tzinfo=UTC)
    assert_times_are_utc(parsed)


def test_jsonld_single_update_object(fetched_at: datetime) -> None:
    parsed = parse(page("", ld_script(blog(update(1, "2025-08-14T19:00:00Z")))), fetched_at)
    assert parsed.parser == "jsonld"
    assert [e.headline for e in parsed.entries] == ["Meldung 1"]


def test_jsonld_inside_graph(fetched_at: datetime) -> None:
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebPage", "@id": URL},
            {**blog([update(1, "2025-08-14T19:00:00Z")]), "@type": ["LiveBlogPosting"]},
        ],
    }
    parsed = parse(page("", ld_script(graph)), fetched_at)
    assert parsed.parser == "jsonld"
    assert len(parsed.entries) == 1


def test_jsonld_author_and_modified(fetched_at: datetime) -> None:
    item = update(
        1,
        "2025-08-14T19:00:00Z",
        dateModified="2025-08-14T19:05:00Z",
        author=[{"@type": "Person", "name": "A. Autor"}, "B. Autorin"],
    )
    entry = parse(page("", ld_script(blog([item]))), fetched_at).entries[0]
    assert entry.updated_at == datetime(2025, 8, 14, 19, 5, tzinfo=UTC)
    assert entry.authors == ("A. Autor", "B. Autorin")


def test_jsonld_markup_and_entities_in_article_body(fetched_at: datetime) -> None:
    body = (
        "<p>Erster &amp; <b>fetter</b> Absatz.</p><p>Zweiter&nbsp;Absatz.</p><script>x()</script>"
    )
    item = update(1, "2025-08-14T19:00:00Z", body=body, headline="Trump &amp; Putin")
    entry = parse(page("", ld_script(blog([item]))), fetched_at).entries[0]
    assert entry.body == "Erster & fetter Absatz.\n\nZweiter Absatz."
    assert entry.headline == "Trump & Putin"


def test_jsonld_plain_entities_without_markup(fetched_at: datetime) -> None:
    item = update(1, "2025-08-14T19:00:00Z", body="Q&amp;A mit &quot;Zitat&quot;")
    entry = parse(page("", ld_script(blog([item]))), fetched_at).entries[0]
    assert entry.body == 'Q&A mit "Zitat"'


def test_jsonld_trailing_comma_is_recovered(fetched_at: datetime) -> None:
    script = json.dumps(blog([update(1, "2025-08-14T19:00:00Z")]))
    broken = script[:-2] + "],}"  # `...}]}` → `...}],}`
    assert broken.endswith("],}")
    head = f'<script type="application/ld+json">{broken}</script>'
    parsed = parse(page("", head), fetched_at)
    assert (parsed.parser, len(parsed.entries), parsed.warnings) == ("jsonld", 1, [])


def test_jsonld_truly_broken_warns_and_falls_back(fetched_at: datetime) -> None:
    head = '<script type="application/ld+json">{"@type": "LiveBlogPosting", "liveBlo</script>'
    body = "<h2>21.15 Uhr: Meldung</h2><p>Text.</p>"
    parsed = parse(page(body, head), fetched_at)
    assert parsed.warnings == ["JSON-LD block 0 is not valid JSON; skipped"]
    assert parsed.parser == "html"
    assert len(parsed.entries) == 1


def test_jsonld_updates_without_anchor_get_distinct_ids(fetched_at: datetime) -> None:
    updates = [
        {"headline": "Eins", "articleBody": "a", "datePublished": "2025-08-14T19:00:00Z"},
        {"headline": "Zwei", "articleBody": "b", "datePublished": "2025-08-14T19:00:00Z"},
    ]
    entries = parse(page("", ld_script(blog(updates))), fetched_at).entries
    assert len({e.entry_id for e in entries}) == 2
    assert all(e.url == URL for e in entries)


def test_jsonld_updates_sharing_a_fragmentless_url_get_distinct_ids(
    fetched_at: datetime,
) -> None:
    updates = [
        {"headline": h, "articleBody": h, "url": URL, "datePublished": "2025-08-14T19:00:00Z"}
        for h in ("Eins", "Zwei")
    ]
    content = page("", ld_script(blog(updates)))
    parsed = parse_page(content, URL + "?utm_source=feed", fetched_at=fetched_at)
    assert len({e.entry_id for e in parsed.entries}) == 2


def test_future_entry_is_flagged(fetched_at: datetime) -> None:
    later = (fetched_at + timedelta(hours=1)).isoformat()
    entry = parse(page("", ld_script(blog([update(1, later)]))), fetched_at).entries[0]
    assert entry.time_flags == ("future",)


# --- German time headings -------------------------------------------------------------------

GERMAN_TICKER = """
<main><h1>Liveticker</h1><div class="RichText">
<h2>Freitag, 15. August 2025</h2>
<h2>00.30 Uhr: Nach Mitternacht</h2><p>Erster Absatz.</p><p>Zweiter <a href="#">Absatz</a>.</p>
<h2>Donnerstag, 14. August 2025</h2>
<h2 id="anchor-2215">22.15 Uhr: Am Abend</h2><p>Abendtext.</p>
<h3>21:05 Uhr Ohne Doppelpunkt</h3><ul><li>Punkt eins</li><li>Punkt zwei</li></ul>
</div></main>
"""


def test_german_time_headings_on_two_days_newest_first(fetched_at: datetime) -> None:
    parsed = parse(page(GERMAN_TICKER), fetched_at, tz="Europe/Berlin")
    assert (parsed.parser, parsed.is_liveblog) == ("html", True)
    assert [e.headline for e in parsed.entries] == [
        "Nach Mitternacht",
        "Am Abend",
        "Ohne Doppelpunkt",
    ]
    assert [e.published_at for e in parsed.entries] == [
        datetime(2025, 8, 14, 22, 30, tzinfo=UTC),
        datetime(2025, 8, 14, 20, 15, tzinfo=UTC),
        datetime(2025, 8, 14, 19, 5, tzinfo=UTC),
    ]
    assert [e.time_text for e in parsed.entries] == ["00.30 Uhr", "22.15 Uhr", "21:05 Uhr"]
    assert {e.time_precision for e in parsed.entries} == {"minute"}
    assert parsed.entries[0].body == "Erster Absatz.\n\nZweiter Absatz."
    assert parsed.entries[2].body == "Punkt eins\n\nPunkt zwei"
    assert parsed.entries[1].url == f"{URL}#anchor-2215"
    assert len({e.entry_id for e in parsed.entries}) == 3
    assert_times_are_utc(parsed)


def test_time_headings_without_day_header_use_the_page_day(fetched_at: datetime) -> None:
    head = '<meta property="article:modified_time" content="2025-08-13T22:00:00Z">'
    parsed = parse(page("<h2>9.05 Uhr: Morgens</h2><p>Text.</p>", head), fetched_at)
    # 22:00 UTC on the 13th is already the 14th in Berlin (the .de default zone).
    assert parsed.modified_at == datetime(2025, 8, 13, 22, 0, tzinfo=UTC)
    assert parsed.entries[0].published_at == datetime(2025, 8, 14, 7, 5, tzinfo=UTC)


def test_day_header_without_year_takes_the_page_year(fetched_at: datetime) -> None:
    body = "<h2>Donnerstag, 18. 7.</h2><h2>10.00 Uhr: Alt</h2><p>Text.</p>"
    parsed = parse(page(body), fetched_at, tz="Europe/Berlin")
    assert parsed.entries[0].published_at == datetime(2025, 7, 18, 8, 0, tzinfo=UTC)


def test_time_headings_crossing_midnight_without_day_header() -> None:
    head = '<meta property="article:modified_time" content="2025-08-14T22:40:00Z">'
    body = "<h2>00.30 Uhr: Nach Mitternacht</h2><p>A.</p><h2>23.50 Uhr: Davor</h2><p>B.</p>"
    fetched = datetime(2025, 8, 14, 22, 45, tzinfo=UTC)  # 00:45 on the 15th in Berlin
    entries = parse(page(body, head), fetched).entries
    assert entries[0].published_at == datetime(2025, 8, 14, 22, 30, tzinfo=UTC)
    assert entries[1].published_at == datetime(2025, 8, 14, 21, 50, tzinfo=UTC)


def test_time_headings_in_a_container_with_an_id_get_distinct_ids(fetched_at: datetime) -> None:
    body = (
        '<div id="ticker"><h2>21.15 Uhr: Erste</h2><p>Eins.</p>'
        "<h2>20.10 Uhr: Zweite</h2><p>Zwei.</p></div>"
    )
    entries = parse(page(body), fetched_at, tz="Europe/Berlin").entries
    assert len(entries) == 2
    assert len({e.entry_id for e in entries}) == 2


# --- plain text -----------------------------------------------------------------------------

PLAIN = """Liveticker Test: Der Gipfel

Ein Vorspann mit einem ganzen Satz, der keine Meldung ist.

14.08.2025 21:15 Uhr

Erste Schlagzeile

Erster Absatz der ersten Meldung.
Zeile zwei des ersten Absatzes.

Zweiter Absatz der ersten Meldung.

Zweite Schlagzeile

Nur ein Absatz.

Mehr dazu können Sie hier nachlesen

Dritte Schlagzeile

Letzter Absatz.
"""


def test_plain_text_seed_form(fetched_at: datetime) -> None:
    parsed = parse(PLAIN.encode(), fetched_at, headers=TEXT, tz="Europe/Berlin")
    assert (parsed.parser, parsed.is_liveblog) == ("text", True)
    assert parsed.title == "Liveticker Test: Der Gipfel"
    assert [e.headline for e in parsed.entries] == [
        "Erste Schlagzeile",
        "Zweite Schlagzeile",
        "Dritte Schlagzeile",
    ]
    first, second, third = parsed.entries
    assert first.published_at == datetime(2025, 8, 14, 19, 15, tzinfo=UTC)
    assert (first.time_text, first.time_precision) == ("14.08.2025 21:15 Uhr", "minute")
    assert first.body == (
        "Erster Absatz der ersten Meldung. Zeile zwei des ersten Absatzes.\n\n"
        "Zweiter Absatz der ersten Meldung."
    )
    assert second.body == "Nur ein Absatz.\n\nMehr dazu können Sie hier nachlesen"
    assert (second.published_at, second.time_precision) == (None, "none")
    assert third.body == "Letzter Absatz."
    assert_times_are_utc(parsed)


def test_plain_text_short_line_at_the_end_is_body(fetched_at: datetime) -> None:
    text = "Titel\n\nSchlagzeile\n\nEin Absatz.\n\nKurzer Nachsatz\n"
    parsed = parse(text.encode(), fetched_at, headers=TEXT)
    assert [(e.headline, e.body) for e in parsed.entries] == [
        ("Schlagzeile", "Ein Absatz.\n\nKurzer Nachsatz")
    ]
    assert parsed.is_liveblog is False


def test_plain_text_without_content_type_is_detected(fetched_at: datetime) -> None:
    parsed = parse(PLAIN.encode(), fetched_at)
    assert parsed.parser == "text"
    assert len(parsed.entries) == 3


def test_plain_text_without_entries_warns(fetched_at: datetime) -> None:
    parsed = parse(b"Nur ein Titel", fetched_at, headers=TEXT)
    assert (parsed.entries, parsed.is_liveblog) == ([], False)
    assert parsed.warnings == ["no entries found in plain text"]


def test_bundled_seed_ticker(fetched_at: datetime) -> None:
    content = (BUNDLED / "004_03cd942545f963b3.txt").read_bytes()
    parsed = parse_page(
        content,
        "https://seed.example/004",
        fetched_at=fetched_at,
        headers={"content-type": "text/plain"},
        tz="Europe/Berlin",
    )
    assert parsed.parser == "text"
    assert len(parsed.entries) == 17
    first = parsed.entries[0]
    assert first.headline == "In welchem Flugzeug sitzt Putin?"
    assert first.published_at == datetime(2025, 8, 14, 19, 15, tzinfo=UTC)
    assert len({e.entry_id for e in parsed.entries}) == 17
    assert all(e.body for e in parsed.entries)
    assert_times_are_utc(parsed)


# --- ordinary articles ----------------------------------------------------------------------


def test_ordinary_article_is_one_entry(fetched_at: datetime) -> None:
    head = '<meta property="article:published_time" content="2025-08-14T10:00:00+02:00">'
    body = (
        "<nav>Menü</nav><article><h1>Ein Artikel</h1><p>Absatz eins.</p>"
        "<figure>Bild</figure><p>Absatz zwei.</p></article>"
    )
    parsed = parse(page(body, head), fetched_at)
    assert (parsed.parser, parsed.is_liveblog) == ("article", False)
    assert len(parsed.entries) == 1
    entry = parsed.entries[0]
    assert entry.headline == "Ticker"
    assert entry.body == "Ein Artikel\n\nAbsatz eins.\n\nAbsatz zwei."
    assert entry.published_at == datetime(2025, 8, 14, 8, 0, tzinfo=UTC)
    assert entry.time_precision == "second"


def test_article_without_date_has_no_time(fetched_at: datetime) -> None:
    parsed = parse(page("<p>Nur Text.</p>"), fetched_at)
    entry = parsed.entries[0]
    assert (entry.published_at, entry.time_precision, entry.body) == (None, "none", "Nur Text.")


def test_canonical_url_and_language(fetched_at: datetime) -> None:
    head = '<link rel="canonical" href="https://ticker.example.de/canonical">'
    parsed = parse(page("<p>x</p>", head, lang="en-GB"), fetched_at)
    assert parsed.canonical_url == "https://ticker.example.de/canonical"
    assert parsed.language == "en"


# --- charsets -------------------------------------------------------------------------------

UMLAUTS = "Grüße aus München"


def latin1_page(meta: str) -> bytes:
    return (
        f"<html><head>{meta}<title>{UMLAUTS}</title></head><body><p>{UMLAUTS}.</p></body></html>"
    ).encode("latin-1")


def test_charset_from_meta_tag(fetched_at: datetime) -> None:
    parsed = parse(latin1_page('<meta charset="iso-8859-1">'), fetched_at)
    assert parsed.title == UMLAUTS


def test_charset_from_http_equiv_meta(fetched_at: datetime) -> None:
    meta = '<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'
    assert parse(latin1_page(meta), fetched_at).title == UMLAUTS


def test_charset_header_wins_over_meta(fetched_at: datetime) -> None:
    content = latin1_page('<meta charset="utf-8">')
    parsed = parse(content, fetched_at, headers={"Content-Type": "text/html; charset=latin-1"})
    assert parsed.title == UMLAUTS


def test_undecodable_header_charset_falls_back_to_meta(fetched_at: datetime) -> None:
    content = latin1_page('<meta charset="latin-1">')
    parsed = parse(content, fetched_at, headers={"content-type": "text/html; charset=utf-8"})
    assert parsed.title == UMLAUTS


def test_charset_detected_without_header_or_meta(fetched_at: datetime) -> None:
    text = (
        "<html><head><title>Grüße</title></head><body><p>"
        + "Die Bürger in München und Köln äußerten sich über die Straßenbahn. " * 20
        + "</p></body></html>"
    )
    parsed = parse(text.encode("utf-8"), fetched_at)
    assert parsed.title == "Grüße"


def test_unknown_charset_name_is_ignored(fetched_at: datetime) -> None:
    content = page("<p>Grüße</p>")
    parsed = parse(content, fetched_at, headers={"content-type": "text/html; charset=klingon"})
    assert parsed.entries[0].body == "Grüße"


def test_html_with_byte_order_mark_is_parsed_as_html(fetched_at: datetime) -> None:
    parsed = parse(b"\xef\xbb\xbf" + page("<h2>21.15 Uhr: Meldung</h2><p>Text.</p>"), fetched_at)
    assert parsed.parser == "html"


# --- contract -------------------------------------------------------------------------------


def test_naive_fetched_at_is_rejected() -> None:
    naive = datetime(2025, 8, 14, 19, 30)  # noqa: DTZ001 (naive on purpose)
    with pytest.raises(ValueError, match="timezone-aware"):
        parse_page(page("<p>x</p>"), URL, fetched_at=naive)


@pytest.mark.parametrize(
    ("content", "headers"),
    [
        (page("", ld_script(blog([update(1, "2025-08-14T21:15:00+02:00")]))), None),
        (page(GERMAN_TICKER), None),
        (PLAIN.encode(), TEXT),
        (page("<article><p>x</p></article>"), None),
    ],
    ids=["jsonld", "html", "text", "article"],
)
def test_every_entry_is_aware_utc_or_none(
    content: bytes, headers: dict[str, str] | None, fetched_at: datetime
) -> None:
    fetched_in_berlin = fetched_at.astimezone(timezone(timedelta(hours=2)))
    parsed = parse(content, fetched_in_berlin, headers=headers)
    assert parsed.entries
    for entry in parsed.entries:
        if entry.published_at is None:
            assert entry.time_precision == "none"
        else:
            assert entry.published_at.tzinfo is not None
            assert entry.published_at.utcoffset() == timedelta(0)
            assert entry.time_precision != "none"
