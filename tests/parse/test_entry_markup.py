"""Entry markup seen on live blogs of templates this repository holds no page of, each on
a synthetic page written for the test: a date printed before the clock (in the languages
read), a word for "at" before it, a `<time>` whose clock sits in a child element, a byline
glued to the time beside it, a block carrying its exact time in an attribute while it
prints another, a structured item whose only text is the page's headline, short entries
sharing a line with their time, JSON-LD types written as IRIs; and what must stay no
ticker (a dateline printed twice, a video list's dates and lengths)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from pipeline.models import ParsedPage
from pipeline.parse import parse_page
from pipeline.parse.markers import read_marker
from pipeline.parse.timeparse import parse_day_header

FETCHED = datetime(2025, 8, 15, 18, 0, tzinfo=UTC)
TEXTS = (
    "Trump and Putin shake hands on the tarmac at the air base in Anchorage.",
    "The two delegations have entered the building for talks expected to last hours.",
    "Ukraine's president says no deal can be made about Ukraine without Ukraine present.",
    "Protesters gathered outside the venue holding flags and banners since early morning.",
)
CLOCKS = ("11:04", "10:31", "09:58", "09:12")


def page(body: str, lang: str = "en", *, ld: str = "") -> bytes:
    """A page around `body`, with `ld` as its JSON-LD when given."""
    script = f'<script type="application/ld+json">{ld}</script>' if ld else ""
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>Live</title>'
        f'{script}</head><body><nav><a href="/">Home</a></nav><main>{body}</main>'
        '<aside class="related"><a href="/a">Other story</a> <span>10:02</span></aside>'
        "</body></html>"
    ).encode()


def parse(content: bytes, url: str) -> ParsedPage:
    return parse_page(content, url, fetched_at=FETCHED)


def entries(template: str, stamps: tuple[str, ...] = CLOCKS) -> str:
    return "".join(
        template.format(i=i, when=w, text=t)
        for i, (w, t) in enumerate(zip(stamps, TEXTS, strict=False))
    )


def minutes(parsed: ParsedPage) -> list[str]:
    return [e.published_at.strftime("%d %H:%M") if e.published_at else "-" for e in parsed.entries]


# --- markers: a date before the clock, "at" before it -----------------------------------------


@pytest.mark.parametrize(
    ("text", "language", "clock", "day"),
    [
        ("15.08.2025 • 11:04 Uhr", "de", (11, 4), (8, 15, 2025)),
        ("15.08.2025 | 11:04", "de", (11, 4), (8, 15, 2025)),
        ("Fr, 15.08.2025, 11:04", "de", (11, 4), (8, 15, 2025)),
        ("Freitag, 15. August, 11:04 Uhr", "de", (11, 4), (8, 15, None)),
        ("15.08. 11:04", "de", (11, 4), (8, 15, None)),
        ("Aug. 15, 2025, 9:04 AM EDT", "en", (9, 4), (8, 15, 2025)),
        ("Updated August 15th, 9:04 pm", "en", (21, 4), (8, 15, None)),
        ("Friday 15 August 2025 11.04 BST", "en", (11, 4), (8, 15, 2025)),
        ("Mis à jour le 15 août 2025 à 11h04", "fr", (11, 4), (8, 15, 2025)),
        ("15 de agosto de 2025, 11:04", "es", (11, 4), (8, 15, 2025)),
        ("15/08/2025 - 11h04", "fr", (11, 4), (8, 15, 2025)),
        ("08/15/2025 11:04", "en", (11, 4), (8, 15, 2025)),
        ("2025-08-15 11:04", "en", (11, 4), (8, 15, 2025)),
        ("ore 11.04", "it", (11, 4), None),
        ("um 11.04 Uhr", "de", (11, 4), None),
        ("a las 11:04", "es", (11, 4), None),
        ("om 11.04 uur", "nl", (11, 4), None),
        ("godz. 11:04", "pl", (11, 4), None),
    ],
)
def test_a_date_or_an_at_before_the_clock_is_read(
    text: str, language: str, clock: tuple[int, int], day: tuple[int, int, int | None] | None
) -> None:
    marker = read_marker(text, FETCHED, language=language)
    assert marker is not None and marker.clock is not None
    assert (marker.clock.hour, marker.clock.minute) == clock
    assert marker.day == day
    assert marker.text == text and marker.rest == ""


@pytest.mark.parametrize(
    "text",
    [
        "05/08/2025 11:04",  # 5 August or May 8: no day to be had, so no marker
        "Update, 29.04.2020, 17:15 Uhr",  # "Update" is no weekday
        "26.10.2025 | 2:43",  # a video's date and length
        "15.08.2025",
        "The 15 people at 10:00",
        "2024-25 season 11:04",
    ],
)
def test_what_only_looks_like_a_dated_clock_is_no_marker(text: str) -> None:
    assert read_marker(text, FETCHED, language="de") is None


# --- pages --------------------------------------------------------------------------------


def test_german_entries_dated_with_a_bullet_are_a_ticker() -> None:
    body = entries(
        '<div class="entry"><div class="dt">15.08.2025 • {when} Uhr</div>'
        "<h2>Titel {i}</h2><p>{text}</p></div>"
    )
    parsed = parse(page(body, "de"), "https://www.example.de/liveblog-100.html")
    assert parsed.is_liveblog
    assert minutes(parsed) == ["15 09:04", "15 08:31", "15 07:58", "15 07:12"]
    assert [e.headline for e in parsed.entries][:1] == ["Titel 0"]
    assert parsed.entries[0].body == TEXTS[0]


def test_us_entries_dated_in_words_with_their_zone() -> None:
    stamps = tuple(
        f"Aug. 15, 2025, {c.lstrip('0')} AM EDT" for c in ("9:04", "8:31", "7:58", "7:12")
    )
    body = entries(
        '<article><h2>Head {i}</h2><div class="meta">Updated {when}</div><p>{text}</p></article>',
        stamps,
    )
    parsed = parse(page(body), "https://www.example.com/live-updates/summit")
    assert minutes(parsed) == ["15 13:04", "15 12:31", "15 11:58", "15 11:12"]
    assert {e.tz_source for e in parsed.entries} == {"abbreviation"}


def test_italian_clocks_after_ore_are_a_ticker() -> None:
    body = entries('<div class="live-item"><span class="t">ore {when}</span><p>{text}</p></div>')
    parsed = parse(page(body, "it"), "https://www.example.it/diretta")
    assert minutes(parsed) == ["15 09:04", "15 08:31", "15 07:58", "15 07:12"]


def test_a_time_element_whose_clock_is_in_a_child_marks_the_entry() -> None:
    body = entries(
        '<li><article><header><time class="meta"><span>{when}</span></time>'
        "<h3><span>Headline {i}</span></h3></header><div><p>{text}</p></div></article></li>"
    )
    parsed = parse(page(f"<ol>{body}</ol>"), "https://www.example.co.uk/news/live/1")
    assert minutes(parsed) == ["15 10:04", "15 09:31", "15 08:58", "15 08:12"]
    assert parsed.entries[0].headline == "Headline 0"


def test_a_byline_glued_to_the_relative_time_stays_out_of_the_body() -> None:
    epochs = ("1755252000", "1755248400", "1755244800", "1755241200")
    body = entries(
        '<div id="entry-{i}" class="liveblog-entry" data-timestamp="{when}"><header>'
        '<a href="#entry-{i}">2 hours ago</a><span class="author-name">Jane Doe</span></header>'
        "<div><p>{text}</p></div></div>",
        epochs,
    )
    parsed = parse(page(body), "https://www.example-news.com/summit-live/")
    assert minutes(parsed) == ["15 10:00", "15 09:00", "15 08:00", "15 07:00"]
    assert [e.body for e in parsed.entries] == list(TEXTS)
    assert parsed.entries[0].authors == ("Jane Doe",)


def test_the_blocks_own_exact_time_beats_the_time_it_prints() -> None:
    """`data-sort-time` on the entry records when it was posted; the printed time may be
    its last edit. The epoch a time-ago widget prints before its script runs is no text."""
    sort_times = ("1755250200000", "1755248400000", "1755246600000", "1755244800000")
    body = "".join(
        f'<div data-sort-time="{sort}" id="post-{i}"><amp-timeago>{int(sort) // 1000 + 3600}'
        f'</amp-timeago><h3>Head {i}</h3><p>{text}</p><span class="when">15 August 2025 '
        f"{12 - i:02d}:01</span></div>"
        for i, (sort, text) in enumerate(zip(sort_times, TEXTS, strict=True))
    )
    parsed = parse(page(body), "https://www.example.co.uk/live/summit")
    assert minutes(parsed) == ["15 09:30", "15 09:00", "15 08:30", "15 08:00"]
    assert [e.body for e in parsed.entries] == list(TEXTS)


def test_a_structured_item_with_only_a_headline_takes_its_twins_text() -> None:
    ld = (
        '{"@context": "https://schema.org", "@type": "LiveBlogPosting", "liveBlogUpdate": ['
        '{"@type": "BlogPosting", "headline": "Live", "datePublished": "2025-08-15T10:04:30Z"},'
        '{"@type": "BlogPosting", "headline": "Second", "articleBody": "' + TEXTS[1] + '",'
        ' "datePublished": "2025-08-15T09:31:10Z"}]}'
    )
    body = entries('<div class="post"><p class="t">{when}</p><p>{text}</p></div>', CLOCKS[:2])
    content = page(body, ld=ld)
    parsed = parse(content, "https://www.example.co.uk/live/summit")
    assert [e.body for e in parsed.entries] == list(TEXTS[:2])
    assert parsed.matched_count == 2


def test_a_dateline_printed_twice_is_no_ticker() -> None:
    line = '<p class="stand">STAND</p><p class="stand">21.4.2021 , 16:41 Uhr</p>'
    body = f"<header>{line}</header><article><p>{TEXTS[0] * 3}</p></article><footer>{line}</footer>"
    parsed = parse(page(body, "de"), "https://www.example.de/sport/artikel-100.html")
    assert not parsed.is_liveblog
    assert len(parsed.entries) == 1


@pytest.mark.parametrize(
    ("today", "yesterday", "language"),
    [
        ("Heute, {} Uhr", "Gestern, {} Uhr", "de"),
        ("Today {}", "Yesterday at {}", "en"),
        ("Aujourd'hui à {}", "Hier à {}", "fr"),
        ("Hoy, {}", "Ayer {}", "es"),
        ("Oggi, {}", "Ieri {}", "it"),
        ("Vandaag {}", "Gisteren {}", "nl"),
        ("Dzisiaj {}", "Wczoraj {}", "pl"),
        ("Hoje {}", "Ontem {}", "pt"),
    ],
)
def test_today_and_yesterday_count_back_from_the_fetch(
    today: str, yesterday: str, language: str
) -> None:
    stamps = (
        *(today.format(clock) for clock in ("11:04", "08:31")),
        *(yesterday.format(clock) for clock in ("23:58", "21:12")),
    )
    body = entries('<div class="item"><p class="when">{when}</p><p>{text}</p></div>', stamps)
    parsed = parse(page(body, language), f"https://www.example.{language}/live")
    assert [e.published_at.date().day if e.published_at else 0 for e in parsed.entries] == [
        15,
        15,
        14,
        14,
    ]


SHORT = (
    "Die Maschine des Präsidenten ist in Anchorage gelandet.",
    "Die Gespräche der beiden Delegationen beginnen jetzt.",
    "Selenskyj warnt vor einer Einigung ohne die Ukraine.",
    "Vor dem Stützpunkt protestieren einige hundert Menschen.",
)  # shorter than a marker line may be (80 characters), longer than a link list's texts


@pytest.mark.parametrize(
    "layout",
    [
        "<ul>{}</ul>",
        "<table>{}</table>",
        "<dl>{}</dl>",
        "<div>{}</div>",
    ],
    ids=["list", "table", "definitions", "paragraphs"],
)
def test_short_entries_sharing_a_line_with_their_time_keep_their_text(layout: str) -> None:
    """`<li>11:04: Gelandet …</li>`: each entry is its marker's line; flat layouts (a
    time cell beside a text cell, `<dt>` before `<dd>`, a bold time opening the
    paragraph) too."""
    item = {
        "<ul>{}</ul>": "<li>{when}: {text}</li>",
        "<table>{}</table>": '<tr><td class="zeit">{when}</td><td>{text}</td></tr>',
        "<dl>{}</dl>": "<dt>{when} Uhr</dt><dd>{text}</dd>",
        "<div>{}</div>": "<p><strong>{when} Uhr:</strong> {text}</p>",
    }[layout]
    body = "".join(item.format(when=w, text=t) for w, t in zip(CLOCKS, SHORT, strict=True))
    parsed = parse(page(layout.format(body), "de"), "https://www.example.de/ticker")
    assert [e.body for e in parsed.entries] == list(SHORT)
    assert minutes(parsed) == ["15 09:04", "15 08:31", "15 07:58", "15 07:12"]


def test_clocks_with_seconds_and_a_french_published_at() -> None:
    seconds = entries('<div class="post"><span class="t">{when}:32</span><p>{text}</p></div>')
    parsed = parse(page(seconds, "de"), "https://www.example.de/ticker")
    assert minutes(parsed) == ["15 09:04", "15 08:31", "15 07:58", "15 07:12"]
    stamps = tuple(c.replace(":", "h") for c in CLOCKS)
    published = entries(
        "<article><h2>Titre {i}</h2><p class='meta'>Publié à {when}</p><p>{text}</p></article>",
        stamps,
    )
    parsed = parse(page(published, "fr"), "https://www.example.fr/live")
    assert minutes(parsed) == ["15 09:04", "15 08:31", "15 07:58", "15 07:12"]
    assert parsed.entries[0].body == TEXTS[0]


def test_json_ld_types_written_as_iris_and_items_dated_by_creation() -> None:
    updates = [
        {
            "@type": "http://schema.org/BlogPosting",
            "articleBody": text,
            "dateCreated": f"2025-08-15T{c}:00Z",
        }
        for c, text in zip(CLOCKS, TEXTS, strict=True)
    ]
    blog = {"@context": "http://schema.org/", "@type": "http://schema.org/LiveBlogPosting"}
    ld = json.dumps({**blog, "liveBlogUpdate": updates})
    content = page("<p>Intro.</p>", ld=ld)
    parsed = parse(content, "https://www.example.com/live")
    assert parsed.parser == "jsonld"
    assert minutes(parsed) == ["15 11:04", "15 10:31", "15 09:58", "15 09:12"]


def test_a_time_element_dated_by_its_attribute_prints_the_clock() -> None:
    body = entries(
        "<div class='post'><time datetime='2025-08-14'>{when} Uhr</time><p>{text}</p></div>"
    )
    parsed = parse(page(body, "de"), "https://www.example.de/ticker")
    assert minutes(parsed) == ["14 09:04", "14 08:31", "14 07:58", "14 07:12"]


def test_a_clock_alone_in_datetime_takes_no_date_from_today() -> None:
    """`<time datetime="11:04">` is valid HTML; a date library would fill in the day it
    runs on."""
    body = entries("<div class='post'><time datetime='{when}'>{when}</time><p>{text}</p></div>")
    parsed = parse(page(body, "de"), "https://www.example.de/ticker")
    assert minutes(parsed) == ["15 09:04", "15 08:31", "15 07:58", "15 07:12"]


@pytest.mark.parametrize("ages", [("5m", "1h", "2h", "3h"), ("5 mins", "1 hr", "2 hrs", "3 hrs")])
def test_an_age_alone_in_its_element_is_a_relative_time(ages: tuple[str, ...]) -> None:
    body = entries("<div class='post'><span class='ago'>{when}</span><p>{text}</p></div>", ages)
    parsed = parse(page(body), "https://www.example.com/live")
    assert minutes(parsed) == ["15 17:55", "15 17:00", "15 16:00", "15 15:00"]


@pytest.mark.parametrize(
    ("text", "language", "clock"),
    [
        ("11 h 04 : Titre", "fr", (11, 4)),
        ("11h", "fr", (11, 0)),
        ("11.04 h", "es", (11, 4)),
        ("11 Uhr: Titel", "de", (11, 0)),
        ("9am", "en", (9, 0)),
        ("9 p.m.", "en", (21, 0)),
    ],
)
def test_french_spacing_and_full_hours_are_clocks(
    text: str, language: str, clock: tuple[int, int]
) -> None:
    marker = read_marker(text, FETCHED, whole=text.endswith("h"), language=language)
    assert marker is not None and marker.clock is not None and not marker.relative
    assert (marker.clock.hour, marker.clock.minute) == clock


def test_an_hour_alone_is_an_age_only_where_the_clock_does_not_write_11h() -> None:
    assert read_marker("11h", FETCHED, whole=True, language="en").relative  # type: ignore[union-attr]
    assert read_marker("11h", FETCHED, whole=True, language="fr").clock is not None  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("11:04 GMT+2", 2),
        ("11:04 (GMT+02:00)", 2),
        ("11:04 UTC-5", -5),
        ("11:04 a.m. AKDT", -8),
        ("11:04 JST", 9),
        ("11:04 AEST", 10),
    ],
)
def test_a_gmt_offset_or_single_offset_abbreviation_is_the_clocks_zone(
    text: str, hours: int
) -> None:
    marker = read_marker(text, FETCHED, language="en")
    assert marker is not None and marker.zone is not None and marker.rest == ""
    assert marker.zone.utcoffset(None) == timedelta(hours=hours)


def test_day_headers_today_yesterday_and_iso() -> None:
    body = (
        "<h2>Heute</h2>"
        + entries("<div class='e'><span class='t'>{when}</span><p>{text}</p></div>", CLOCKS[:2])
        + "<h2>Gestern:</h2>"
        + "".join(
            f"<div class='e'><span class='t'>23:5{i}</span><p>{TEXTS[2]}</p></div>" for i in (2, 1)
        )
        + f"<h2>2025-08-13</h2><div class='e'><span class='t'>20:00</span><p>{TEXTS[3]}</p></div>"
    )
    parsed = parse(page(body, "de"), "https://www.example.de/ticker")
    assert minutes(parsed) == ["15 09:04", "15 08:31", "14 21:52", "14 21:51", "13 18:00"]


@pytest.mark.parametrize(
    ("text", "day"),
    [("15/08/2025", 15), ("08/15/2025", 15), ("2025-08-15", 15), ("05/08/2025", None)],
)
def test_day_headers_in_numbers(text: str, day: int | None) -> None:
    found = parse_day_header(text, default_year=2025)
    assert (found.day if found else None) == day


@pytest.mark.parametrize(
    "sidebar",
    [
        "<aside><h3>Latest</h3><ul>{}</ul></aside>",
        "<div role='complementary'><h3>Latest</h3><ul>{}</ul></div>",
        "<div class='most-read'><h3>Most read</h3><ul>{}</ul></div>",
    ],
    ids=["aside", "complementary", "most-read"],
)
def test_a_sidebar_of_timed_headlines_loses_to_the_ticker(sidebar: str) -> None:
    """The sidebar's texts are longer than the ticker's, but it sits beside the page's
    content; an entry's own `<aside>` holding its time is no sidebar."""
    items = "".join(
        f"<li><span class='time'>{c}</span> <span>A much longer headline of another story "
        f"that runs on for quite a while, number {i}</span></li>"
        for i, c in enumerate(("11:50", "11:20", "10:45", "10:10", "09:30"))
    )
    ticker = entries(
        "<div class='post'><aside class='meta'><span>{when}</span></aside><p>{text}</p></div>",
        CLOCKS[:3],
    )
    parsed = parse(page(ticker + sidebar.format(items)), "https://www.example.co.uk/live")
    assert [e.body for e in parsed.entries] == list(TEXTS[:3])


