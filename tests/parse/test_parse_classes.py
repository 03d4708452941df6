"""Issue 15's failure classes 5, 6, 7 and 10 and the languages, each on a synthetic page
written for the test: times only in attributes, dates from the page's own lines,
multi-day tickers, times only in the page's application state."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import pytest

from pipeline.models import ParsedPage
from pipeline.parse import parse_page
from pipeline.parse.markers import read_marker

URL = "https://ticker.example.de/live"
FETCHED = datetime(2024, 8, 31, 12, 0, tzinfo=UTC)


def page(body: str, head: str = "", lang: str = "de") -> bytes:
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>Ticker</title>{head}</head><body>{body}</body></html>"
    ).encode()


def parse(content: bytes, url: str = URL, **kwargs: object) -> ParsedPage:
    return parse_page(content, url, fetched_at=FETCHED, **kwargs)  # type: ignore[arg-type]


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# --- class 7: multi-day tickers ---------------------------------------------------------------

MULTI_DAY = """<main><div class="ticker">
<h2>Samstag, 31. August 2024</h2>
<h2>10.15 Uhr: Am Samstagmorgen</h2><p>Text vom Samstagmorgen.</p>
<h2>08.30 Uhr: Früh am Samstag</h2><p>Text vom frühen Samstag.</p>
<h2>Freitag, 30. August 2024</h2>
<h2>21.45 Uhr: Freitagabend</h2><p>Text vom Freitagabend.</p>
<h2>18.30 Uhr: Freitagnachmittag</h2><p>Text vom Freitagnachmittag.</p>
<h2>Donnerstag, 29. August 2024</h2>
<h2>22.00 Uhr: Donnerstagabend</h2><p>Text vom Donnerstagabend.</p>
<h2>19.05 Uhr: Donnerstag früher</h2><p>Text vom Donnerstag.</p>
</div></main>"""


def test_multi_day_ticker_newest_first_is_a_ticker() -> None:
    parsed = parse(page(MULTI_DAY))
    assert (parsed.parser, parsed.is_liveblog) == ("html", True)
    assert [e.published_at for e in parsed.entries] == [
        utc(2024, 8, 31, 8, 15),
        utc(2024, 8, 31, 6, 30),
        utc(2024, 8, 30, 19, 45),
        utc(2024, 8, 30, 16, 30),
        utc(2024, 8, 29, 20, 0),
        utc(2024, 8, 29, 17, 5),
    ]
    assert not parsed.warnings


def ticker_of(clocks: list[str]) -> bytes:
    return entries_under("", clocks, "de")


def test_one_late_inserted_entry_keeps_the_ticker() -> None:
    # Past midnight, newest first, 23:55 posted late below 23:50: bare clocks would make
    # two of four steps go the wrong way.
    parsed = parse(ticker_of(["00:40", "00:20", "23:50", "23:55", "23:30"]))
    assert parsed.is_liveblog
    assert [e.published_at for e in parsed.entries] == [
        utc(2024, 8, 30, 22, 40),
        utc(2024, 8, 30, 22, 20),
        utc(2024, 8, 30, 21, 50),
        utc(2024, 8, 30, 21, 55),
        utc(2024, 8, 30, 21, 30),
    ]


def test_a_series_out_of_order_is_rejected_with_a_warning() -> None:
    parsed = parse(ticker_of(["14:00", "09:00", "13:00", "08:00", "15:00", "10:00"]))
    assert not parsed.is_liveblog
    assert any(
        "not read as a ticker: only 3 of 6 entries in time order" in w for w in parsed.warnings
    )


# --- class 5: exact times in attributes --------------------------------------------------------

# Eight entries, newest first, ten minutes apart from 11:30 UTC; the visible text is
# relative (and, on purpose, not what the attributes say) or missing.
STAMPS = [
    (utc(2024, 8, 31, 11, 30) - timedelta(minutes=10 * n)).isoformat().replace("+00:00", "Z")
    for n in range(8)
]
VISIBLE = ["2 minutes ago", "An hour ago", "", "2 minutes ago", "An hour ago", "", "", ""]


def on_the_entry(stamp: str, visible: str) -> str:
    ago = f'<span class="ago">{visible}</span>' if visible else ""
    return f'<article class="update" data-timestamp="{stamp}">{ago}<p>{BODY}</p></article>'


def in_a_title(stamp: str, visible: str) -> str:
    ago = f'<span class="ago" title="{stamp}">{visible}</span>'
    return f'<article class="update">{ago}<p>{BODY}</p></article>'


BODY = "What the reporter saw and wrote down about it, in a sentence or two."


@pytest.mark.parametrize("form", [on_the_entry, in_a_title])
def test_exact_times_in_attributes(form: Callable[[str, str], str]) -> None:
    posts = "".join(form(stamp, visible) for stamp, visible in zip(STAMPS, VISIBLE, strict=True))
    parsed = parse(page(f'<main><div class="feed">{posts}</div></main>', lang="en"))
    assert parsed.is_liveblog
    assert [e.published_at for e in parsed.entries] == [
        datetime.fromisoformat(stamp) for stamp in STAMPS
    ]
    assert {e.time_precision for e in parsed.entries} == {"minute"}
    assert {e.body for e in parsed.entries} == {BODY}  # no "An hour ago" left in a body
    name = "data-timestamp" if form is on_the_entry else "title"
    assert [e.time_text for e in parsed.entries] == [f"[{name}={stamp}]" for stamp in STAMPS]


def test_epoch_seconds_in_a_time_attribute() -> None:
    posts = "".join(
        f'<div class="post" data-time="{1725102000 - 600 * n}"><p>{BODY}</p></div>'
        for n in range(3)
    )
    parsed = parse(page(f'<main><div class="feed">{posts}</div></main>', lang="en"))
    assert [e.published_at for e in parsed.entries] == [
        utc(2024, 8, 31, 11, 0),
        utc(2024, 8, 31, 10, 50),
        utc(2024, 8, 31, 10, 40),
    ]


def test_ids_of_ten_digits_are_no_times() -> None:
    posts = "".join(
        f'<div class="post" data-id="{1725102000 - 600 * n}"><p>{BODY}</p></div>' for n in range(3)
    )
    assert not parse(page(f"<main>{posts}</main>", lang="en")).is_liveblog


# --- class 10: times only in the page's application state ---------------------------------------

POSTS = [
    {
        "id": str(1004 - n),
        "publishedAt": (utc(2024, 8, 31, 11, 59) - timedelta(hours=n)).isoformat(),
        "title": f"Update {4 - n}",
        "content": [{"type": "paragraph", "text": f"{BODY} Number {4 - n}."}],
    }
    for n in range(4)
]
# The DOM renders three of the four, with relative times only.
RENDERED = "".join(
    f'<div class="post" id="post-{post["id"]}"><span class="ago">{ago}</span>'
    f"<h3>{post['title']}</h3><p>{BODY} Number {4 - n}.</p></div>"
    for n, (post, ago) in enumerate(
        zip(POSTS[:3], ["1 min ago", "1 hr ago", "2 hr 55 min ago"], strict=True)
    )
)


def next_data() -> str:
    state = {"props": {"pageProps": {"blog": {"posts": POSTS}}}}
    return f'<script id="__NEXT_DATA__" type="application/json">{json.dumps(state)}</script>'


def apollo_state() -> str:
    state = {f"Post:{post['id']}": {"__typename": "Post", **post} for post in POSTS}
    return f"<script>window.__APOLLO_STATE__ = {json.dumps(state)};</script>"


def base64_state() -> str:
    encoded = base64.b64encode(json.dumps({"feed": {"items": POSTS}}).encode()).decode()
    return f'<script>window.__INITIAL_STATE__ = "{encoded}";</script>'


@pytest.mark.parametrize("state", [next_data, apollo_state, base64_state])
def test_times_from_the_application_state(state: Callable[[], str]) -> None:
    content = page(f'<main><div class="feed">{RENDERED}</div></main>{state()}', lang="en")
    parsed = parse(content, url="https://news.example.com/live")
    assert (parsed.parser, parsed.is_liveblog) == ("state", True)
    assert [e.published_at for e in parsed.entries] == [
        utc(2024, 8, 31, 11 - n, 59) for n in range(4)
    ]
    assert [e.headline for e in parsed.entries] == ["Update 4", "Update 3", "Update 2", "Update 1"]
    assert parsed.entries[0].body == f"{BODY} Number 4."
    assert parsed.entries[0].url.endswith("#post-1004")
    assert parsed.entries[0].time_text == f"[state publishedAt={POSTS[0]['publishedAt']}]"


def test_state_whose_ids_are_an_embedded_video_is_ignored() -> None:
    videos = "".join(f'<video id="video-{post["id"]}"></video>' for post in POSTS)
    content = page(f"<main><p>{BODY}</p>{videos}</main>{next_data()}", lang="en")
    assert not parse(content).is_liveblog


def test_state_without_posts_in_the_dom_is_ignored() -> None:
    related = [dict(post, id=f"other-{post['id']}") for post in POSTS]
    state = f"<script>window.__INITIAL_STATE__ = {json.dumps({'related': related})};</script>"
    parsed = parse(page(f"<main><p>{BODY}</p></main>{state}", lang="en"))
    assert not parsed.is_liveblog


# --- class 6: dates from the page's own lines ---------------------------------------------------


def dateline_page(line: str, day_header: str = "") -> bytes:
    posts = "".join(
        f'<div class="post"><p class="stamp">{clock}</p>'
        f"<p>What happened at this point of the evening, told at some length ({n}).</p></div>"
        for n, clock in enumerate(["21:20", "20:09", "19:30", "18:02"])
    )
    return page(
        f'<header><h1>Storm live</h1><p class="dateline">{line}</p></header>'
        f'<main><div class="feed">{day_header}{posts}</div></main>',
        lang="en",
    )


def test_bare_clocks_take_the_day_and_zone_of_the_pages_dateline() -> None:
    line = "Last Updated: 21:25 CET Sunday, 16 February 2014"
    parsed = parse(dateline_page(line), url="https://news.example.com/storm-live")
    assert parsed.is_liveblog
    assert [e.published_at for e in parsed.entries] == [
        utc(2014, 2, 16, 20, 20),
        utc(2014, 2, 16, 19, 9),
        utc(2014, 2, 16, 18, 30),
        utc(2014, 2, 16, 17, 2),
    ]


def test_dateline_in_gmt() -> None:
    line = "Last Updated: 21:25 GMT Sunday, 16 February 2014"
    parsed = parse(dateline_page(line), url="https://news.example.com/storm-live")
    assert parsed.entries[1].published_at == utc(2014, 2, 16, 20, 9)


def test_a_day_header_inside_the_ticker_wins_over_the_dateline() -> None:
    line = "Last Updated: 21:25 GMT Sunday, 16 February 2014"
    header = "<h2>Saturday 15 February 2014</h2>"
    parsed = parse(dateline_page(line, header), url="https://news.example.com/storm-live")
    assert parsed.entries[1].published_at == utc(2014, 2, 15, 20, 9)


def test_datelines_that_disagree_leave_the_publishing_day() -> None:
    lines = "Last Updated: 21:25 Sunday, 16 February 2014</p><p>Related: 09:00 3 March 2013"
    content = dateline_page(lines).replace(
        b"</head>", b'<meta property="article:published_time" content="2014-02-10T08:00Z"></head>'
    )
    parsed = parse(content, url="https://news.example.com/storm-live")
    assert parsed.entries[1].published_at == utc(2014, 2, 10, 20, 9)


def test_without_any_date_of_its_own_the_page_takes_the_fetch_day() -> None:
    parsed = parse(dateline_page("Storm coverage"), url="https://news.example.com/storm-live")
    assert parsed.published_at is None
    # 21:20 is later than the fetch (12:00 UTC): from the day before, as are the rest.
    assert parsed.entries[1].published_at == utc(2024, 8, 30, 20, 9)


# --- languages: day headers, month names, relative times ---------------------------------------

LANGUAGES = {
    "de": ("Donnerstag, 29. August 2024", "vor 5 Minuten", "vor einer Stunde"),
    "en": ("Thursday 29 August 2024", "5 minutes ago", "an hour ago"),
    "fr": ("jeudi 29 août 2024", "il y a 5 minutes", "il y a une heure"),
    "es": ("jueves, 29 de agosto de 2024", "hace 5 minutos", "hace una hora"),
    "it": ("giovedì 29 agosto 2024", "5 minuti fa", "un'ora fa"),
    "nl": ("donderdag 29 augustus 2024", "5 minuten geleden", "een uur geleden"),
    "pl": ("czwartek, 29 sierpnia 2024", "5 minut temu", "godzinę temu"),
    "pt": ("quinta-feira, 29 de agosto de 2024", "há 5 minutos", "há uma hora"),
}


def entries_under(header: str, markers: Sequence[str], lang: str) -> bytes:
    entries = "".join(
        f'<div class="entry"><span class="time">{marker}</span>'
        f"<p>Entry text long enough to count as an entry of its own, number {n}.</p></div>"
        for n, marker in enumerate(markers)
    )
    return page(f'<main><div class="ticker"><h2>{header}</h2>{entries}</div></main>', lang=lang)


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_day_header_in_each_language(lang: str) -> None:
    header = LANGUAGES[lang][0]
    parsed = parse(entries_under(header, ("18:30", "09:15"), lang), tz="Europe/Berlin")
    assert parsed.is_liveblog
    assert [e.published_at for e in parsed.entries] == [
        utc(2024, 8, 29, 16, 30),
        utc(2024, 8, 29, 7, 15),
    ]


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_relative_times_in_each_language(lang: str) -> None:
    _, minutes, hour = LANGUAGES[lang]
    parsed = parse(entries_under("", (minutes, hour), lang), tz="Europe/Berlin")
    assert parsed.is_liveblog
    assert [e.published_at for e in parsed.entries] == [
        utc(2024, 8, 31, 11, 55),
        utc(2024, 8, 31, 11, 0),
    ]
    assert [e.time_text for e in parsed.entries] == [minutes, hour]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("vor 2 Std.", 7200),
        ("vor einem Tag", 86400),
        ("4m ago", 240),
        ("2 hr 55 min ago", 10500),
        ("il y a 2 heures", 7200),
        ("hace 3 días", 3 * 86400),
        ("5 giorni fa", 5 * 86400),
        ("2 uur geleden", 7200),
        ("3 dni temu", 3 * 86400),
        ("2 godziny temu", 7200),
        ("5 minutos atrás", 300),
        ("à l'instant", 0),
        ("przed chwilą", 0),
    ],
)
def test_relative_marker_forms(text: str, seconds: int) -> None:
    marker = read_marker(text, FETCHED)
    assert marker is not None and marker.relative
    assert marker.moment == FETCHED - timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["5 out of 6", "Minuten später", "Agora o governo", "hace falta"])
def test_words_that_open_no_relative_marker(text: str) -> None:
    assert read_marker(text, FETCHED) is None
