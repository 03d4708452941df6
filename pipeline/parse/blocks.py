"""Generic ticker detection for pages without markup: repeated blocks that open with a
time marker.

1. Every `<time>` element and every text that starts with a marker (see `markers`) is a
   candidate. Candidates are grouped into series by the tag/class path above them, so a
   ticker's entries form one series and a sidebar of teasers another.
2. For each series, an entry's block is the largest element holding that one marker
   only. In flat layouts (a time-marked heading followed by paragraphs, as on BR24) the
   block is the heading and the entry runs on over the following siblings.
3. The series with the most entry text wins; short, link-heavy series (teaser lists)
   never do, so ordinary articles stay articles.

Clock-only markers take their day from the nearest day header above them
(`Dienstag, 27. August 2024`), else from the page's own date (modified time, a dateline
outside the ticker, publishing date), else the fetch day, rolled back over midnight. On
pages without structured data, times in attributes (`title`, `data-*`) count where the
text has none or only relative ones.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from itertools import chain, pairwise
from statistics import median
from typing import NamedTuple, TypedDict, cast
from urllib.parse import urlsplit

import lxml.etree

from pipeline.parse.context import RawEntry
from pipeline.parse.html_text import (
    TEXT_PATH,
    Element,
    classes,
    element_text,
    text_nodes,
    text_of,
    tidy,
    words_of,
)
from pipeline.parse.markers import (
    DAYS_AGO,
    HALF_DAY,
    SLACK,
    STAMP_PATH,
    Marker,
    line_clock,
    minutes,
    moment_on,
    printed_day,
    read_marker,
    stamp_marker,
    stamp_time,
    time_element,
)
from pipeline.parse.timeparse import parse_day_header

_TEXTS = lxml.etree.XPath(TEXT_PATH)
_TEXTS_AND_STAMPS = lxml.etree.XPath(f"{TEXT_PATH} | {STAMP_PATH}")
MIN_ENTRIES = 2
_MAX_HEADER = 80  # a day header or dateline is a short line
_MIN_PRINTED_STAMP = 8
_EPOCH_NEAR = timedelta(days=1)
MIN_MEDIAN_CHARS = 40
# A marker that says it is an edit's time, in the languages read.
_EDITED = re.compile(
    r"(?:updated?|aktualisiert|stand|mis à jour|actualizado|aggiornato|bijgewerkt"
    r"|zaktualizowano|atualizado)\b",
    re.I,
)
# A paragraph this short, in this many entries (and a quarter of them), is the template's.
_MAX_CHROME = 40
_MIN_CHROME = 3
# Two to four capitalised words: a reporter's name (`Jane Doe`, `Sean O'Brien`).
_NAME = re.compile(r"[A-ZÀ-Þ][\w'’.-]+(?: [A-ZÀ-Þ][\w'’.-]+){1,3}")
MAX_LINK_SHARE = 0.5
_SKIP = {"script", "style", "noscript", "template", "nav", "footer", "form", "select", "option"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_INLINE = {"b", "strong", "i", "em", "u", "span", "font", "small", "mark"}
_FLAT = _HEADINGS | _INLINE | {"p", "time", "dt"}
# How a marker's text may open after its first letter (see `markers`), in the languages
# read; a digit or `+` opens one without more ado.
_OPENINGS = (
    *("posted", "updated", "published", "aktualisiert", "veröffentlicht", "stand"),
    *("mis à jour", "publié", "actualizado", "publicado", "aggiornato", "pubblicato"),
    *("bijgewerkt", "gepubliceerd", "zaktualizowano", "opublikowano", "atualizado"),
    *("vor ", "il y a", "hace ", "há ", "an? ", "one ", "une? ", "un[oa']", "uma? ", "een "),
    *("minut", "godzin", "sekund"),
    *("just", "gerade", "soeben", "à l'instant", "ahora mismo", "justo ahora", "proprio ora"),
    *("poco fa", "zojuist", "przed chwilą", "agora mesmo"),
    *("um ", "ore ", "alle ", "a las ", "à ", "às ", "om ", "o ", "godz", "at "),
    *DAYS_AGO,
)
# One small pattern per first letter, matched on the lowered opening: texts are tried
# against the few openings their letter allows, not against all of them (the search
# through every text of a page is the scan's largest cost after libxml2's).
_OPENING_BY_LETTER = {
    letter: re.compile("|".join(o for o in _OPENINGS if o[0] == letter))
    for letter in {o[0] for o in _OPENINGS}
}
# A word, then a number: a date that opens with a weekday or month name (`Aug. 15, 2025,
# 9:04 AM`, `Fr, 15.08.2025, 11:04`).
_DATED_START = re.compile(r"[^\W\d_]{2,12}\.?,?\s+\d")
_HEAD = 24  # what the opening tests read of a text
_ASIDE_WORDS = (
    r"comment|kommentar|teaser|related|recommend|empfehl|sidebar|newsletter|disqus"
    r"|popular|trending|most-?_?read|meistgelesen"
)
# What HTML itself marks as beside the content: an `<aside>`, a complementary region
# (an entry's own `<aside>` holding its time is inside the entry, not beside the page's).
_ASIDE_TAGS = {"aside"}
_ASIDE_ROLES = {"complementary"}
_ASIDE = re.compile(_ASIDE_WORDS, re.I)
# ASCII names lowered, then matched case-sensitively: the same answer at a quarter of the
# cost of IGNORECASE, which folds every character it tries.
_ASIDE_LOWER = re.compile(_ASIDE_WORDS)
_DIGIT = re.compile(r"\d")
MIN_ORDERED = 0.75
MIN_ORDERED_ENTRIES = 5
# Containers a page declares, by standard markup, to be a list of live updates: AMP's
# live-blog component and ARIA's chronological live region. The page's own word that the
# series is a ticker, whatever order its entries' times are in (an editor's reordering).
_LIVE_TAGS = frozenset({"amp-live-list"})
_LIVE_ROLES = frozenset({"log"})
_FLAGS = {
    "pinned": ("pinned", "sticky"),
    "key_event": ("key-event", "keyevent", "key_event", "highlight"),
    "summary": ("summary", "zusammenfassung"),
}
# Badges printed inside an entry, one group per flag: one match per text finds any.
_LABEL_MAX = 40
_LABEL = re.compile(
    r"^\s*(?:(?P<pinned>pinned(?: post)?|angeheftet)|(?P<key_event>key events?|wichtig)"
    r"|(?P<summary>summary|zusammenfassung))\s*$",
    re.I,
)


@dataclass(slots=True)
class _Candidate:
    element: Element
    marker: Marker
    order: int
    block: Element | None = None


@dataclass(frozen=True, slots=True)
class PageClock:
    """The page's day and own time (naive local wall clock in `zone`, else in `page_zone`)
    and the fetch time. `stated`: the day is the page's own (its modified time), not the
    fetch's; `published`: the page's publishing day, the last of its own dates; `zone`:
    the zone the page's own dateline prints, for clocks that print none."""

    day: date
    reference: datetime
    fetched_at: datetime
    language: str | None = None
    stated: bool = False
    published: date | None = None
    zone: tzinfo | None = None
    page_zone: tzinfo = UTC


