"""The demo's outlet (issue 17): `demo-blatt`, a synthetic newspaper on the replay server
whose RSS feed lists one report (an article) and one live ticker. The demo's sources file
names only the outlet and its feed: discovery classifies both items once, makes the ticker
a source (`demo-blatt-<12 hex>`, from its page key, so the same on every port) and loads it
in the cycle it first sees it; the report is never a source.

The ticker carries the seed ticker's entries as the other demo sources do (the same
synthetic times, edit and withdrawal: `pipeline.demo.sources`), in a fourth form:
schema.org microdata, one `itemprop="liveBlogUpdate"` item per entry. The report's text
is synthetic too. The feed's links are relative, so any port works.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.demo.replay import write_snapshot

if TYPE_CHECKING:
    from pipeline.demo.sources import DemoEntry

OUTLET_ID = "demo-blatt"
FEED = f"{OUTLET_ID}-rss"
ARTICLE = f"{OUTLET_ID}-bericht-gipfel"
TICKER = f"{OUTLET_ID}-liveticker-gipfel"
PAGES = (FEED, ARTICLE, TICKER)  # replay folders; the sources file names only FEED
TICKER_TITLE = "Liveticker: Gipfeltreffen in Alaska"
ARTICLE_TITLE = "Vor dem Gipfel in Alaska: Worum es geht"
# Synthetic: a report of the kind a feed lists beside a ticker, with no times in it.
ARTICLE_TEXT = (
    "US-Präsident Donald Trump und Kremlchef Wladimir Putin wollen sich in Alaska treffen. "
    "Im Mittelpunkt soll der Krieg in der Ukraine stehen.",
    "Die Regierung in Kiew ist nicht eingeladen; die europäischen Partner drängen darauf, "
    "dass über die Ukraine nicht ohne die Ukraine entschieden wird.",
    "(Synthetischer Demo-Text von tickerlake.)",
)
_SCHEMA = "https://schema.org"


def write(root: Path, snapshots: Sequence[tuple[datetime, Sequence[DemoEntry]]]) -> None:
    """The outlet's pages under `root`: the feed and the report from the first snapshot
    time on (they never change), the ticker at every snapshot with the entries given."""
    first = snapshots[0][0]
    write_snapshot(root / FEED, first, "xml", feed())
    write_snapshot(root / ARTICLE, first, "html", article())
    for at, entries in snapshots:
        write_snapshot(root / TICKER, at, "html", render_microdata(entries))


def yaml_lines(base_url: str) -> list[str]:
    """The outlet's entry in a sources file for a replay server on `base_url`."""
    return [
        "outlets:  # the tickers of these are found by discovery, none is named here",
        f"  - id: {OUTLET_ID}",
        f"    feeds: [{base_url}/{FEED}]",
        "    timezone: Europe/Berlin",
        "    language: de",
        "    allow_private: true  # the replay server listens on 127.0.0.1",
    ]


def feed() -> str:
    items = "".join(
        f"<item><title>{html.escape(title)}</title><link>/{path}</link></item>"
        for path, title in ((ARTICLE, ARTICLE_TITLE), (TICKER, TICKER_TITLE))
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<rss version="2.0"><channel><title>Demo-Blatt</title>{items}</channel></rss>\n'
    )


def article() -> str:
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in ARTICLE_TEXT)
    return _page(
        ARTICLE_TITLE, f"<article><h1>{html.escape(ARTICLE_TITLE)}</h1>{paragraphs}</article>"
    )


def render_microdata(entries: Sequence[DemoEntry]) -> str:
    updates = "\n".join(_update(e) for e in entries)
    blog = (
        f'<div itemscope itemtype="{_SCHEMA}/LiveBlogPosting">'
        f'<h1 itemprop="headline">{html.escape(TICKER_TITLE)}</h1>\n{updates}\n</div>'
    )
    return _page(TICKER_TITLE, blog)


def _update(entry: DemoEntry) -> str:
    modified = entry.modified
    return (
        f'<article id="eintrag-{entry.number}" itemprop="liveBlogUpdate" itemscope '
        f'itemtype="{_SCHEMA}/BlogPosting">'
        f'<time itemprop="datePublished" datetime="{entry.published.isoformat()}">'
        f"{entry.published:%H:%M} Uhr</time>"
        + (f'<meta itemprop="dateModified" content="{modified.isoformat()}">' if modified else "")
        + f'<h2 itemprop="headline">{html.escape(entry.headline)}</h2><div itemprop="articleBody">'
        + "".join(f"<p>{html.escape(p)}</p>" for p in entry.body.split("\n\n"))
        + "</div></article>"
    )


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="de"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)} | Demo-Blatt</title></head>\n"
        f"<body><main>\n{body}\n</main></body></html>\n"
    )