def test_a_blocks_edit_time_does_not_replace_the_time_it_prints() -> None:
    body = entries(
        "<div data-last-updated='2025-08-15T17:00:00Z' class='post'><span class='t'>{when}</span>"
        "<p>{text}</p></div>"
    )
    parsed = parse(page(body), "https://www.example.co.uk/live")
    assert minutes(parsed) == ["15 10:04", "15 09:31", "15 08:58", "15 08:12"]


def test_headings_linking_to_the_tickers_own_entries_are_no_teasers() -> None:
    body = entries(
        "<div class='post' id='p{i}'><a href='/live/summit?post=p{i}'>{when}</a>"
        "<h3><a href='/live/summit#p{i}'>Head {i}</a></h3><p>{text}</p></div>"
    )
    parsed = parse(page(body), "https://www.example.co.uk/live/summit")
    assert [e.headline for e in parsed.entries] == ["Head 0", "Head 1", "Head 2", "Head 3"]
    teasers = entries(
        "<div class='post'><span>{when}</span><h3><a href='/story-{i}'>Head {i}</a></h3>"
        "<p>{text}</p></div>"
    )
    assert not parse(page(teasers), "https://www.example.co.uk/live/summit").is_liveblog


def test_a_structured_body_cut_short_takes_the_rendered_text() -> None:
    full = [text + " The meeting is the first on US soil since 2007." for text in TEXTS[:2]]
    updates = [
        {"@type": "BlogPosting", "articleBody": text[:40] + "…", "datePublished": when}
        for text, when in zip(full, ("2025-08-15T10:04:00Z", "2025-08-15T09:31:00Z"), strict=True)
    ]
    ld = json.dumps(
        {"@context": "https://schema.org", "@type": "LiveBlogPosting", "liveBlogUpdate": updates}
    )
    body = "".join(
        f"<div class='post'><span class='t'>{when}</span><p>{text}</p></div>"
        for when, text in zip(CLOCKS[:2], full, strict=True)
    )
    content = page(body, ld=ld)
    parsed = parse(content, "https://www.example.co.uk/live")
    assert [e.body for e in parsed.entries] == full