def marked_entries(
    root: Element,
    clock: PageClock,
    warnings: list[str],
    *,
    stamps: bool = True,
    notes: list[str] | None = None,
) -> list[RawEntry]:
    """The page's ticker entries by time markers, or [] when it has no ticker. A series
    that would have won but does not look like a ticker is reported in `warnings`.
    `stamps`: read times from attributes where the text has none or only relative ones
    (pages without structured data, whose entries have their times from it). `notes`
    collects, in the same pass over the page's texts, those that may be zone notes (they
    say "times": `zones.prose_zones`)."""
    series, headers = _ticker(root, clock, warnings, stamps, notes)
    if not series:
        return []
    if stamps:
        series = [_block_stamped(c, clock) for c in series]
    inside, own = _timing(series, headers, clock)
    own = _in_printed_zone(series, own)
    days = _days(series, inside, own)
    blocks = {_block(c) for c in series}
    timed = [_entry(c, day, blocks, own.zone) for c, day in zip(series, days, strict=True)]
    entries = _without_chrome(_with_untimed(series, timed))
    return [e for e in entries if e.body or e.headline]


def _without_chrome(entries: list[RawEntry]) -> list[RawEntry]:
    """Short paragraphs that recur in many entries are the template's, not the entries'
    (a reporter's name with no byline class, `KEY EVENT`, `Share`): left out of the
    bodies; one that reads as a name becomes the entry's author."""
    counts = Counter(
        p for e in entries for p in set(e.body.split("\n\n")) if p and len(p) <= _MAX_CHROME
    )
    chrome = {p for p, n in counts.items() if n >= _MIN_CHROME and n >= len(entries) / 4}
    for entry in entries if chrome else ():
        paragraphs = entry.body.split("\n\n")
        own = "\n\n".join(p for p in paragraphs if p not in chrome)
        if own or entry.headline:  # an entry of nothing but such text keeps it
            names = tuple(p for p in paragraphs if p in chrome and _NAME.fullmatch(p))
            entry.body, entry.authors = own, entry.authors or names
    return entries


def _ticker(
    root: Element, clock: PageClock, warnings: list[str], stamps: bool, notes: list[str] | None
) -> tuple[list[_Candidate], list[_Header]]:
    """The ticker's candidates and the page's day headers. When the text markers find no
    ticker, or one timed by relative text ("2 minutes ago"), the page is read again with
    the elements whose attributes hold exact times (`markers.STAMP_PATH`): a libxml2
    pass over every attribute costs as much again as the rest of the scan, so it is
    asked only then."""
    rejected: list[str] = []
    candidates, headers = _scan(root, clock, _TEXTS, notes)
    series = _best_series(_series(candidates), headers, clock, rejected)
    if stamps and (not series or any(c.marker.relative for c in series)):
        rejected = []
        candidates, headers = _scan(root, clock, _TEXTS_AND_STAMPS, None)
        series = _best_series(_series(candidates), headers, clock, rejected)
    warnings.extend(rejected)
    return series, headers


