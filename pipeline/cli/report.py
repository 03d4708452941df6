"""`tickerlake report`: one self-contained HTML page about the warehouse, a few screens long.

Plots are inline SVG (pipeline.cli.plots), so the file needs no script, stylesheet or font
from the network. Every piece of text from the warehouse passes through `html.escape`;
the page carries no JavaScript at all. The SQL aggregates (counts per bucket, per pixel
column, the top rows only), so a warehouse of any size gives a page of bounded size.

Elements carry `data-*` attributes (data-section, data-source, data-substituted,
data-kind, data-col …) so a test can find them in the page Chromium rendered."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import duckdb

from pipeline.cli.output import interval_text
from pipeline.cli.plots import (
    SHAPES,
    UNIT_LENGTH,
    Scale,
    advance,
    esc,
    hatch,
    legend,
    mark,
    padded,
    radius,
    svg,
    when,
    x_axis,
)

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2")
KINDS = {"edited": ("#ff7f0e", "circle"), "deleted": ("#d62728", "cross"),
         "restored": ("#2ca02c", "triangle")}  # fmt: skip
# A source's bars count per hour up to 4 days of entries, per day up to half a year, then
# per week and beyond three years per month: at most about a hundred bars a plot.
BUCKET_UNITS = (("hour", 4), ("day", 180), ("week", 3 * 365))
MIN_BUCKETS = 12  # a plot spans at least this many buckets: one bucket is a bar, not a block
MAX_TIMELINES = 16
MAX_CHANGE_ROWS = 10
MAX_LINKED = 10
MAX_HEALTH = 25
TOP_STORIES = 10
EXCERPT = 170
MARK_COLUMN = 4  # px: marks closer than this are counted as one
CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1120px;color:#222}
h1{font-size:24px}h2{font-size:19px;margin-top:32px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;width:100%;margin:8px 0}
td,th{border:1px solid #ddd;padding:3px 6px;vertical-align:top;text-align:left}
th{background:#f4f4f4}.muted{color:#777}.num{text-align:right;white-space:nowrap}
svg.plot{display:block;background:#fff}
svg text{font:11px system-ui,sans-serif;fill:#333}svg text.muted{fill:#888}
.grid{display:flex;flex-wrap:wrap;gap:4px 20px}
figure{margin:6px 0}figcaption{font-size:13px}
.legend span{display:inline-block;margin-right:14px}.legend svg{margin-right:4px}
.failing{color:#b00}.meter{display:inline-block;height:8px;background:#d62728;margin-right:4px}
.meter.nm{background:#7f7f7f}td.t{white-space:nowrap}td.err{max-width:300px;font-size:12px}
tr.linked td{font-size:13px}
"""


def excerpt(text: str | None, limit: int = EXCERPT) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object] = ()) -> list[Any]:
    return con.execute(sql, list(params)).fetchall()


def styles(names: Sequence[str]) -> dict[str, tuple[str, str]]:
    """Name → (colour, shape): 7 colours × 6 shapes, so 42 names never share both."""
    return {
        name: (PALETTE[i % len(PALETTE)], SHAPES[i % len(SHAPES)])
        for i, name in enumerate(sorted(names))
    }


def section(name: str, title: str, *body: str) -> str:
    return f'<section data-section="{name}"><h2>{esc(title)}</h2>{"".join(body)}</section>'


def note(text: str, **data: str) -> str:
    attributes = "".join(f' data-{k}="{esc(v)}"' for k, v in data.items())
    return f'<p class="muted"{attributes}>{text}</p>'


# --- entries per source over time --------------------------------------------------


@dataclass(slots=True)
class Timeline:
    """One source's live entries counted per bucket: (timed, drawn at first fetch)."""

    source: str
    unit: str
    buckets: dict[datetime, list[int]] = field(default_factory=dict)

    @property
    def timed(self) -> int:
        return sum(b[0] for b in self.buckets.values())

    @property
    def substituted(self) -> int:
        return sum(b[1] for b in self.buckets.values())