@pytest.mark.parametrize("text", ["11:04 GMT+99", "11:04 GMT-23:59", "11:04 UTC+1:99"])
def test_an_offset_no_zone_has_is_no_zone(text: str) -> None:
    marker = read_marker(text, FETCHED, language="en")
    assert marker is not None and marker.zone is not None
    offset = marker.zone.utcoffset(None)
    assert offset is not None and abs(offset) <= timedelta(hours=14)


def test_an_age_beyond_the_calendar_is_no_time() -> None:
    assert read_marker("vor 19991260h pm", FETCHED, whole=True, language="de") is None


def test_a_rule_between_flat_entries_leaves_the_first_its_text() -> None:
    body = "<hr>".join(
        f"<p><em>{when}</em> – {text}</p>" for when, text in zip(CLOCKS, SHORT, strict=True)
    )
    parsed = parse(page(f"<div>{body}</div>", "de"), "https://www.example.de/ticker")
    assert [e.body for e in parsed.entries] == list(SHORT)


def test_plain_text_time_lines_in_other_forms() -> None:
    text = (
        "Liveticker\n\n15.08.2025 • 11:04 Uhr\n\nGelandet\n\n" + SHORT[0] + "\n\n"
        "Heute, 10:31 Uhr\n\nGespräche\n\n" + SHORT[1] + "\n"
    )
    parsed = parse_page(
        text.encode(), "https://www.example.de/ticker.txt", fetched_at=FETCHED, kind="text"
    )
    assert [e.headline for e in parsed.entries] == ["Gelandet", "Gespräche"]
    assert minutes(parsed) == ["15 09:04", "15 08:31"]
    assert [e.body for e in parsed.entries] == list(SHORT[:2])