def _block_stamped(candidate: _Candidate, clock: PageClock) -> _Candidate:
    """A printed time gives way to an exact one in the entry block's own attributes
    (`<div data-sort-time=…>`): the page's record of when the entry was posted, where the
    printed time may be when it was last edited. An attribute named for an edit
    (`data-last-updated`) is no such record."""
    block = _block(candidate)
    if candidate.marker.stamped or block is candidate.element:
        return candidate
    stamp = stamp_marker(block, clock.fetched_at, posted=True)
    if stamp is None:
        return candidate
    return _Candidate(
        candidate.element, replace(stamp, text=candidate.marker.text), candidate.order, block
    )


def _with_untimed(series: list[_Candidate], timed: list[RawEntry]) -> list[RawEntry]:
    """Blocks shaped like the series' blocks, beside them, but with no time (a result
    table, a video) are entries too: nothing on the ticker is lost."""
    shape = _shape(_block(series[0]))
    if _block(series[0]).tag in _FLAT or any(_shape(_block(c)) != shape for c in series):
        return timed
    by_block = {_block(c): entry for c, entry in zip(series, timed, strict=True)}
    entries: list[RawEntry] = []
    for container in dict.fromkeys(_block(c).getparent() for c in series):
        for child in container if container is not None else ():
            if child in by_block:
                entries.append(by_block.pop(child))
            elif _shape(child) == shape:
                entries.append(_untimed(child))
    return [*entries, *by_block.values()]


def _shape(node: Element) -> tuple[str, str]:
    return str(node.tag), _first_class(node)


def _first_class(node: Element) -> str:
    names = classes(node)
    return names[0] if names else ""


def _untimed(block: Element) -> RawEntry:
    heading = _heading_in(block)
    headline = words_of(heading) if heading is not None else None
    paragraphs = [p for p in element_text(block).split("\n\n") if p != headline]
    anchor = block.get("id")
    return RawEntry(
        body="\n\n".join(paragraphs),
        headline=headline or None,
        anchor=anchor if isinstance(anchor, str) and anchor else None,
        node=block,
        **_flags(block),
    )


class _Header(NamedTuple):
    """A text naming a day: a day header, or a dateline outside the ticker."""

    order: int
    day: date
    element: Element
    text: str


def _scan(
    root: Element, clock: PageClock, query: lxml.etree.XPath, notes: list[str] | None
) -> tuple[list[_Candidate], list[_Header]]:
    """Marker candidates and day headers, in document order. Elements that `query` adds
    to the texts are candidates timed by their attributes; their own text ("An hour
    ago") is no second candidate. Texts saying "times" go to `notes`."""
    candidates: list[_Candidate] = []
    headers: list[_Header] = []
    asides: dict[Element, bool] = {}
    stamped: Element | None = None
    for order, (parent, tag, text) in enumerate(text_nodes(root, _SKIP, query)):
        if not text:
            if _new_stamp(parent, stamped) and (stamp := stamp_marker(parent, clock.fetched_at)):
                stamped = parent
                if not _aside(parent, asides):
                    candidates.append(_Candidate(parent, stamp, order))
            continue
        if parent is stamped:
            continue
        if notes is not None and ("imes" in text or "IMES" in text):
            notes.append(text)
        found = _marker(parent, text, candidates, clock) if _opens(text, tag) else None
        if found is not None:
            if not _aside(found[0], asides):
                candidates.append(_Candidate(*found, order))
        elif len(text) <= _MAX_HEADER and (day := _day_header(text, clock)):
            headers.append(_Header(order, day, parent, text))
    return candidates, headers


def _opens(text: str, tag: str) -> bool:
    """Whether the text may open a time marker: most texts on a page cannot."""
    first = text[0]
    if tag == "time" or first.isdigit() or first == "+":
        return True
    head = text[:_HEAD].lower()
    pattern = _OPENING_BY_LETTER.get(head[0])
    if pattern is not None and pattern.match(head):
        return True
    return _DIGIT.search(head) is not None and _DATED_START.match(head) is not None


def _day_header(text: str, clock: PageClock) -> date | None:
    """The day a short text names: a date, or "today"/"yesterday" (`Heute`, `Gestern:`)
    as of the fetch."""
    if not _DIGIT.search(text):
        days_ago = DAYS_AGO.get(text.rstrip(": ").lower()) if len(text) <= _HEAD else None
        return None if days_ago is None else clock.reference.date() - timedelta(days=days_ago)
    return parse_day_header(text, default_year=clock.day.year, language=clock.language)


def _new_stamp(element: Element, stamped: Element | None) -> bool:
    """Not inside the stamped element before it (an entry's `data-time` holding a
    `title` with the same time), and not a link or in one: a link's time is the linked
    page's (`<a href=… data-article-publish-date=…>` in an article's text)."""
    if element.tag == "a" or _in_link(element):
        return False
    return stamped is None or stamped not in element.iterancestors()