def _unit_case(column: str) -> str:
    cases = " ".join(
        f"WHEN max({column}) - min({column}) <= INTERVAL {days} DAY THEN '{unit}'"
        for unit, days in BUCKET_UNITS
    )
    return f"CASE {cases} ELSE 'month' END"


def timeline_rows(con: duckdb.DuckDBPyConnection) -> tuple[list[Timeline], int]:
    """The `MAX_TIMELINES` sources with the newest entries, bucketed; and how many
    sources have live entries at all. An entry without a time counts at its first fetch."""
    found = rows(
        con,
        f"""
        WITH live AS (
            SELECT source_id, coalesce(published_at, first_seen_at) AS moment,
                   published_at IS NULL AS substituted
            FROM entries WHERE NOT is_deleted
        ), shown AS (
            SELECT source_id, {_unit_case("moment")} AS unit, count(*) OVER () AS sources
            FROM live GROUP BY source_id ORDER BY max(moment) DESC, source_id LIMIT {MAX_TIMELINES}
        )
        SELECT source_id, unit, date_trunc(unit, moment) AS bucket, substituted, count(*),
               any_value(sources)
        FROM live JOIN shown USING (source_id) GROUP BY ALL ORDER BY ALL
        """,
    )
    lines: dict[str, Timeline] = {}
    for source, unit, bucket, substituted, count, _ in found:
        line = lines.setdefault(source, Timeline(source, unit))
        line.buckets.setdefault(bucket, [0, 0])[1 if substituted else 0] += count
    return list(lines.values()), (found[0][5] if found else 0)


def timelines(con: duckdb.DuckDBPyConnection) -> str:
    lines, sources = timeline_rows(con)
    title = "Entries per source over time"
    if not lines:
        return section("timelines", title, note("No entries yet."))
    colors = styles([line.source for line in lines])
    more = sources - len(lines)
    return section(
        "timelines",
        title,
        note(
            "Live entries by publication time (UTC); each source on its own time range. "
            "Hatched: entries the page gives no time, drawn at the fetch that first saw them."
            + (f" {more} more sources with older entries are not drawn." if more else "")
        ),
        '<div class="grid">',
        *(timeline_plot(line, colors[line.source][0], i) for i, line in enumerate(lines)),
        "</div>",
    )


def timeline_plot(line: Timeline, color: str, index: int) -> str:
    width, height, left, base = 540, 150, 34, 98
    first = min(line.buckets)
    last = advance(max(line.buckets), line.unit)
    scale = Scale(*padded(first, last, MIN_BUCKETS * UNIT_LENGTH[line.unit]), left, width - 8)
    top = max(sum(b) for b in line.buckets.values())
    body = [
        hatch(f"hatch-{index}", color),
        f'<text x="{left - 4}" y="20" text-anchor="end">{top}</text>',
        f'<text x="{left - 4}" y="{base}" text-anchor="end">0</text>',
        *_bars(line, scale, (base - 16) / top, base, (color, f"url(#hatch-{index})")),
        x_axis(scale, base, f"published (UTC), entries per {line.unit}"),
    ]
    caption = f"<b>{esc(line.source)}</b> · {line.timed + line.substituted} live entries"
    if line.substituted:
        caption += f", {line.substituted} without a time (hatched)"
    plot = svg(width, height, f"{line.source}: entries per {line.unit}", body, unit=line.unit)
    return (
        f'<figure class="timeline" data-source="{esc(line.source)}" data-unit="{line.unit}">'
        f"<figcaption>{caption}</figcaption>{plot}</figure>"
    )


def _bars(
    line: Timeline, scale: Scale, per: float, base: float, fills: tuple[str, str]
) -> list[str]:
    """The stacked bars, published below and substituted (hatched) above, in one group
    that carries their colour: a hundred bars a plot, so each is kept short."""
    parts = [f'<g fill="{fills[0]}" stroke="{fills[0]}" stroke-width="0.5">']
    for bucket, counts in sorted(line.buckets.items()):
        x0, x1 = scale.x(bucket) + 0.5, scale.x(advance(bucket, line.unit)) - 0.5
        y = base
        for substituted, count in enumerate(counts):
            if not count:
                continue
            y -= count * per
            what = "drawn at first fetch" if substituted else "published"
            fill = f' fill="{fills[1]}"' if substituted else ""
            box = (
                f'x="{x0:.1f}" y="{y:.1f}" width="{max(x1 - x0, 1):.1f}" height="{count * per:.1f}"'
            )
            parts.append(
                f'<rect class="bar" data-substituted="{str(bool(substituted)).lower()}"{fill} '
                f"{box}><title>{esc(f'{when(bucket)} UTC: {count} {what}')}</title></rect>"
            )
    return [*parts, "</g>"]


