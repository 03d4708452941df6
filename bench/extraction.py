"""Rendered-only extraction scored against the page's own structured data, on the real
live blogs in ../shared/realpages/liveblogs (read in place, never copied).

Each page's schema.org data is the ground truth, read here independently of the parser
(plain `json` over the JSON-LD blocks, else lxml over the microdata items). The page is
then parsed with that data REMOVED (`realpages.strip_structured`, `kind="html"`), so only
what it renders is left, as on a site that publishes no markup. A page without structured
data is scored against its index.tsv expected file when that lists timed entries (a
fundus-style file whose section headlines carry the clocks, with one day header), else
skipped with the reason.

Per page: recall (truth entries the page renders that were found), precision (entries
found that match a truth entry) and time (matched entries whose UTC minute equals the
truth's); the macro figures average the pages. A truth entry counts as rendered when its
body's opening is in the stripped page's visible text (the Mirror's JSON-LD lists 428
entries, its HTML only the newest 30; a headline alone is not enough, key-event lists link
entries the page no longer shows); one without text always counts. The fetch time is
the page's capture time from the index, else five minutes after its newest truth entry:
when production would have fetched it. Truth keys shared by several entries and one minute
stamped on every entry are dropped (`distinct`): they tell no entry apart.
"""

from __future__ import annotations

import html
import json
import re
import statistics
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import lxml.html

from bench import realpages
from bench.realpages import text_key
from pipeline.models import Entry
from pipeline.parse import parse_page

MATCH_WINDOW = 1000
# Articles have no capture time in their index: a fetch after all of them, as the tests use.
ARTICLES_FETCHED_AT = datetime(2026, 6, 1, tzinfo=UTC)
AFTER_NEWEST = timedelta(minutes=5)
MIN_ITEMS_FOR_SHARED = 3
# index.tsv's `captured` is the crawler's Berlin wall clock: the Express page's
# "21 mins ago" lands on its JSON-LD minute only when read so.
CAPTURE_ZONE = ZoneInfo("Europe/Berlin")
Tree = Any  # lxml.html.HtmlElement; lxml-stubs type its finders loosely


@dataclass(frozen=True, slots=True)
class Truth:
    """One ground-truth entry: its opening keys, the one that shows it is rendered (its
    body's: a headline alone may be a link in a key-events list), its UTC minute."""

    keys: frozenset[str]
    minute: datetime | None
    shown_by: str = ""


def run() -> dict[str, Any]:
    scores = [score_page(page) for page in realpages.pages("liveblogs")]
    scored = [s for s in scores if "skipped" not in s]
    result = {"pages": len(scores), "scored": len(scored), **macro(scored), "per_page": scores}
    for score in scores:
        print(f"  {score['file']}: {_line(score)}")
    print("macro:", {k: result[k] for k in ("recall", "precision", "time")})
    result["articles_de"] = articles()
    print("articles-de:", result["articles_de"])
    return result


def articles() -> dict[str, Any]:
    """The German articles, parsed as fetched: how many stay one-entry articles
    (`is_liveblog = false`, target 98 %), and how many of those whose expected output
    names a day get their page date on it (in Berlin)."""
    pages = realpages.pages("articles-de")
    single = on_day = dated = 0
    for page in pages:
        parsed = parse_page(page.content, page.url, fetched_at=ARTICLES_FETCHED_AT)
        single += not parsed.is_liveblog and len(parsed.entries) == 1
        day = realpages.expected_day(page)
        if day is not None:
            dated += 1
            published = parsed.published_at
            on_day += published is not None and published.astimezone(realpages.BERLIN).date() == day
    return {
        "pages": len(pages),
        "single_entry_articles": single,
        "single_entry_share": _ratio(single, len(pages)),
        "with_expected_day": dated,
        "page_date_on_expected_day": on_day,
        "page_date_share": _ratio(on_day, dated),
    }


def _line(score: dict[str, Any]) -> str:
    if "skipped" in score:
        return f"skipped: {score['skipped']}"
    return ", ".join(f"{k} {score[k]}" for k in ("truth_rendered", "found", "matched", "recall"))