def _marker(
    parent: Element, text: str, candidates: list[_Candidate], clock: PageClock
) -> tuple[Element, Marker] | None:
    """The element a text marks as an entry's time, and what it says. Text below a
    `<time>` (`<time><span>10:04</span></time>`, no `datetime`) marks the `<time>`."""
    if parent.tag != "time":
        owner = next(parent.iterancestors("time"), None)
        if owner is None:
            whole = _alone(parent, text)
            found = read_marker(text, clock.fetched_at, whole=whole, language=clock.language)
            return (parent, found) if found else None
        parent = owner
    if candidates and candidates[-1].element is parent:
        return None
    found = time_element(parent, clock.fetched_at, clock.language)
    return (parent, found) if found else None


def _aside(node: Element, known: dict[Element, bool]) -> bool:
    """Inside comments, teaser lists or related links: dated, repeated, never a ticker.
    `known` holds the answers for elements already looked at: candidates share most of
    their ancestors."""
    below: list[Element] = []
    found = False
    for tag in chain((node,), node.iterancestors()):
        if tag in known:
            found = known[tag]
            break
        below.append(tag)
        if _aside_names(f"{tag.get('class') or ''} {tag.get('id') or ''}"):
            found = True
            break
    known.update(dict.fromkeys(below, found))
    return found


def _aside_names(names: str) -> bool:
    if names.isascii():
        return _ASIDE_LOWER.search(names.lower()) is not None
    return _ASIDE.search(names) is not None


def _alone(parent: Element, text: str) -> bool:
    return len(text) <= 12 and tidy(text_of(parent)) == text


def _series(candidates: list[_Candidate]) -> list[list[_Candidate]]:
    """Candidates grouped by the tag/class path above them."""
    groups: dict[tuple[str, ...], list[_Candidate]] = defaultdict(list)
    for candidate in candidates:
        groups[_signature(candidate.element)].append(candidate)
    return [_one_per_entry(group) for group in groups.values()]


def _signature(element: Element) -> tuple[str, ...]:
    path: list[str] = []
    node: Element | None = element
    while node is not None and len(path) < 4:
        # Inline wrappers say nothing about structure (and broken markup adds them:
        # `<b><h2>…</b></h2>` puts the heading inside the <b>).
        if node.tag not in _INLINE or node is element:
            # The first class only: modifiers (`entry entry--highlight`) vary in a series.
            name = "h" if node.tag in _HEADINGS else str(node.tag)  # h2 and h3 entries mix
            path.append(f"{name}.{_first_class(node)}")
        node = node.getparent()
    return tuple(path)


def _one_per_entry(group: list[_Candidate]) -> list[_Candidate]:
    """Drop a candidate that directly follows the previous one (`published` then
    `updated` in one byline), unless either holds more than its time (an entry whose own
    attribute holds the time, `<li>11:04: text</li>`)."""
    kept: list[_Candidate] = []
    for candidate in group:
        holds = candidate.marker.rest or (candidate.marker.stamped and len(candidate.element))
        if (
            kept
            and not holds
            and not kept[-1].marker.rest
            and _adjacent(kept[-1].element, candidate.element)
        ):
            continue
        kept.append(candidate)
    return kept


def _adjacent(first: Element, second: Element) -> bool:
    if first.tag in _HEADINGS or second.tag in _HEADINGS:
        return False
    return first.getnext() is second


def _best_series(
    groups: list[list[_Candidate]], headers: list[_Header], clock: PageClock, warnings: list[str]
) -> list[_Candidate]:
    best: list[_Candidate] = []
    best_score: tuple[bool, int, int, int] = (False, 0, 0, 0)
    rejected: list[tuple[tuple[bool, int, int, int], list[_Candidate], str]] = []
    for group in groups:
        if len(group) < MIN_ENTRIES and not _headlined(group):
            continue
        _assign_blocks(group)
        blocks = {_block(c) for c in group}
        lengths = [sum(_length(n) for n in _block_nodes(c, blocks)) for c in group]
        # Inside what the page marks as its main content first (a rail of timed stories
        # beside it may hold more text), then entry text; of two series marking the same
        # blocks, the one of posting times (not `Updated at 11:40`), then the exact one
        # (an attribute's time, not the relative text beside it).
        score = (
            _in_main(group),
            sum(min(n, 2000) for n in lengths),
            sum(not _EDITED.match(c.marker.text) for c in group),
            sum(_exact(c.marker) for c in group),
        )
        # The score first: a series that would lose anyway needs no closer look.
        if score <= best_score:
            continue
        reason = _not_a_ticker(group, lengths, headers, clock)
        if reason is None:
            best, best_score = group, score
        else:
            rejected.append((score, group, reason))
    warnings.extend(
        f"{len(group)} time-marked blocks ({_path(group[0].element)}) not read as a ticker: "
        f"{reason}"
        for score, group, reason in rejected
        if score > best_score
    )
    return best


def _exact(marker: Marker) -> bool:
    return marker.moment is not None and not marker.relative


def _path(element: Element) -> str:
    """The series' signature as a selector, outermost first: `ul.list > li > time`."""
    return " > ".join(step.rstrip(".") for step in reversed(_signature(element)))