# --- edits and withdrawals -----------------------------------------------------------


def changes(con: duckdb.DuckDBPyConnection) -> str:
    title = "Edits and withdrawals over time"
    first, last, *totals = rows(
        con,
        """SELECT min(valid_from), max(valid_from), count(*) FILTER (change_kind = 'edited'),
                  count(*) FILTER (change_kind = 'deleted'),
                  count(*) FILTER (change_kind = 'restored')
           FROM entry_versions WHERE change_kind <> 'new'""",
    )[0]
    if first is None:
        return section("changes", title, note("No entry has been edited or withdrawn."))
    sources = rows(
        con,
        f"""SELECT e.source_id, count(*) AS n, count(*) OVER () FROM entry_versions v
            JOIN entries e USING (entry_id) WHERE v.change_kind <> 'new'
            GROUP BY ALL ORDER BY n DESC, e.source_id LIMIT {MAX_CHANGE_ROWS}""",
    )
    counted = ", ".join(f"{n} {k}" for k, n in zip(KINDS, totals, strict=True))
    more = sources[0][2] - len(sources)
    return section(
        "changes",
        title,
        note(
            f"Each mark is a fetch that saw entries change ({counted}), at its time (UTC); "
            "a larger mark stands for more entries."
            + (f" {more} more sources with changes are not drawn." if more else "")
        ),
        legend(KINDS, role="kinds"),
        change_marks(con, sorted(s[0] for s in sources), padded(first, last)),
    )


def change_marks(
    con: duckdb.DuckDBPyConnection, sources: list[str], span: tuple[datetime, datetime]
) -> str:
    width, row, left = 1100, 26, 200
    scale = Scale(*span, left, width - 14)
    seconds = (span[1] - span[0]).total_seconds() * MARK_COLUMN / (scale.right - scale.left)
    found = rows(
        con,
        """SELECT e.source_id, v.change_kind, count(*), min(v.valid_from), max(v.valid_from)
           FROM entry_versions v JOIN entries e USING (entry_id)
           WHERE v.change_kind <> 'new' AND list_contains(?, e.source_id)
           GROUP BY e.source_id, v.change_kind, floor(epoch(v.valid_from) / ?)""",
        [sources, seconds],
    )
    y_of = {s: 14 + i * row for i, s in enumerate(sources)}
    offset = {kind: (i - 1) * 6 for i, kind in enumerate(KINDS)}
    body = [
        f'<text x="{left - 8}" y="{y + 4}" text-anchor="end">{esc(s)}</text>'
        f'<line x1="{left}" y1="{y}" x2="{scale.right}" y2="{y}" stroke="#eee"/>'
        for s, y in y_of.items()
    ]
    for source, kind, count, early, late in found:
        color, shape = KINDS.get(kind, ("#555", "circle"))
        at = early + (late - early) / 2
        span_text = when(early) if early == late else f"{when(early)} to {when(late)}"
        tip = f"{source}: {count} {kind} at {span_text} UTC"
        y = y_of[source] + offset.get(kind, 0)
        body.append(mark(shape, scale.x(at), y, radius(count), color, tip, kind=kind))
    axis_y = 14 + len(sources) * row - 8
    body.append(x_axis(scale, axis_y, "fetch time that saw the change (UTC)"))
    return svg(width, axis_y + 46, "edits and withdrawals", body, plot="changes")


# --- stories -------------------------------------------------------------------------


