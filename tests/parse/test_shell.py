"""The ticker-shell detector behind `render: auto` (pipeline.parse.shell): generic signs
only, on synthetic pages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipeline.parse import parse_page
from pipeline.parse.shell import shell_reason

AT = datetime(2025, 8, 14, 20, tzinfo=UTC)


def reason(html: str, url: str = "https://news.example/politik/wahl-123") -> str | None:
    page = parse_page(html.encode(), url, fetched_at=AT)
    return shell_reason(html.encode(), page, url)


def test_live_blog_posting_without_updates() -> None:
    data = '{"@context": "https://schema.org", "@type": "LiveBlogPosting", "headline": "Wahl"}'
    html = f'<html><head><script type="application/ld+json">{data}</script></head></html>'
    assert reason(html) == "LiveBlogPosting data without updates"


@pytest.mark.parametrize(
    ("embed", "platform"),
    [
        ('<script src="https://cdn.tickaroo.com/webng/embed/tik4.js"></script>', "Tickaroo"),
        ("<tickaroo-liveblog liveblogId='abc'></tickaroo-liveblog>", "Tickaroo"),
        ('<iframe src="https://embed.scribblelive.com/e?Id=1"></iframe>', "ScribbleLive"),
        ('<div id="LB24_LIVE_CONTENT" data-eid="1"></div>', "24liveblog"),
        ('<script src="https://v.24liveblog.com/24.js"></script>', "24liveblog"),
    ],
)
def test_embedded_ticker_platform(embed: str, platform: str) -> None:
    html = f"<html><head><title>Die Nacht</title></head><body><p>Text.</p>{embed}</body></html>"
    assert reason(html) == f"an embedded {platform} ticker"


@pytest.mark.parametrize(
    ("html", "url", "where"),
    [
        ("<title>Liveticker: Sturm</title><p>Lade …</p>", "https://x.example/a", "title"),
        ("<h1>Live blog: the storm</h1><p>Loading</p>", "https://x.example/a", "heading"),
        ("<p>Lade …</p>", "https://x.example/news/liveticker-sturm", "URL"),
        ("<div class='live-blog__feed'></div>", "https://x.example/a", "class names"),
    ],
)
def test_page_that_calls_itself_a_ticker_without_entries(html: str, url: str, where: str) -> None:
    assert reason(f"<html><body>{html}</body></html>", url) == (
        f"calls itself a live ticker ({where}) but has 1 entries"
    )


def test_ordinary_article_and_static_ticker_are_no_shells() -> None:
    article = "<html><head><title>Haushalt beschlossen</title></head><body><article><h1>Haushalt"
    article += "</h1><p>Der Stadtrat hat den Haushalt beschlossen.</p></article></body></html>"
    assert reason(article) is None
    # a news crawl's class name is no claim to be a ticker
    assert reason(article.replace("<article>", "<article class='newsticker'>")) is None
    posts = "".join(
        f"<h2>{c} Uhr: Meldung {i}</h2><p>Zwischen den Anschlussstellen staut sich der Verkehr "
        f"auf {i} Kilometern, die Polizei leitet um.</p>"
        for i, c in enumerate(("19.40", "19.25", "19.10"))
    )
    title = "<head><title>Liveticker: Verkehr</title></head>"
    ticker = f"<html>{title}<body><h2>14.08.2025</h2>{posts}</body></html>"
    assert reason(ticker) is None