def _headlined(group: list[_Candidate]) -> bool:
    """Headings that open with a time and go on with a headline (`12.31 Uhr: …`): the
    ticker form itself, trusted even for a single entry and short texts."""
    return all(c.marker.rest and c.element.tag in _HEADINGS for c in group)


def _not_a_ticker(
    group: list[_Candidate], lengths: list[int], headers: list[_Header], clock: PageClock
) -> str | None:
    """Why the series is no ticker (entries with text of their own, in time order, not a
    list of links elsewhere), or None when it is one."""
    if median(lengths) < MIN_MEDIAN_CHARS and not _headlined(group):
        return f"median entry text {median(lengths):.0f} characters (< {MIN_MEDIAN_CHARS})"
    # Order before the tests that read the blocks' text again.
    in_order, timed, times = _in_order(group, headers, clock)
    if in_order < MIN_ORDERED * timed and not _declared_live(group):
        return f"only {in_order} of {timed} entries in time order (< {MIN_ORDERED:.0%})"
    if times == 1 and timed == len(group) > 1:
        return f"all {timed} entries at one time (a dateline printed again)"
    if _beside_content(group):
        return "inside what the page marks as beside its content (<aside>, complementary)"
    if (share := _link_share(group)) > MAX_LINK_SHARE:
        return f"{share:.0%} of the text in links (> {MAX_LINK_SHARE:.0%})"
    if (share := _linked_headings(group)) > MAX_LINK_SHARE:
        return f"{share:.0%} of the headings link elsewhere (> {MAX_LINK_SHARE:.0%})"
    return None


def _in_main(group: list[_Candidate]) -> bool:
    """The whole series sits in the page's `<main>` (or `role="main"`)."""
    return any(
        node.tag == "main" or node.get("role") == "main" for node in _common_ancestors(group)
    )


def _beside_content(group: list[_Candidate]) -> bool:
    """The whole series sits in one `<aside>` or complementary region: a sidebar's list."""
    return any(
        node.tag in _ASIDE_TAGS or node.get("role") in _ASIDE_ROLES
        for node in _common_ancestors(group)
    )


def _common_ancestors(group: list[_Candidate]) -> Iterator[Element]:
    last = set(_block(group[-1]).iterancestors())
    return (node for node in _block(group[0]).iterancestors() if node in last)


def _declared_live(group: list[_Candidate]) -> bool:
    """The series sits in one container the page marks up as a live list
    (`<amp-live-list>`, `role="log"`): all its blocks inside, none outside."""
    return any(
        node.tag in _LIVE_TAGS or node.get("role") in _LIVE_ROLES
        for node in _common_ancestors(group)
    )


def _linked_headings(group: list[_Candidate]) -> float:
    """Share of blocks whose heading links elsewhere: teasers for other articles. Links
    to one page (`/live#p1`, `/live?post=2`: a ticker's permalinks to its own entries)
    or to a fragment of this one are no teasers' links."""
    headings = (_heading_in(_block(candidate)) for candidate in group)
    hrefs = [href for h in headings if h is not None and (href := _link_of(h)) is not None]
    pages = {urlsplit(href).path for href in hrefs if not href.startswith("#")}
    return len(hrefs) / len(group) if len(pages) > 1 else 0.0


def _in_order(
    group: list[_Candidate], headers: list[_Header], clock: PageClock
) -> tuple[int, int, int]:
    """How many of the timed entries lie in one time direction (newest or oldest first),
    how many are timed, and at how many distinct times. Judged on resolved times, day
    and clock, so that day boundaries are no steps back; a pinned or late-inserted entry
    costs only itself. Fewer than `MIN_ORDERED_ENTRIES` say nothing about order (a day
    header may sit between)."""
    days = _days(group, *_timing(group, headers, clock))
    keys = [
        moment.replace(tzinfo=None)
        for c, day in zip(group, days, strict=True)
        if (moment := moment_on(c.marker, day)) is not None
    ]
    if len(keys) < MIN_ORDERED_ENTRIES:
        return len(keys), len(keys), len(set(keys))
    return max(_monotone(keys), _monotone(keys[::-1])), len(keys), len(set(keys))


def _monotone(keys: list[datetime]) -> int:
    """The length of the longest run of `keys`, not necessarily adjacent, that never goes
    back in time (patience sorting)."""
    tails: list[datetime] = []
    for key in keys:
        at = bisect_right(tails, key)
        tails[at : at + 1] = [key]
    return len(tails)


def _assign_blocks(group: list[_Candidate]) -> None:
    """Each candidate's block: its largest ancestor that holds no other candidate, or
    the marked heading itself."""
    counts: dict[Element, int] = defaultdict(int)
    for candidate in group:
        for ancestor in candidate.element.iterancestors():
            counts[ancestor] += 1
    for candidate in group:
        block = candidate.element
        # A time-marked heading is the flat form: its entry runs on over its siblings
        # (those of an inline wrapper it is alone in, for broken markup).
        while _headlined([candidate]) and (wrapper := _inline_wrapper(block)) is not None:
            block = wrapper
        while (
            not _headlined([candidate])
            and (parent := block.getparent()) is not None
            and counts[parent] == 1
        ):
            block = parent
        candidate.block = block