def stories(con: duckdb.DuckDBPyConnection) -> str:
    title = "The largest stories across outlets"
    top = rows(
        con,
        f"""SELECT story_id, title, member_count, source_count, first_published_at
            FROM stories ORDER BY source_count DESC, member_count DESC,
                                  first_published_at, story_id
            LIMIT {TOP_STORIES}""",
    )
    if not top:
        return section("stories", title, no_stories(con))
    members = rows(
        con,
        """SELECT m.story_id, m.source, m.published_at,
                  m.entry_id IS NOT NULL AND e.published_at IS NULL AS substituted, count(*)
           FROM story_members m LEFT JOIN entries e USING (entry_id)
           WHERE m.published_at IS NOT NULL AND list_contains(?, m.story_id)
           GROUP BY ALL ORDER BY ALL""",
        [[t[0] for t in top]],
    )
    keys = styles(sorted({m[1] for m in members}))
    table = "".join(
        f"<tr><td>{i}</td><td>{esc(excerpt(title, 120))}</td><td class=num>{n}</td>"
        f"<td class=num>{s}</td><td>{esc(when(first))}</td></tr>"
        for i, (_, title, n, s, first) in enumerate(top, start=1)
    )
    hollow = {"no time on the page: at its first fetch": ("#555", "hollow circle")}
    return section(
        "stories",
        title,
        legend({**keys, **(hollow if any(m[3] for m in members) else {})}, role="sources"),
        story_dots([t[0] for t in top], members, keys),
        "<table><tr><th>#</th><th>story</th><th>members</th><th>outlets</th>"
        f"<th>first (UTC)</th></tr>{table}</table>",
    )


