"""Links from a ticker page to the ticker's other (older) pages.

Live blogs that show only their newest entries link the rest as further pages. What
marks such a link is generic: `rel="next"` / `rel="prev"`, a page number in the query
(`?page=2`) or the path (`/page/2`), a page key with an opaque value (`?page=with:block-…`)
or a link text that says "older" in one of the languages we read. Only links that stay on
the ticker count: the same host, and the ticker's path or a path below it.

The result is ranked, likeliest older page first: explicit "older" links (rel=next, link
text), then numbered pages by number, then the rest (opaque page keys, rel=prev).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urldefrag, urljoin, urlsplit

from pipeline.parse.html_text import Element, words_of

__all__ = ["Pager", "older_pages", "page_number", "pager"]

PAGE_KEYS = frozenset(
    {"page", "p", "pg", "paged", "pagenum", "page_no", "seite", "pagina", "strona", "pag"}
)
_PAGE_PATH = re.compile(r"/(?:page|seite|pagina|strona|p)/(\d+)/?$", re.I)
# Link texts that mean "older entries" (de, en, fr, es, it, nl, pl, pt). "previous page"
# is left out: on a newest-first ticker it may as well point to newer entries.
_OLDER = re.compile(
    r"\b(?:older|earlier (?:posts|entries|updates)|previous (?:posts|entries|updates)"
    r"|load more|more (?:posts|entries|updates)"
    r"|ältere\w*|frühere (?:einträge|meldungen|beiträge)|weitere (?:einträge|meldungen|beiträge)"
    r"|mehr (?:einträge|meldungen|laden)"
    r"|plus (?:anciens|anciennes)|(?:entrées|messages|billets|articles) précédent(?:e?s)"
    r"|anteriores|más antigu[oa]s|cargar más"
    r"|precedenti|meno recenti|più vecch[ie]|carica altr[ie]"
    r"|oudere|eerdere (?:berichten|updates)|meer laden"
    r"|starsze|wcześniejsze|poprzednie wpisy"
    r"|mais antig[oa]s|carregar mais)\b",
    re.I,
)
_MAX_TEXT = 40  # a longer link text is a headline, not a pager
_EXPLICIT, _NUMBERED, _OTHER = 0, 1, 2
_ROOTED = ("http://", "https://", "/")


@dataclass(frozen=True, slots=True)
class _Candidate:
    rank: int
    number: int
    order: int
    url: str


def older_pages(root: Element, page_url: str, ticker_url: str) -> list[str]:
    """Links on the page (read from `page_url`) to other pages of the ticker at
    `ticker_url`, the likeliest older page first; never the page itself or page 1."""
    return [c.url for c in _ranked(root, page_url, ticker_url)]


@dataclass(frozen=True, slots=True)
class Pager:
    """`older` as `older_pages` gives them, and `explicit`: those that say they lead to
    older entries (`rel="next"`, an "older" link text). A reader that meets one of these
    again has gone round a loop, while an opaque page key or `rel="prev"` may as well
    lead back to newer pages."""

    older: list[str]
    explicit: list[str]


def pager(root: Element, page_url: str, ticker_url: str) -> Pager:
    """`older_pages` and which of them are explicit, from one pass over the links."""
    ranked = _ranked(root, page_url, ticker_url)
    return Pager([c.url for c in ranked], [c.url for c in ranked if c.rank == _EXPLICIT])


def _ranked(root: Element, page_url: str, ticker_url: str) -> list[_Candidate]:
    own = {_key(page_url), _key(ticker_url)}
    ticker = urlsplit(ticker_url)
    host, base = ticker.netloc.lower(), ticker.path.rstrip("/")
    best: dict[str, _Candidate] = {}
    for order, element in enumerate(root.iter("a", "link")):
        href = element.get("href")
        # An absolute or root-relative href without the ticker's path is off the ticker
        # (as `_off_ticker` would tell): a substring test first, as most links are such.
        if not href or (base not in href and href.startswith(_ROOTED)):
            continue
        if href.startswith(("#", "javascript:", "mailto:")) or _off_ticker(href, host, base):
            continue
        url = _key(urljoin(page_url, href.strip()))
        if url in own or not same_ticker(url, ticker_url):
            continue
        found = _classify(element, url, ticker_url, order)
        if found is not None and (url not in best or found.rank < best[url].rank):
            best[url] = found
    ranked = sorted(best.values(), key=lambda c: (c.rank, c.number, c.order))
    return [c for c in ranked if c.number != 1]


def _off_ticker(href: str, host: str, base: str) -> bool:
    """A link that cannot lead to the ticker (another host, or a root-relative path
    outside the ticker's), told without joining it: most links of a page lead elsewhere,
    and urljoin on each costs more than the rest of this module. Anything else is left
    to `same_ticker`."""
    if href.startswith(("http://", "https://", "//")):
        parts = href.split("/", 3)
        if len(parts) < 3 or parts[2].lower() != host:
            return len(parts) > 2
        href = "/" + (parts[3] if len(parts) > 3 else "")
    if not href.startswith("/") or not base:
        return False
    path = href.split("#", 1)[0].split("?", 1)[0]
    return path.rstrip("/") != base and not path.startswith(base + "/")


def _classify(element: Element, url: str, ticker_url: str, order: int) -> _Candidate | None:
    rel = (element.get("rel") or "").lower().split()
    number = page_number(url, ticker_url)
    sort_number = number if number is not None else 1 << 30
    if "next" in rel or (element.tag == "a" and _says_older(element)):
        return _Candidate(_EXPLICIT, sort_number, order, url)
    if number is not None:
        return _Candidate(_NUMBERED, number, order, url)
    if "prev" in rel or "previous" in rel or _has_page_key(url):
        return _Candidate(_OTHER, sort_number, order, url)
    return None


def _says_older(element: Element) -> bool:
    labels = (words_of(element), element.get("aria-label") or "", element.get("title") or "")
    return any(len(text) <= _MAX_TEXT and _OLDER.search(text) for text in labels if text)


def page_number(url: str, ticker_url: str) -> int | None:
    """The page number a URL states: `?page=3`, `/page/3`, or `/3` below the ticker."""
    parts = urlsplit(url)
    for key, value in parse_qsl(parts.query):
        if key.lower() in PAGE_KEYS and value.isdigit():
            return int(value)
    match = _PAGE_PATH.search(parts.path)
    if match:
        return int(match[1])
    rest = parts.path.removeprefix(urlsplit(ticker_url).path.rstrip("/") + "/").strip("/")
    return int(rest) if rest.isdigit() and rest != parts.path.strip("/") else None


def _has_page_key(url: str) -> bool:
    return any(key.lower() in PAGE_KEYS for key, _ in parse_qsl(urlsplit(url).query))


def same_ticker(url: str, ticker_url: str) -> bool:
    """Same host and port, and the ticker's path or a path below it (`/live/x/page/2`
    below `/live/x`). A ticker at a site's root admits only page-number paths."""
    link, ticker = urlsplit(url), urlsplit(ticker_url)
    if link.scheme not in ("http", "https") or link.netloc.lower() != ticker.netloc.lower():
        return False
    base = ticker.path.rstrip("/")
    path = link.path.rstrip("/")
    if path == base:
        return True
    if not base:
        return _PAGE_PATH.search(link.path) is not None
    return link.path.startswith(base + "/")


def _key(url: str) -> str:
    return urldefrag(url)[0]