def _inline_wrapper(node: Element) -> Element | None:
    """The inline element `node` is alone in, if any."""
    parent = node.getparent()
    return parent if parent is not None and parent.tag in _INLINE and len(parent) == 1 else None


def _block_nodes(candidate: _Candidate, blocks: set[Element]) -> list[Element]:
    """The block, plus its following siblings when the block is only a marked heading
    or line (flat layout), up to the next block or heading (a day header; a lower
    heading right under a marked one is the entry's headline)."""
    block = _block(candidate)
    nodes = [block]
    if block.tag in _FLAT:
        for sibling in block.itersiblings():
            if not isinstance(sibling.tag, str):
                continue
            if sibling.tag in _SKIP or _holds_block(sibling, blocks):
                break
            if sibling.tag in _HEADINGS and not (len(nodes) == 1 and _below(sibling, block)):
                break
            nodes.append(sibling)
    return nodes


def _sub_heading(block: Element) -> str | None:
    """The text of a lower heading right under a marked heading (`<h2>11:04</h2><h3>…`)."""
    following = next((n for n in block.itersiblings() if isinstance(n.tag, str)), None)
    if following is None or following.tag not in _HEADINGS or not _below(following, block):
        return None
    return words_of(following) or None


def _below(heading: Element, block: Element) -> bool:
    """A heading of a lower level right under a marked heading (`<h2>11:04</h2><h3>…`):
    the entry's own headline, not the next entry's or a day's."""
    return block.tag in _HEADINGS and str(heading.tag) > str(block.tag)


def _holds_block(node: Element, blocks: set[Element]) -> bool:
    return node in blocks or any(d in blocks for d in node.iterdescendants())


def _block(candidate: _Candidate) -> Element:
    return candidate.block if candidate.block is not None else candidate.element


def _length(node: Element) -> int:
    return len("".join(text_of(node).split()))


def _heading_in(node: Element) -> Element | None:
    return next(node.iterdescendants(*_HEADINGS), None)


def _link_of(node: Element) -> str | None:
    """Where the link in or around `node` leads."""
    link = next(node.iterdescendants("a"), None)
    if link is None or link.get("href") is None:
        link = next(node.iterancestors("a"), None)
    return link.get("href") if link is not None else None


def _in_link(node: Element) -> bool:
    return next(node.iterancestors("a"), None) is not None


def _link_share(group: list[_Candidate]) -> float:
    total = linked = 0
    for candidate in group:
        block = _block(candidate)
        size = len(text_of(block))
        total += size
        linked += sum(len(text_of(a)) for a in block.iterdescendants("a"))
        if _in_link(block):
            linked += size
    return linked / total if total else 1.0


def _within(headers: list[_Header], series: list[_Candidate]) -> list[_Header]:
    """Day headers inside the ticker: the smallest element holding all its blocks'
    parents."""
    first, last = _block(series[0]).getparent(), _block(series[-1]).getparent()
    if first is None or last is None:
        return []
    above_first = {first, *first.iterancestors()}
    container = next((t for t in (last, *last.iterancestors()) if t in above_first), None)
    if container is None:
        return []
    return [h for h in headers if h.element is container or container in h.element.iterancestors()]


def _timing(
    series: list[_Candidate], headers: list[_Header], clock: PageClock
) -> tuple[list[_Header], PageClock]:
    """The day headers inside the ticker, and the page's own day for clocks none of them
    dates: its modified time, else a dateline printed outside the ticker ("Last Updated:
    21:25 GMT Sunday, 16 February 2014", with its zone), else its publishing day, else
    the fetch."""
    inside = _within(headers, series)
    if clock.stated:
        return inside, clock
    line = _dateline([h for h in headers if h not in inside])
    if line is not None:
        day, printed, zone = line
        reference = datetime.combine(day, printed) if printed else _end_of(day, clock)
        return inside, replace(clock, day=day, reference=reference, zone=zone, stated=True)
    if clock.published is not None:
        return inside, replace(
            clock, day=clock.published, reference=_end_of(clock.published, clock)
        )
    return inside, clock


_UPDATED = re.compile(
    r"updat|aktualisier|mis à jour|actualiz|aggiornat|bijgewerkt|zaktualizowan|atualizad",
    re.IGNORECASE,
)


def _dateline(lines: list[_Header]) -> tuple[date, time | None, tzinfo | None] | None:
    """The page's own date, printed outside the ticker: the one day its datelines with a
    clock name, else the one day all of them name; None when they disagree."""
    clocked = [(h, found) for h in lines if (found := line_clock(h.text)) is not None]
    if len({h.day for h, _ in clocked}) == 1:
        header, (printed, zone) = clocked[0]
        # Its clock bounds the entries only when it is the page's last update: a
        # publication time ("28 Września 2020, 18:00") comes before the entries.
        return header.day, printed if _UPDATED.search(header.text) else None, zone
    if not clocked and len({h.day for h in lines}) == 1:
        return lines[0].day, None, None
    return None