def score_page(page: realpages.RealPage) -> dict[str, Any]:
    listed, origin = ground_truth(page)
    if not listed:
        return {"file": page.file, "skipped": origin}
    truth = distinct(listed)
    stripped = realpages.strip_structured(page.text)
    visible = text_key(realpages.visible_text(stripped), None)
    rendered = [t for t in truth if t.shown_by in visible]
    fetched_at = fetch_time(page.row, [t.minute for t in listed])
    parsed = parse_page(stripped.encode(), page.url, fetched_at=fetched_at, kind="html")
    pairs = match(rendered, parsed.entries)
    timed = [(t, e) for t, e in pairs if t.minute is not None]
    on_time = sum(t.minute == _minute(e.published_at) for t, e in timed)
    return {
        "file": page.file,
        "truth": origin,
        "parser": parsed.parser,
        "fetched_at": fetched_at.isoformat(),
        "truth_listed": len(listed),
        "truth_rendered": len(rendered),
        "found": len(parsed.entries),
        "matched": len(pairs),
        "recall": _ratio(len(pairs), len(rendered)),
        "precision": _ratio(len(pairs), len(parsed.entries)),
        "time": _ratio(on_time, len(timed)) if timed else None,
    }


def macro(scored: list[dict[str, Any]]) -> dict[str, Any]:
    """Mean and minimum over the scored pages of each figure."""
    figures: dict[str, Any] = {}
    for name in ("recall", "precision", "time"):
        values = [s[name] for s in scored if s[name] is not None]
        figures[name] = round(statistics.fmean(values), 3) if values else None
        figures[f"min_{name}"] = min(values) if values else None
    return figures


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 3) if whole else 0.0


# --- ground truth -------------------------------------------------------------------------


def ground_truth(page: realpages.RealPage) -> tuple[list[Truth], str]:
    """The page's truth entries and where they came from, or [] and why there are none."""
    tree = lxml.html.fromstring(page.content.decode("utf-8"))
    for origin, items in (("json-ld", json_ld_truth(tree)), ("microdata", microdata_truth(tree))):
        if items:
            return items, origin
    expected = page.row.get("expected") or ""
    if not expected:
        return [], "no structured data and no expected file"
    path = realpages.folder("liveblogs") / expected
    return expected_truth(path, page.row)


def distinct(truth: list[Truth]) -> list[Truth]:
    """What tells the entries apart: a key several items share (the page's own headline
    repeated in every update) names none of them, an item with no other text is left out,
    and one minute on every item (the Guardian stamps all its updates with the page's
    time) is no entry's time."""
    counts = Counter(k for t in truth for k in t.keys)
    minutes = {t.minute for t in truth}
    same_minute = len(truth) >= MIN_ITEMS_FOR_SHARED and len(minutes) == 1
    told_apart = [(t, frozenset(k for k in t.keys if counts[k] == 1)) for t in truth]
    return [
        Truth(keys, None if same_minute else t.minute, _shown_by(keys, t.shown_by))
        for t, keys in told_apart
        if keys or not t.keys  # an item whose every text is shared cannot be identified
    ]


def _shown_by(keys: frozenset[str], preferred: str) -> str:
    return preferred if preferred in keys else min(keys, default="")


def json_ld_truth(tree: Tree) -> list[Truth]:
    updates = [u for value in _json_ld_values(tree) for u in _live_blog_updates(value)]
    return [
        _truth(u.get("headline"), u.get("articleBody"), u.get("datePublished")) for u in updates
    ]


def _json_ld_values(tree: Tree) -> Iterator[Any]:
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() == "application/ld+json":
            try:
                yield json.loads(script.text or "")
            except ValueError:
                continue


def _live_blog_updates(value: Any) -> Iterator[dict[str, Any]]:
    for obj in realpages.json_objects(value):
        if "LiveBlogPosting" in str(obj.get("@type")):
            raw = obj.get("liveBlogUpdate") or []
            yield from (u for u in (raw if isinstance(raw, list) else [raw]) if isinstance(u, dict))


def microdata_truth(tree: Tree) -> list[Truth]:
    blogs = tree.xpath("//*[contains(@itemtype, 'LiveBlogPosting')]")
    if not blogs:
        return []
    items = blogs[0].xpath(".//*[@itemprop='liveBlogUpdate']") or blogs[0].xpath(
        ".//*[contains(@itemtype, 'BlogPosting') or contains(@itemtype, 'NewsArticle')]"
    )
    return [
        _truth(_prop(i, "headline"), _prop(i, "articleBody"), _prop(i, "datePublished"))
        for i in items
    ]


