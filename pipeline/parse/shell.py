"""Is a static page a ticker *shell*, whose entries only a browser running its scripts
would see? (`render: auto`, pipeline.fetch.render.)

Three generic signs, each with the reason it was seen:

1. schema.org `LiveBlogPosting` data that carries no updates;
2. the embed of a ticker platform (a script or iframe whose address names one of
   `PLATFORMS`): the ticker lives on the platform and is built in the page;
3. a page that calls itself a live ticker or live blog (title, a heading, its URL, class
   names) while static extraction found fewer than two entries.

A list of platforms is a rule about platforms, not about publishers: no site is named.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from pipeline.models import ParsedPage

# Ticker platforms whose embeds build the entries in the browser, by the hosts (or
# file names) their scripts and iframes load from.
PLATFORMS: tuple[tuple[str, str], ...] = (
    ("Tickaroo", r"tickaroo\.com|^tickaroo-"),
    ("ScribbleLive", r"scribblelive\.com|scrbbl"),
    ("24liveblog", r"24liveblog\.com|LB24_LIVE"),
    ("Liveblog Pro", r"liveblog\.pro|liveblog\.sourcefabric"),
    ("Arena", r"arena\.im|arenalive"),
    ("CoverItLive", r"coveritlive\.com"),
    ("Norkon LiveCenter", r"livecenter\.norkon|norkon\.net"),
)
_EMBED = re.compile(
    r"<(?:script|iframe)\b[^>]*\bsrc\s*=\s*[\"']?([^\"'\s>]+)|<(tickaroo-[a-z-]+)|"
    r"\bid\s*=\s*[\"']?(LB24_LIVE[A-Z_]*)",
    re.IGNORECASE,
)
_PLATFORM = [(name, re.compile(pattern, re.IGNORECASE)) for name, pattern in PLATFORMS]
_LIVE_BLOG_TYPE = re.compile(r"[\"']@type[\"']\s*:\s*(?:\[[^\]]*)?[\"']LiveBlogPosting[\"']")
# What a ticker calls itself, in the languages tickerlake reads most.
_SELF = (
    r"live[\s_-]?(?:ticker|blog|updates?|coverage|news)|news[\s_-]?blog|minute[\s_-]by[\s_-]minute"
    r"|ticker|en[\s_-]direct|en[\s_-]vivo|na[\s_-]żywo|relacja[\s_-]na[\s_-]żywo|diretta"
)
_SELF_WORDS = re.compile(rf"(?<![a-z])(?:{_SELF})", re.IGNORECASE)
# Class names say `ticker` for news crawls and share prices too: only the live words count.
_SELF_CLASSES = re.compile(rf"(?<![a-z])(?:{_SELF.replace('|ticker|', '|')})", re.IGNORECASE)
_HEADING = re.compile(r"<h1\b[^>]*>(.*?)</h1>", re.IGNORECASE | re.DOTALL)
_TITLE = re.compile(r"<title\b[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_CLASS_NAMES = re.compile(r"\b(?:class|id)\s*=\s*[\"']([^\"']*)[\"']", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]+>")
SCAN_BYTES = 2_000_000  # a shell is small; a huge page is read this far


def shell_reason(body: bytes, page: ParsedPage, url: str) -> str | None:
    """Why the page looks like a ticker shell that needs rendering, or None when static
    extraction is all it needs (it found entries, or nothing suggests a ticker)."""
    if page.parser in ("feed", "text") or len(page.entries) >= 2:
        return None
    html = body[:SCAN_BYTES].decode("utf-8", errors="replace")
    if _LIVE_BLOG_TYPE.search(html) and page.structured_count == 0:
        return "LiveBlogPosting data without updates"
    platform = embedded_platform(html)
    if platform is not None:
        return f"an embedded {platform} ticker"
    where = self_described(html, url)
    if where is not None:
        return f"calls itself a live ticker ({where}) but has {len(page.entries)} entries"
    return None


def embedded_platform(html: str) -> str | None:
    """The ticker platform whose script, iframe or element the page embeds."""
    for match in _EMBED.finditer(html):
        found = next(group for group in match.groups() if group)
        for name, pattern in _PLATFORM:
            if pattern.search(found):
                return name
    return None


def self_described(html: str, url: str) -> str | None:
    """Where the page calls itself a live ticker: title, heading, URL or class names."""
    places = (
        ("title", " ".join(_TITLE.findall(html))),
        ("heading", _TAGS.sub(" ", " ".join(_HEADING.findall(html)))),
        ("URL", urlsplit(url).path),
        ("class names", " ".join(_CLASS_NAMES.findall(html))),
    )
    for where, text in places:
        words = _SELF_CLASSES if where == "class names" else _SELF_WORDS
        if words.search(text):
            return where
    return None