def _in_printed_zone(series: list[_Candidate], clock: PageClock) -> PageClock:
    """The page's day and time moved into the one zone its entries' clocks print (`23:50
    BST` on a page read in UTC): their midnight is crossed where those clocks cross it."""
    printed = {c.marker.zone for c in series if c.marker.clock is not None}
    if len(printed) != 1 or None in printed:
        return clock
    zone = cast(tzinfo, printed.pop())
    here = clock.zone or clock.page_zone
    reference = clock.reference.replace(tzinfo=here).astimezone(zone).replace(tzinfo=None)
    shift = reference.date() - clock.reference.date()
    return replace(clock, day=clock.day + shift, reference=reference)


def _end_of(day: date, clock: PageClock) -> datetime:
    """The last minute of `day`, or the fetch if earlier: no entry is later than either."""
    return min(datetime.combine(day, time(23, 59)), clock.reference)


def _days(series: list[_Candidate], headers: list[_Header], clock: PageClock) -> list[date]:
    """Each entry's day: printed with its time, else the nearest day header above it
    (between the entries, or in its own block), else the page's day rolled back over
    midnight."""
    blocks = {_block(c) for c in series}
    owners = {id(h): _block_holding(h.element, blocks) for h in headers}
    header_days = [
        _header_day(c.order, [h for h in headers if owners[id(h)] in (None, _block(c))])
        for c in series
    ]
    clocks = [
        c.marker.clock
        for c, h in zip(series, header_days, strict=True)
        if h is None and c.marker.clock
    ]
    order = range(len(series)) if _descending(clocks) else range(len(series) - 1, -1, -1)
    days: dict[int, date] = {}
    day, previous = clock.day, None
    for index in order:
        marker, header = series[index].marker, header_days[index]
        printed = printed_day(marker, clock.reference.date(), clock.day)
        if printed or header or marker.clock is None:
            days[index] = printed or header or day
            continue
        if _rolls_back(day, marker.clock, previous, clock.reference):
            day -= timedelta(days=1)
        days[index], previous = day, marker.clock
    return [days[i] for i in range(len(series))]


def _block_holding(element: Element, blocks: set[Element]) -> Element | None:
    """The entry block a day header sits in, if any: the date of a tweet embedded in one
    entry dates no other."""
    return next((node for node in (element, *element.iterancestors()) if node in blocks), None)


def _header_day(order: int, headers: list[_Header]) -> date | None:
    above = [h.day for h in headers if h.order < order]
    return above[-1] if above else None


def _rolls_back(day: date, clock: time, previous: time | None, reference: datetime) -> bool:
    """Newest first: a first entry after the page's time, or a clock more than half a
    day later than the entry above (00.30 then 23.50), is from the day before."""
    if previous is None:
        return datetime.combine(day, clock) > reference + SLACK
    return minutes(clock) - minutes(previous) > HALF_DAY


def _descending(clocks: list[time]) -> bool:
    """Page order, judged on steps shorter than half a day (midnight jumps excluded);
    newest first when undecided, as most tickers are."""
    steps = [minutes(b) - minutes(a) for a, b in pairwise(clocks)]
    return sum(-HALF_DAY <= s <= 0 for s in steps) >= sum(0 < s <= HALF_DAY for s in steps)


def _entry(candidate: _Candidate, day: date, blocks: set[Element], zone: tzinfo | None) -> RawEntry:
    marker = candidate.marker
    block = _block(candidate)
    headline = _headline(candidate)
    bylines = _bylines(block)
    authors = tuple(dict.fromkeys(bylines.values()))
    local_time = moment_on(marker, day, zone)
    return RawEntry(
        body=_body(candidate, {headline, *authors}, blocks, set(bylines), local_time),
        headline=headline,
        local_time=local_time,
        time_text=marker.text,
        precision=marker.precision,
        anchor=_anchor(candidate),
        authors=authors,
        tz_source="abbreviation" if marker.clock and (marker.zone or zone) else None,
        node=block,
        **_flags(block),
    )


def _headline(candidate: _Candidate) -> str | None:
    """The rest of a marked heading (`12.31 Uhr: Headline`), else the block's first
    heading, else a lower heading right under a marked one."""
    element, rest = candidate.element, candidate.marker.rest
    if rest and (element.tag in _HEADINGS or next(element.iterancestors(*_HEADINGS), None)):
        return rest
    block = _block(candidate)
    if block is element and not candidate.marker.stamped:  # a marked line, no heading in it
        return _sub_heading(block)
    heading = _heading_in(block)
    text = words_of(heading) if heading is not None else ""
    return text if text and not text.startswith(candidate.marker.text) else None