def _prop(item: Tree, name: str) -> str | None:
    found = item.xpath(f".//*[@itemprop='{name}']")
    if not found:
        return None
    tag = found[0]
    return str(tag.get("content") or tag.get("datetime") or tag.text_content())


_CLOCK_HEADLINE = re.compile(r"^(\d{1,2})[.:](\d{2})\s*Uhr:?\s*(.+)$")
_GERMAN_DAY = re.compile(r"(\d{1,2})\.\s*([A-Za-zä]+)\s+(\d{4})")
_GERMAN_MONTHS = [
    "januar",
    "februar",
    "märz",
    "april",
    "mai",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "dezember",
]


def expected_truth(path: Path, row: dict[str, str]) -> tuple[list[Truth], str]:
    """Timed entries of a fundus-style expected file: section headlines `HH.MM Uhr: …`
    under one day header, German wall clock (Europe/Berlin)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    version = _matched_version(row, data)
    if version is None or row.get("language") != "de":
        return [], f"{path.name}: no German fundus version with sections"
    headlines = [" ".join(s.get("headline") or []) for s in version["body"]["sections"]]
    days = [d for d in (_german_day(h) for h in headlines) if d is not None]
    clocks = [m for m in (_CLOCK_HEADLINE.match(h) for h in headlines) if m]
    if len(set(days)) != 1 or not clocks:
        return [], f"{path.name}: lists no timed entries under one day header"
    zone = ZoneInfo("Europe/Berlin")
    return [_clock_truth(m, days[0], zone) for m in clocks], f"expected file {path.name}"


def _matched_version(row: dict[str, str], data: dict[str, Any]) -> dict[str, Any] | None:
    found = re.search(r"matched by title: (\w+)", row.get("expected_note") or "")
    version = data.get(found.group(1)) if found else None
    return version if isinstance(version, dict) and "body" in version else None


def _german_day(text: str) -> datetime | None:
    found = _GERMAN_DAY.search(text)
    if not found or found.group(2).lower() not in _GERMAN_MONTHS:
        return None
    month = _GERMAN_MONTHS.index(found.group(2).lower()) + 1
    return datetime(int(found.group(3)), month, int(found.group(1)))  # noqa: DTZ001 - a day


def _clock_truth(found: re.Match[str], day: datetime, zone: ZoneInfo) -> Truth:
    local = day.replace(hour=int(found.group(1)), minute=int(found.group(2)), tzinfo=zone)
    key = text_key(found.group(3))
    return Truth(frozenset({key}), local.astimezone(UTC), key)


def _truth(headline: object, body: object, published: object) -> Truth:
    title, text = text_key(_plain(headline)), text_key(_plain(body))
    return Truth(
        frozenset(k for k in (title, text) if k), _minute(_aware(published)), text or title
    )


def _plain(value: object) -> str:
    text = html.unescape(str(value or ""))
    if "<" not in text:
        return text
    return str(lxml.html.fragment_fromstring(text, create_parent="div").text_content())


def _aware(value: object) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


# --- matching -----------------------------------------------------------------------------


def _minute(moment: datetime | None) -> datetime | None:
    return moment.astimezone(UTC).replace(second=0, microsecond=0) if moment else None


def match(truth: list[Truth], entries: list[Entry]) -> list[tuple[Truth, Entry]]:
    """Each truth entry paired with the first free entry containing one of its opening
    keys; a truth entry without text with the first free entry of its minute."""
    free = {id(e): (e, text_key(f"{e.headline or ''} {e.body}", MATCH_WINDOW)) for e in entries}
    pairs = []
    for item in truth:
        twin = next((e for e, text in free.values() if _same(item, e, text)), None)
        if twin is not None:
            del free[id(twin)]
            pairs.append((item, twin))
    return pairs


def _same(item: Truth, entry: Entry, text: str) -> bool:
    if item.keys:
        return any(k in text for k in item.keys)
    return item.minute is not None and item.minute == _minute(entry.published_at)


def fetch_time(row: dict[str, str], published: list[datetime | None]) -> datetime:
    """When production would have fetched the page: its capture time, else five minutes
    after the newest of the `published` times."""
    try:
        captured = datetime.fromisoformat(row.get("captured") or "")
        return captured.replace(tzinfo=CAPTURE_ZONE).astimezone(UTC)
    except ValueError:
        times = [t for t in published if t is not None]
        return max(times) + AFTER_NEWEST if times else datetime(2026, 6, 1, tzinfo=UTC)
