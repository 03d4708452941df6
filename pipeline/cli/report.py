"""`tickerlake report`: one self-contained HTML page about the warehouse.

Plots are inline SVG drawn here, so the file needs no script, stylesheet or font from the
network. Every piece of text from the warehouse passes through `html.escape`; the page
carries no JavaScript at all."""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import duckdb

from pipeline.cli.output import interval_text

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2")
KIND_COLORS = {"edited": "#ff7f0e", "deleted": "#d62728", "restored": "#2ca02c"}
MAX_DAYS_HOURLY = 14  # beyond this span, the timelines count per day, not per hour
TOP_STORIES = 10
MAX_ENTRIES = 300
EXCERPT = 280
CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1120px;color:#222}
h1{font-size:24px}h2{font-size:19px;margin-top:36px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;width:100%;margin:8px 0}
td,th{border:1px solid #ddd;padding:4px 6px;vertical-align:top;text-align:left}
th{background:#f4f4f4}.muted{color:#777}.num{text-align:right}
svg.plot{display:block;margin:8px 0;background:#fff}
svg text{font:11px system-ui,sans-serif;fill:#333}
.legend span{display:inline-block;margin-right:14px}
.swatch{display:inline-block;width:10px;height:10px;margin-right:4px}
"""


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def when(value: datetime | None) -> str:
    return "" if value is None else f"{value:%Y-%m-%d %H:%M}"


def excerpt(text: str | None, limit: int = EXCERPT) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[Any, ...]]:
    return con.execute(sql).fetchall()


# --- plots -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Axis:
    """Time buckets along the x axis: hours, or days for long spans."""

    start: datetime
    step: timedelta
    count: int

    def index(self, at: datetime) -> int:
        return int((at - self.start) / self.step)

    def label(self, i: int) -> str:
        at = self.start + i * self.step
        return f"{at:%Y-%m-%d}" if self.step >= timedelta(days=1) else when(at)


def time_axis(times: Sequence[datetime]) -> Axis | None:
    if not times:
        return None
    first, last = min(times), max(times)
    daily = last - first > timedelta(days=MAX_DAYS_HOURLY)
    step = timedelta(days=1) if daily else timedelta(hours=1)
    start = first.replace(minute=0, second=0, microsecond=0)
    if daily:
        start = start.replace(hour=0)
    return Axis(start, step, int((last - start) / step) + 1)


def stacked_bars(
    axis: Axis, series: Mapping[str, Sequence[int]], colors: Mapping[str, str], title: str
) -> str:
    """Stacked bars, one per bucket of `axis`; each series stacked in `colors` order."""
    width, height, left, bottom = 1040, 150, 40, 22
    totals = [sum(values[i] for values in series.values()) for i in range(axis.count)]
    top = max([*totals, 1])
    slot = (width - left - 10) / axis.count
    parts = [
        f'<svg class="plot" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{esc(title)}</title>",
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" '
        f'y2="{height - bottom}" stroke="#999"/>',
        f'<text x="{left - 4}" y="14" text-anchor="end">{top}</text>',
        f'<text x="{left - 4}" y="{height - bottom}" text-anchor="end">0</text>',
        f'<text x="{left}" y="{height - 6}">{esc(axis.label(0))}</text>',
        f'<text x="{width - 10}" y="{height - 6}" text-anchor="end">'
        f"{esc(axis.label(axis.count - 1))}</text>",
    ]
    scale = (height - bottom - 20) / top
    for i in range(axis.count):
        base = float(height - bottom)
        for name, values in series.items():
            if values[i] == 0:
                continue
            tall = values[i] * scale
            base -= tall
            parts.append(
                f'<rect class="bar" x="{left + i * slot + 1:.1f}" y="{base:.1f}" '
                f'width="{max(slot - 2, 1):.1f}" height="{tall:.1f}" fill="{colors[name]}">'
                f"<title>{esc(f'{axis.label(i)} UTC: {values[i]} {name}')}</title></rect>"
            )
    parts.append("</svg>")
    return "".join(parts)


def legend(colors: Mapping[str, str]) -> str:
    items = "".join(
        f'<span><i class="swatch" style="background:{c}"></i>{esc(name)}</span>'
        for name, c in colors.items()
    )
    return f'<p class="legend">{items}</p>'


def counts_on(
    axis: Axis, points: Sequence[tuple[str, datetime, int]], names: Sequence[str]
) -> dict[str, list[int]]:
    series = {name: [0] * axis.count for name in names}
    for name, at, count in points:
        series[name][axis.index(at)] += count
    return series


def source_colors(names: Sequence[str]) -> dict[str, str]:
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(sorted(names))}


# --- sections ----------------------------------------------------------------------


def timelines(con: duckdb.DuckDBPyConnection) -> str:
    points = rows(
        con,
        """SELECT source_id, published_at, 1 FROM entries
           WHERE NOT is_deleted AND published_at IS NOT NULL ORDER BY ALL""",
    )
    untimed = rows(
        con,
        """SELECT source_id, count(*) FROM entries
           WHERE NOT is_deleted AND published_at IS NULL GROUP BY ALL ORDER BY ALL""",
    )
    axis = time_axis([p[1] for p in points])
    head = "<h2>Entries per source over time</h2>"
    if axis is None:
        return head + '<p class="muted">No timed entries yet.</p>'
    names = sorted({p[0] for p in points})
    colors = source_colors(names)
    series = counts_on(axis, points, names)
    unit = "day" if axis.step >= timedelta(days=1) else "hour"
    plots = [
        f"<h3>{esc(name)}</h3>"
        + stacked_bars(axis, {name: series[name]}, colors, f"{name}: entries per {unit}")
        for name in names
    ]
    note = "".join(f"<li>{esc(s)}: {n} entries without a time</li>" for s, n in untimed)
    return (
        head
        + f'<p class="muted">Live entries by publication time (UTC), per {unit}.</p>'
        + "".join(plots)
        + (f"<ul>{note}</ul>" if note else "")
    )


def changes(con: duckdb.DuckDBPyConnection) -> str:
    points = rows(
        con,
        """SELECT change_kind, valid_from, count(*) FROM entry_versions
           WHERE change_kind <> 'new' GROUP BY ALL ORDER BY ALL""",
    )
    head = "<h2>Edits and withdrawals over time</h2>"
    axis = time_axis([p[1] for p in points])
    if axis is None:
        return head + '<p class="muted">No entry has been edited or withdrawn.</p>'
    series = counts_on(axis, points, list(KIND_COLORS))
    totals = ", ".join(f"{sum(v)} {k}" for k, v in series.items())
    return (
        head
        + f'<p class="muted">Changed versions by the fetch time that saw them: {totals}.</p>'
        + legend(KIND_COLORS)
        + stacked_bars(axis, series, KIND_COLORS, "edits and withdrawals")
    )


def stories(con: duckdb.DuckDBPyConnection) -> str:
    top = rows(
        con,
        f"""SELECT story_id, title, member_count, source_count, first_published_at
            FROM stories ORDER BY source_count DESC, member_count DESC,
                                  first_published_at, story_id
            LIMIT {TOP_STORIES}""",
    )
    head = "<h2>The largest stories across outlets</h2>"
    if not top:
        return head + '<p class="muted">No stories yet (run tickerlake enrich).</p>'
    members = rows(
        con,
        f"""SELECT story_id, source, published_at FROM story_timeline
            WHERE published_at IS NOT NULL AND story_id IN (
                SELECT story_id FROM stories ORDER BY source_count DESC,
                       member_count DESC, first_published_at, story_id LIMIT {TOP_STORIES})
            ORDER BY ALL""",
    )
    colors = source_colors(sorted({m[1] for m in members}))
    table = "".join(
        f"<tr><td>{i}</td><td>{esc(excerpt(title, 120))}</td><td class=num>{n}</td>"
        f"<td class=num>{s}</td><td>{esc(when(first))}</td></tr>"
        for i, (_, title, n, s, first) in enumerate(top, start=1)
    )
    return (
        head
        + legend(colors)
        + story_dots([t[0] for t in top], members, colors)
        + "<table><tr><th>#</th><th>story</th><th>members</th><th>outlets</th>"
        + f"<th>first (UTC)</th></tr>{table}</table>"
    )


def story_dots(
    order: Sequence[str], members: Sequence[tuple[str, str, datetime]], colors: Mapping[str, str]
) -> str:
    """One row per story, a dot per member at its publication time, coloured by outlet."""
    if not members:
        return ""
    width, row, left = 1040, 24, 40
    height = row * len(order) + 30
    times = [m[2] for m in members]
    first, span = min(times), max((max(times) - min(times)).total_seconds(), 1.0)
    parts = [
        f'<svg class="plot" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">',
        "<title>story members over time</title>",
    ]
    for i in range(len(order)):
        y = 12 + i * row
        parts.append(f'<text x="{left - 6}" y="{y + 4}" text-anchor="end">{i + 1}</text>')
        parts.append(f'<line x1="{left}" y1="{y}" x2="{width - 10}" y2="{y}" stroke="#eee"/>')
    rank = {story: i for i, story in enumerate(order)}
    for story, source, at in members:
        x = left + (at - first).total_seconds() / span * (width - left - 20)
        parts.append(
            f'<circle class="dot" cx="{x:.1f}" cy="{12 + rank[story] * row}" r="5" '
            f'fill="{colors[source]}" fill-opacity="0.75">'
            f"<title>{esc(f'{source} {when(at)} UTC')}</title></circle>"
        )
    parts.append(
        f'<text x="{left}" y="{height - 4}">{esc(when(first))} UTC</text>'
        f'<text x="{width - 10}" y="{height - 4}" text-anchor="end">'
        f"{esc(when(max(times)))} UTC</text></svg>"
    )
    return "".join(parts)


def alignments(con: duckdb.DuckDBPyConnection) -> str:
    entries = rows(
        con,
        f"""SELECT entry_id, source_id, published_at, headline, body FROM entries
            WHERE NOT is_deleted
            ORDER BY entry_id IN (SELECT entry_id FROM entry_document_links) DESC,
                     published_at DESC NULLS LAST, source_id, position
            LIMIT {MAX_ENTRIES}""",
    )
    links: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for link in rows(
        con,
        """SELECT l.entry_id, coalesce(d.title, d.source_file), d.corpus, d.source_file,
                  p.text, l.score, l.method
           FROM entry_document_links l JOIN documents d USING (document_id)
           LEFT JOIN document_paragraphs p USING (document_id, paragraph_no)
           ORDER BY l.entry_id, l.score DESC, d.source_file""",
    ):
        links[link[0]].append(link[1:])
    body = "".join(_alignment_row(e, links.get(e[0], [])) for e in entries)
    return (
        "<h2>Ticker entries beside the reference articles</h2>"
        f'<p class="muted">{sum(1 for e in entries if e[0] in links)} of {len(entries)} '
        "entries shown are reported by a reference article (entry_document_links).</p>"
        f"<table><tr><th>ticker entry</th><th>reference articles</th></tr>{body}</table>"
    )


def _alignment_row(entry: tuple[Any, ...], links: Sequence[tuple[Any, ...]]) -> str:
    _, source, at, headline, text = entry
    left = (
        f"<b>{esc(headline)}</b><br><span class=muted>{esc(source)} · "
        f"{esc(when(at) or 'no time')}</span><br>{esc(excerpt(text))}"
    )
    right = "<br><br>".join(
        f"<b>{esc(title)}</b> <span class=muted>({esc(corpus)}:{esc(file)}, "
        f"score {score:.2f}, {esc(method)})</span><br>{esc(excerpt(paragraph))}"
        for title, corpus, file, paragraph, score, method in links
    )
    return f"<tr><td>{left}</td><td>{right or '<span class=muted>none</span>'}</td></tr>"


def health(con: duckdb.DuckDBPyConnection) -> str:
    sources = rows(
        con,
        """SELECT source_id, last_fetched_at, last_success_at, last_change_at, fetches_24h,
                  coalesce(error_rate_24h, 0), coalesce(not_modified_rate_24h, 0),
                  newest_entry_at, freshness_lag
           FROM source_health ORDER BY source_id""",
    )
    head = "<h2>Source health</h2>"
    if not sources:
        return head + '<p class="muted">No sources yet.</p>'
    table = "".join(
        f"<tr><td>{esc(s)}</td><td>{esc(when(fetched))}</td><td>{esc(when(ok))}</td>"
        f"<td>{esc(when(changed))}</td><td class=num>{n}</td><td class=num>{err:.0%}</td>"
        f"<td class=num>{nm:.0%}</td><td>{esc(when(newest))}</td>"
        f"<td>{esc(interval_text(lag) if lag is not None else '')}</td></tr>"
        for s, fetched, ok, changed, n, err, nm, newest, lag in sources
    )
    return (
        head + '<p class="muted">Error and 304 rates over the 24 hours up to each source\'s '
        "newest fetch; freshness lag is the median delay from publication to first fetch."
        "</p>"
        + legend({"errors": "#d62728", "304 Not Modified": "#7f7f7f"})
        + rate_bars([(s[0], s[5], s[6]) for s in sources])
        + "<table><tr><th>source</th><th>last fetch</th><th>last success</th>"
        "<th>last change</th><th>fetches 24 h</th><th>errors</th><th>304</th>"
        f"<th>newest entry</th><th>freshness lag</th></tr>{table}</table>"
    )


def rate_bars(rates: Sequence[tuple[str, float, float]]) -> str:
    """Per source, its error rate and 304 rate as two horizontal bars on 0..100 %."""
    width, row, left = 1040, 34, 180
    height = row * len(rates) + 10
    scale = width - left - 60
    parts = [
        f'<svg class="plot" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">',
        "<title>error and 304 rates per source</title>",
    ]
    for i, (source, errors, not_modified) in enumerate(rates):
        y = 6 + i * row
        parts.append(f'<text x="{left - 6}" y="{y + 17}" text-anchor="end">{esc(source)}</text>')
        for j, (rate, color) in enumerate(((errors, "#d62728"), (not_modified, "#7f7f7f"))):
            parts.append(
                f'<rect class="bar" x="{left}" y="{y + j * 13}" width="{max(rate * scale, 1):.1f}"'
                f' height="11" fill="{color}"/><text x="{left + rate * scale + 6:.1f}" '
                f'y="{y + j * 13 + 10}">{rate:.0%}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def counts_line(con: duckdb.DuckDBPyConnection) -> str:
    tables = ("sources", "fetches", "entries", "entry_versions", "documents", "stories")
    counts = [(t, rows(con, f"SELECT count(*) FROM {t}")[0][0]) for t in tables]
    return ", ".join(f"{n} {esc(t)}" for t, n in counts)


def render_report(con: duckdb.DuckDBPyConnection, *, generated_at: datetime) -> str:
    """The whole page for the warehouse on `con`."""
    sections = (timelines, changes, stories, alignments, health)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>tickerlake report</title><style>{CSS}</style></head><body>"
        f"<h1>tickerlake report</h1><p class=muted>Generated {esc(when(generated_at))} UTC "
        f"from the warehouse: {counts_line(con)}. All times UTC.</p>"
        + "".join(section(con) for section in sections)
        + "</body></html>\n"
    )