def test_a_name_recurring_in_every_entry_is_its_author_not_its_text() -> None:
    body = entries(
        "<div class='post'><span class='t'>{when}</span><h3>Head {i}</h3>"
        "<p class='who'>Jane Doe</p><p class='badge'>Key event</p><p>{text}</p></div>"
    )
    parsed = parse(page(body), "https://www.example.ie/live")
    assert [e.body for e in parsed.entries] == list(TEXTS)
    assert {e.authors for e in parsed.entries} == {("Jane Doe",)}
    assert all(e.key_event for e in parsed.entries)


def test_the_date_of_a_tweet_embedded_in_one_entry_dates_no_other() -> None:
    tweet = (
        "<blockquote class='twitter-tweet'><p>A tweet.</p>&mdash; Someone "
        "<a href='https://twitter.com/someone/status/1'>August 12, 2025</a></blockquote>"
    )
    body = "".join(
        f"<div class='post'><span class='t'>{when}</span><p>{text}</p>{'' if i else tweet}</div>"
        for i, (when, text) in enumerate(zip(CLOCKS, TEXTS, strict=True))
    )
    parsed = parse(page(body), "https://www.example.co.uk/live")
    assert minutes(parsed) == ["15 10:04", "15 09:31", "15 08:58", "15 08:12"]