def _body(
    candidate: _Candidate,
    drop: set[str | None],
    blocks: set[Element],
    bylines: set[Element],
    local_time: datetime | None,
) -> str:
    """The block's text without the marker line, the headline and the bylines (left out
    as elements: a name glued to the time beside it, `2 hours agoJane Doe`, is no
    paragraph of its own), nor a badge the flags read, nor the entry's time printed as
    epoch seconds. A time from an attribute has no marker line, but the time its element
    prints ("An hour ago") is dropped too."""
    marker, stamped = candidate.marker, candidate.marker.stamped
    # A wall clock read as UTC is within a day of the entry's moment: near enough.
    near = local_time if local_time is None or local_time.tzinfo else local_time.replace(tzinfo=UTC)
    marker_line = (
        None if stamped and candidate.element is _block(candidate) else words_of(candidate.element)
    )
    paragraphs = [
        p
        for node in _block_nodes(candidate, blocks)
        for p in element_text(node, bylines).split("\n\n")
    ]
    kept: list[str] = []
    marker_lines: list[str] = []
    for paragraph in paragraphs:
        if (
            not paragraph
            or paragraph in drop
            or _LABEL.match(paragraph)  # a badge (`KEY EVENT`): a flag, not text
            or (stamped and _is_time_line(paragraph, marker))
            or (near is not None and _printed_epoch(paragraph, near))
        ):
            continue
        if paragraph == marker_line or (not stamped and _is_marker_line(paragraph, marker)):
            marker_lines.append(paragraph)
        else:
            kept.append(_after_marker(paragraph, marker))
    if not kept and marker_lines:  # `<li>11:04: Landed …</li>`: the text shares its line
        rest = _after_marker(marker_lines[0], marker)
        kept = [rest] if rest not in drop and rest != marker_lines[0] else []
    return "\n\n".join(p for p in kept if p)


def _after_marker(paragraph: str, marker: Marker) -> str:
    """The paragraph without the marker it opens with (`10:31 Uhr: text` → `text`)."""
    if not paragraph.startswith(marker.text):
        return paragraph
    return paragraph[len(marker.text) :].lstrip(" :|-–—·•,")


def _is_time_line(paragraph: str, marker: Marker) -> bool:
    """A short paragraph that is a time marker and nothing else, or the attribute's value
    printed (`1709417828`)."""
    if len(paragraph) >= _MIN_PRINTED_STAMP and paragraph in marker.text:
        return True
    if marker.moment is not None and _printed_epoch(paragraph, marker.moment):
        return True
    if marker.moment is None or len(paragraph) > _MAX_HEADER or not _opens(paragraph, ""):
        return False
    # Which moment a relative text is read against does not matter: only its shape does.
    printed = read_marker(paragraph, marker.moment, whole=True)
    return printed is not None and not printed.rest


def _printed_epoch(paragraph: str, moment: datetime) -> bool:
    """A paragraph that is an epoch time and nothing else, within a day of the entry's
    own: a script's input (a "time ago" widget's seconds) printed before it runs."""
    if len(paragraph) not in (10, 13) or not paragraph.isdigit():
        return False
    printed = stamp_time("time", paragraph, moment)
    return printed is not None and abs(printed - moment) <= _EPOCH_NEAR


def _is_marker_line(paragraph: str, marker: Marker) -> bool:
    """`12.31 Uhr: Headline`, `14:26 · Reporter` or `Published: 14:26`: a short line
    holding the marker. Compared with its spaces as the body's (a `12.50&nbsp;BST`
    marker in a paragraph whose spaces are plain)."""
    text = " ".join(marker.text.split())
    return text in " ".join(paragraph.split()) and len(paragraph) - len(text) < 80


def _anchor(candidate: _Candidate) -> str | None:
    """The DOM id of the block or of an element between it and the marker."""
    block = _block(candidate)
    between: list[Element] = []
    node: Element | None = candidate.element
    while node is not None and node is not block:
        between.append(node)
        node = node.getparent()
    ids = (node.get("id") for node in (block, *reversed(between)))
    return next((str(value) for value in ids if value), None)


def _bylines(block: Element) -> dict[Element, str]:
    """The block's byline elements that hold a name (a short text), with it."""
    named = ((node, words_of(node)) for node in block.iterdescendants("*") if _is_byline(node))
    return {node: name for node, name in named if name and len(name) <= 80}


def _is_byline(node: Element) -> bool:
    """Microdata, rel=author, or a class naming the author or byline. Tested in Python:
    libxml2's XPath takes three times as long for the same test."""
    names = node.get("class") or ""
    return (
        node.get("itemprop") == "author"
        or " author " in f" {node.get('rel') or ''} "
        or "author" in names
        or "Author" in names
        or "byline" in names
        or "Byline" in names
    )


class _Flags(TypedDict):
    pinned: bool
    key_event: bool
    summary: bool


def _flags(block: Element) -> _Flags:
    """pinned / key_event / summary: from the block's class names, or a badge printed in
    it (one pass over its short texts for all three)."""
    names = (block.get("class") or "").lower()
    found = {flag for flag, words in _FLAGS.items() if any(word in names for word in words)}
    for text in _short_texts(block):
        if label := _LABEL.match(text):
            found.add(str(label.lastgroup))
    return _Flags(
        pinned="pinned" in found, key_event="key_event" in found, summary="summary" in found
    )


def _short_texts(block: Element) -> Iterator[str]:
    # lxml's stubs allow bytes; an HTML tree parsed from text yields str only.
    return (t for t in cast(Iterator[str], block.itertext()) if len(t) < _LABEL_MAX)