def enrich_ran(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether `tickerlake enrich` ever ran: its row in last_enrich, or (on a warehouse it
    enriched before migration 011) the stories or links it left."""
    found = rows(
        con,
        """SELECT EXISTS (FROM last_enrich) OR EXISTS (FROM stories)
                  OR EXISTS (FROM entry_document_links)""",
    )
    return bool(found[0][0])


def no_stories(con: duckdb.DuckDBPyConnection) -> str:
    """ "Run enrich" only when it never ran; else that it ran and found none."""
    ran = rows(con, "SELECT ran_at, entries, documents FROM last_enrich")
    if not enrich_ran(con):
        return note("No stories yet (run <code>tickerlake enrich</code>).", state="not-run")
    detail = f" on {when(ran[0][0])} UTC over {ran[0][1]} entries and {ran[0][2]} documents"
    return note(
        f"tickerlake enrich ran{detail if ran else ''} and found no story that two outlets "
        "(or a ticker and a reference article) share.",
        state="none-found",
    )


def story_dots(
    order: Sequence[str],
    members: Sequence[tuple[str, str, datetime, bool, int]],
    keys: Mapping[str, tuple[str, str]],
) -> str:
    """One row per story; in it each outlet on a lane of its own (the same in every row),
    with its own colour and shape, so outlets that carried a story at the same minute do
    not hide each other. A member without a time of its own is drawn hollow."""
    if not members:
        return ""
    width, left = 1100, 40
    lanes = {source: i for i, source in enumerate(keys)}
    lane = min(7.0, 42 / len(lanes))
    height = max(22.0, lane * len(lanes) + 10)
    times = [m[2] for m in members]
    scale = Scale(*padded(min(times), max(times)), left, width - 14)
    body = []
    for i in range(len(order)):
        y = 6 + i * height
        body.append(
            f'<text x="{left - 8}" y="{y + height / 2 + 4}" text-anchor="end">{i + 1}</text>'
        )
        body.append(f'<line x1="{left}" y1="{y}" x2="{scale.right}" y2="{y}" stroke="#eee"/>')
    row_of = {s: i for i, s in enumerate(order)}
    for story, source, at, substituted, count in members:
        y = 6 + row_of[story] * height + 5 + lane * (lanes[source] + 0.5)
        color, shape = keys[source]
        what = "first fetched" if substituted else "published"
        tip = f"{source}: {count} {what} {when(at)} UTC"
        body.append(
            mark(shape, scale.x(at), y, 3.5, color, tip, hollow=substituted, source=source,
                 substituted=str(substituted).lower())
        )  # fmt: skip
    axis_y = 6 + len(order) * height + 2
    body.append(x_axis(scale, axis_y, "published (UTC)"))
    return svg(width, int(axis_y) + 46, "story members over time", body, plot="stories")


# --- entries beside the reference articles -------------------------------------------


def alignments(con: duckdb.DuckDBPyConnection) -> str:
    title = "Ticker entries beside the reference articles"
    live, linked = rows(
        con,
        """SELECT count(*), count(l.entry_id) FROM entries e
           LEFT JOIN (SELECT DISTINCT entry_id FROM entry_document_links) l USING (entry_id)
           WHERE NOT e.is_deleted""",
    )[0]
    if not linked:
        hint = "" if enrich_ran(con) else " (run <code>tickerlake enrich</code>)"
        text = f"None of the {live} live entries is linked to a reference article{hint}."
        return section("alignments", title, note(text, linked="0", unlinked=str(live)))
    entries = rows(
        con,
        f"""SELECT e.entry_id, e.source_id, e.published_at, e.headline, e.body
            FROM entries e JOIN (SELECT entry_id, max(score) AS best
                                 FROM entry_document_links GROUP BY ALL) l USING (entry_id)
            WHERE NOT e.is_deleted
            ORDER BY l.best DESC, e.published_at DESC NULLS LAST, e.source_id, e.entry_id
            LIMIT {MAX_LINKED}""",
    )
    links = entry_links(con, [e[0] for e in entries])
    shown = f"; the {len(entries)} best-matched are shown" if len(entries) < linked else ""
    return section(
        "alignments",
        title,
        note(
            f"{linked} of {live} live entries are reported by a reference article "
            f"(entry_document_links){shown}. The {live - linked} others are not listed.",
            linked=str(linked),
            unlinked=str(live - linked),
        ),
        "<table><tr><th>ticker entry</th><th>reference articles</th></tr>",
        *(_alignment_row(e, links[e[0]]) for e in entries),
        "</table>",
    )


def entry_links(con: duckdb.DuckDBPyConnection, ids: list[str]) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = defaultdict(list)
    for link in rows(
        con,
        """SELECT l.entry_id, coalesce(d.title, d.source_file), d.corpus, d.source_file,
                  p.text, l.score, l.method
           FROM entry_document_links l JOIN documents d USING (document_id)
           LEFT JOIN document_paragraphs p USING (document_id, paragraph_no)
           WHERE list_contains(?, l.entry_id)
           ORDER BY l.entry_id, l.score DESC, d.source_file""",
        [ids],
    ):
        found[link[0]].append(link[1:])
    return found


def _alignment_row(entry: tuple[Any, ...], links: Sequence[tuple[Any, ...]]) -> str:
    _, source, at, headline, text = entry
    left = (
        f"<b>{esc(excerpt(headline, 90))}</b><br><span class=muted>{esc(source)} · "
        f"{esc(when(at) or 'no time')}</span><br>{esc(excerpt(text))}"
    )
    (title, corpus, file, paragraph, score, method), *others = links
    right = (
        f"<b>{esc(excerpt(title, 90))}</b> <span class=muted>({esc(corpus)}:{esc(file)}, "
        f"score {score:.2f}, {esc(method)})</span><br>{esc(excerpt(paragraph))}"
    )
    if others:
        names = "; ".join(f"{esc(excerpt(o[0], 60))} ({o[4]:.2f})" for o in others)
        right += f"<br><span class=muted>also: {names}</span>"
    return f'<tr class="linked" data-linked="true"><td>{left}</td><td>{right}</td></tr>'


# --- source health -------------------------------------------------------------------

HEALTH = f"""
WITH errors AS (
    SELECT source_id, fetched_at, error_class, error FROM fetches WHERE error_class IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY source_id ORDER BY fetched_at DESC, attempt DESC) = 1
), joined AS (
    SELECT h.source_id, h.last_fetched_at, h.last_success_at, h.fetches_24h,
           coalesce(h.error_rate_24h, 0), coalesce(h.not_modified_rate_24h, 0),
           h.newest_entry_at, h.freshness_lag, e.fetched_at AS error_at, e.error_class, e.error,
           e.fetched_at IS NOT NULL
               AND (h.last_success_at IS NULL OR e.fetched_at > h.last_success_at) AS failing
    FROM source_health h LEFT JOIN errors e USING (source_id)
)
SELECT *, count(*) OVER () AS sources, sum(failing::INTEGER) OVER () AS failing_sources
FROM joined ORDER BY failing DESC, error_at DESC NULLS LAST, source_id
LIMIT {MAX_HEALTH}
"""


def health(con: duckdb.DuckDBPyConnection) -> str:
    sources = rows(con, HEALTH)
    title = "Source health"
    if not sources:
        return section("health", title, note("No sources yet."))
    total, failing = sources[0][12], sources[0][13]
    more = total - len(sources)
    unlisted = f" {more} more sources are not listed, " + (
        "some failing." if failing > sum(1 for s in sources if s[11]) else "none failing."
    )
    return section(
        "health",
        title,
        note(
            f"{failing} of {total} sources failing (no success since their last error). "
            "Error and 304 rates over the 24 hours up to each source's newest fetch; "
            "freshness lag is the median delay from publication to first fetch."
            + (unlisted if more else ""),
            failing=str(failing),
        ),
        "<table><tr><th>source</th><th>last fetch</th><th>last success</th>"
        "<th>fetches 24&nbsp;h</th><th>errors</th><th>304</th><th>newest entry</th>"
        '<th>freshness lag</th><th data-col="last-error">last error</th></tr>',
        *(_health_row(s) for s in sources),
        "</table>",
    )


def _health_row(row: tuple[Any, ...]) -> str:
    source, fetched, ok, n, err, nm, newest, lag, error_at, error_class, error, failing = row[:12]
    lag_text = (
        interval_text(timedelta(seconds=round(lag.total_seconds()))) if lag is not None else ""
    )
    cells = (
        f"<td>{esc(source)}</td><td class=t>{esc(when(fetched))}</td>"
        f"<td class=t>{esc(when(ok))}</td><td class=num>{n}</td>"
        f"<td class=num>{_meter(err, '')}{err:.0%}</td>"
        f"<td class=num>{_meter(nm, ' nm')}{nm:.0%}</td><td class=t>{esc(when(newest))}</td>"
        f"<td class=t>{esc(lag_text)}</td>"
    )
    state = "failing" if failing else ("recovered" if error_at else "ok")
    last = _last_error(error_at, error_class, error, failing)
    return (
        f'<tr data-source="{esc(source)}" data-state="{state}">{cells}'
        f'<td class="err" data-col="last-error">{last}</td></tr>'
    )


def _meter(rate: float, kind: str) -> str:
    return f'<i class="meter{kind}" style="width:{rate * 40:.0f}px"></i>' if rate else ""


def _last_error(at: datetime | None, kind: str | None, message: str | None, failing: bool) -> str:
    if at is None:
        return ""
    text = esc(f"{kind}: {excerpt(message, 120)}")
    if failing:
        return f'<span class="failing" title="{esc(message)}">{esc(when(at))} {text}</span>'
    return f'<span class="muted">{esc(when(at))} {text} (recovered since)</span>'


# --- the page ------------------------------------------------------------------------


def counts_line(con: duckdb.DuckDBPyConnection) -> str:
    tables = ("sources", "fetches", "entries", "entry_versions", "documents", "stories")
    counts = rows(con, "SELECT " + ", ".join(f"(SELECT count(*) FROM {t})" for t in tables))[0]
    return ", ".join(f"{n} {esc(t)}" for t, n in zip(tables, counts, strict=True))


def render_report(con: duckdb.DuckDBPyConnection, *, generated_at: datetime) -> str:
    """The whole page for the warehouse on `con`."""
    sections = (timelines, changes, stories, alignments, health)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>tickerlake report</title><style>{CSS}</style></head><body>"
        f"<h1>tickerlake report</h1><p class=muted>Generated {esc(when(generated_at))} UTC "
        f"from the warehouse: {counts_line(con)}. All times UTC.</p>"
        + "".join(part(con) for part in sections)
        + "</body></html>\n"
    )