def test_a_rail_of_timed_stories_beside_main_loses_to_the_ticker_in_it() -> None:
    rail = "".join(
        f"<article><time>{when}</time><h4>Another story with a long headline, number {i}</h4>"
        "<p>A teaser sentence of that story which also runs on for a while.</p></article>"
        for i, when in enumerate(("12:15", "11:45", "11:15", "10:45", "10:15", "09:45"))
    )
    ticker = entries("<div class='entry'><p class='time'>{when}</p><p>{text}</p></div>")
    content = (
        f"<html lang='en-GB'><head><title>Live</title></head><body><main>{ticker}</main>"
        f"<section class='latest-news'>{rail}</section></body></html>"
    ).encode()
    parsed = parse(content, "https://www.example.co.uk/live")
    assert [e.body for e in parsed.entries] == list(TEXTS)


def test_of_two_times_per_entry_the_posting_time_wins_over_the_edit() -> None:
    edits = ("11:40", "11:45", "11:50", "11:55")
    body = "".join(
        f"<div class='entry'><p class='updated'>Updated at {edit}</p>"
        f"<p class='meta'><span>{when}</span></p><p>{text}</p></div>"
        for edit, when, text in zip(edits, CLOCKS, TEXTS, strict=True)
    )
    parsed = parse(page(body), "https://www.example.co.uk/live")
    assert minutes(parsed) == ["15 10:04", "15 09:31", "15 08:58", "15 08:12"]


def test_a_headline_heading_right_under_a_time_heading_is_the_entrys() -> None:
    body = entries("<h2>{when}</h2><h3>Headline {i}</h3><p>{text}</p>")
    parsed = parse(page(f"<div class='body'>{body}</div>"), "https://www.example.co.uk/live")
    assert [e.headline for e in parsed.entries] == [f"Headline {i}" for i in range(4)]
    assert [e.body for e in parsed.entries] == list(TEXTS)
