"""Merge the entries a page lists in structured data with the entries it renders.

They are matched by anchor (a DOM id `block-123` matches a JSON-LD fragment `123`),
else by minute and opening text, else by the structured entry's opening text appearing
near the start of the rendered one (rendered text carries bylines and relative times).

Structured entries come first and keep their content; a rendered twin adds what only
the HTML shows (pinned, key event, summary, authors, a real headline). Rendered entries
without a twin are kept when they have content of their own, and any disagreement is
reported on the page.
"""

from __future__ import annotations

from datetime import datetime

from pipeline.identity import normalise
from pipeline.parse.context import PageContext, RawEntry
from pipeline.timeparse import to_utc

_PREFIX = 40
_WINDOW = 300
_MIN_ANCHOR = 4
_MIN_TEXT = 20


def merge(
    structured: list[RawEntry], rendered: list[RawEntry], ctx: PageContext, warnings: list[str]
) -> list[RawEntry]:
    if not structured or not rendered:
        return structured or rendered
    by_key = {_key(raw, ctx): raw for raw in structured}
    openings = [(normalise(raw.body or raw.headline)[:_PREFIX], raw) for raw in structured]
    extra: list[RawEntry] = []
    for raw in rendered:
        twin = _by_anchor(raw, structured) or by_key.get(_key(raw, ctx)) or _by_text(raw, openings)
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


def _key(raw: RawEntry, ctx: PageContext) -> tuple[datetime | None, str]:
    moment = (
        to_utc(raw.local_time, ctx.tz)[0].replace(second=0, microsecond=0)
        if raw.local_time
        else None
    )
    return moment, normalise(raw.headline or raw.body)[:_PREFIX]


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


def _enrich(twin: RawEntry, rendered: RawEntry) -> None:
    twin.twinned = True
    twin.pinned = twin.pinned or rendered.pinned
    twin.key_event = twin.key_event or rendered.key_event
    twin.summary = twin.summary or rendered.summary
    twin.authors = twin.authors or rendered.authors
    twin.anchor = twin.anchor or rendered.anchor
    twin.headline = twin.headline or rendered.headline
