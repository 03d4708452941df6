"""Merge the entries a page lists in structured data with the entries it renders.

They are matched by anchor (a DOM id `block-123` matches a JSON-LD fragment `123`),
else by the clock as the page prints it (the structured time in the page's zone, to the
minute; the time of day alone when the rendered clock took its day from elsewhere), the
opening text choosing among entries of the same minute, else by the structured entry's
opening text appearing near the start of the rendered one (rendered text carries bylines
and relative times).

Structured entries come first and keep their content and exact time; a rendered twin
adds what only the HTML shows (the text a structured item left empty, pinned, key event,
summary, authors, a real headline). Rendered entries without a twin are kept when they
have content of their own, and any disagreement is reported on the page.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time
from zoneinfo import ZoneInfo

from pipeline.parse.context import PageContext, RawEntry
from pipeline.parse.identity import normalise
from pipeline.parse.timeparse import to_utc

_PREFIX = 40
_WINDOW = 300
_MIN_ANCHOR = 4
_MIN_TEXT = 20


def merge(
    structured: list[RawEntry], rendered: list[RawEntry], ctx: PageContext, warnings: list[str]
) -> list[RawEntry]:
    if not structured or not rendered:
        return structured or rendered
    clocks = _Clocks(structured, ctx)
    openings = [(_opening(raw), raw) for raw in structured]
    extra: list[RawEntry] = []
    for raw in rendered:
        twin = _by_anchor(raw, structured) or clocks.twin(raw) or _by_text(raw, openings)
        if twin is not None:
            _enrich(twin, raw)
        elif _substantial(raw):
            extra.append(raw)
    if len(structured) != len(rendered) or extra:
        warnings.append(
            f"structured data lists {len(structured)} entries, the HTML renders "
            f"{len(rendered)}; {len(rendered) - len(extra)} in both, {len(extra)} only in the HTML"
        )
    return [*structured, *extra]


def _substantial(raw: RawEntry) -> bool:
    """A rendered-only entry needs content of its own, not just a time and a byline."""
    return bool(raw.headline) or len(raw.body) >= _MIN_TEXT


def _opening(raw: RawEntry) -> str:
    return normalise(raw.body or raw.headline)[:_PREFIX]


def _starts(structured: RawEntry, text: str) -> bool:
    openings = (_opening(structured), normalise(structured.headline)[:_PREFIX])
    return any(opening and opening in text for opening in openings)


class _Clocks:
    """Structured entries by the wall clock the page prints for them; each is matched
    once."""

    def __init__(self, structured: list[RawEntry], ctx: PageContext) -> None:
        self._ctx = ctx
        self._zone = ZoneInfo(ctx.tz)
        self._by_minute: dict[datetime, list[RawEntry]] = defaultdict(list)
        self._by_time: dict[time, list[RawEntry]] = defaultdict(list)
        self._taken: set[int] = set()
        for raw in structured:
            wall = self._wall(raw)
            if wall is not None:
                self._by_minute[wall].append(raw)
                self._by_time[wall.time()].append(raw)

    def twin(self, rendered: RawEntry) -> RawEntry | None:
        wall = self._wall(rendered)
        if wall is None:
            return None
        found = self._pick(self._by_minute.get(wall, []), rendered)
        found = found or self._pick(self._by_time.get(wall.time(), []), rendered)
        if found is not None:
            self._taken.add(id(found))
        return found

    def _pick(self, candidates: list[RawEntry], rendered: RawEntry) -> RawEntry | None:
        """The candidate whose opening the rendered text starts with, else the first
        without text of its own (a structured item that left its text to the HTML), else
        the only one of that minute if it has no body (a headline, perhaps the page's,
        is no text to disagree with)."""
        free = [c for c in candidates if id(c) not in self._taken]
        text = normalise(f"{rendered.headline or ''} {rendered.body}")[:_WINDOW]
        by_text = next((c for c in free if _starts(c, text)), None)
        textless = next((c for c in free if not _opening(c)), None)
        only = free[0] if len(candidates) == len(free) == 1 and not free[0].body else None
        return by_text or textless or only

    def _wall(self, raw: RawEntry) -> datetime | None:
        """The entry's time as a wall clock in the page's zone, to the minute."""
        if raw.local_time is None:
            return None
        local = raw.local_time
        if local.tzinfo is None and raw.zone not in (None, self._ctx.tz):
            local = to_utc(local, raw.zone or self._ctx.tz)[0]
        if local.tzinfo is not None:
            local = local.astimezone(self._zone).replace(tzinfo=None)
        return local.replace(second=0, microsecond=0)


def _by_anchor(raw: RawEntry, structured: list[RawEntry]) -> RawEntry | None:
    if not raw.anchor:
        return None
    for candidate in structured:
        if candidate.anchor and _same_anchor(candidate.anchor, raw.anchor):
            return candidate
    return None


def _same_anchor(one: str, other: str) -> bool:
    short, long = sorted((one, other), key=len)
    return short == long or (len(short) >= _MIN_ANCHOR and long.endswith(short))


def _by_text(raw: RawEntry, openings: list[tuple[str, RawEntry]]) -> RawEntry | None:
    rendered = normalise(f"{raw.headline or ''} {raw.body}")[:_WINDOW]
    for opening, candidate in openings:
        if len(opening) >= _MIN_TEXT and opening in rendered:
            return candidate
    return None


def _cut_short(structured: str, rendered: str) -> bool:
    """The structured text is the rendered one cut short (`articleBody` limited to a few
    hundred characters, perhaps with an ellipsis)."""
    if len(rendered) <= len(structured):
        return False
    opening = normalise(structured).rstrip(" .…")
    return len(opening) >= _MIN_TEXT and normalise(rendered).startswith(opening)


def _enrich(twin: RawEntry, rendered: RawEntry) -> None:
    if not twin.body or _cut_short(twin.body, rendered.body):
        twin.body = rendered.body  # headline-only items too: the HTML holds the text
    if twin.local_time is None and rendered.local_time is not None:
        twin.local_time, twin.precision = rendered.local_time, rendered.precision
        twin.time_text, twin.zone, twin.tz_source = (
            rendered.time_text,
            rendered.zone,
            rendered.tz_source,
        )
    twin.twinned = True
    twin.pinned = twin.pinned or rendered.pinned
    twin.key_event = twin.key_event or rendered.key_event
    twin.summary = twin.summary or rendered.summary
    twin.authors = twin.authors or rendered.authors
    twin.anchor = twin.anchor or rendered.anchor
    twin.headline = twin.headline or rendered.headline
