"""SVG pieces of `tickerlake report`: a time scale with readable ticks, bars, marks and
legends, drawn as text so the page needs no script, stylesheet or font from the network.

Every time is UTC. A scale spans what one plot shows (its own data, padded to at least
`MIN_SPAN`); its ticks fall on whole hours, days, weeks or months, chosen so that at most
`MAX_TICKS` fit, and a tick names the date only where the date changes."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

HOUR, DAY = timedelta(hours=1), timedelta(days=1)
MAX_TICKS = 7
MIN_SPAN = timedelta(hours=12)
# Tick steps: (unit, count). Hours and days are fixed lengths; months are calendar months.
TICK_STEPS = (
    ("hour", 1), ("hour", 2), ("hour", 3), ("hour", 6), ("hour", 12),
    ("day", 1), ("day", 2), ("week", 1), ("week", 2),
    ("month", 1), ("month", 3), ("month", 6), ("month", 12), ("month", 24), ("month", 60),
)  # fmt: skip
UNIT_LENGTH = {"hour": HOUR, "day": DAY, "week": 7 * DAY, "month": 30 * DAY}
# Shapes that tell series apart where colours are close or marks sit on one another.
SHAPES = ("circle", "square", "triangle", "diamond", "cross", "bar")


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def when(value: datetime | None) -> str:
    return "" if value is None else f"{value.astimezone(UTC):%Y-%m-%d %H:%M}"


def floor_to(at: datetime, unit: str) -> datetime:
    """The start of the hour, day, ISO week or month holding `at` (UTC)."""
    at = at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    if unit == "hour":
        return at
    day = at.replace(hour=0)
    if unit == "day":
        return day
    if unit == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def advance(at: datetime, unit: str, count: int = 1) -> datetime:
    if unit != "month":
        return at + count * UNIT_LENGTH[unit]
    months = at.year * 12 + at.month - 1 + count
    return at.replace(year=months // 12, month=months % 12 + 1)


@dataclass(frozen=True, slots=True)
class Scale:
    """Times from `start` to `end` onto pixels from `left` to `right`."""

    start: datetime
    end: datetime
    left: float
    right: float

    def x(self, at: datetime) -> float:
        share = (at - self.start) / (self.end - self.start)
        return self.left + share * (self.right - self.left)

    def ticks(self) -> list[datetime]:
        unit, count = tick_step(self.end - self.start)
        at = aligned(floor_to(self.start, unit), unit, count)
        found = []
        while at <= self.end:
            if at >= self.start:
                found.append(at)
            at = advance(at, unit, count)
        return found


def padded(
    first: datetime, last: datetime, least: timedelta = MIN_SPAN
) -> tuple[datetime, datetime]:
    """`first`..`last` widened about its middle to at least `least`, plus a 3 % margin, so
    one point or one bucket is drawn as a mark, not stretched across the plot."""
    span = max(last - first, least)
    middle = first + (last - first) / 2
    margin = span * 0.03
    return middle - span / 2 - margin, middle + span / 2 + margin


def tick_step(span: timedelta) -> tuple[str, int]:
    for unit, count in TICK_STEPS:
        if span / (UNIT_LENGTH[unit] * count) <= MAX_TICKS:
            return unit, count
    return TICK_STEPS[-1]


def aligned(at: datetime, unit: str, count: int) -> datetime:
    """Back to a multiple of `count` units: 00/06/12/18 h, even days, January/July …"""
    if unit == "hour":
        return at.replace(hour=at.hour - at.hour % count)
    if unit == "month":
        months = at.year * 12 + at.month - 1
        return advance(at, "month", -(months % count))
    return at


def tick_labels(ticks: Sequence[datetime], span: timedelta) -> list[tuple[str, str]]:
    """(first line, second line) of each tick: the clock or day, and below it the date or
    year where it differs from the tick before."""
    unit, _ = tick_step(span)
    labels, before = [], None
    for at in ticks:
        if unit == "hour":
            main, context, key = f"{at:%H:%M}", f"{at:%d %b %Y}", f"{at:%Y-%m-%d}"
        elif unit in ("day", "week"):
            main, context, key = f"{at:%d %b}", f"{at:%Y}", f"{at:%Y}"
        else:
            main, context, key = f"{at:%b}", f"{at:%Y}", f"{at:%Y}"
        labels.append((main, context if key != before else ""))
        before = key
    return labels


def x_axis(scale: Scale, y: float, title: str) -> str:
    """The axis line at `y`, its ticks with labels, and one axis title below them."""
    span = scale.end - scale.start
    ticks = scale.ticks()
    parts = [
        f'<line x1="{scale.left}" y1="{y}" x2="{scale.right}" y2="{y}" stroke="#999"/>',
        f'<g class="ticks" data-unit="{tick_step(span)[0]}">',
    ]
    for at, (main, context) in zip(ticks, tick_labels(ticks, span), strict=True):
        x = scale.x(at)
        anchor = _anchor(x, scale)
        parts.append(
            f'<line class="tick" x1="{x:.1f}" y1="{y}" x2="{x:.1f}" y2="{y + 4}" stroke="#999"/>'
            f'<text x="{x:.1f}" y="{y + 15}" text-anchor="{anchor}">{esc(main)}</text>'
        )
        if context:
            parts.append(
                f'<text class="muted" x="{x:.1f}" y="{y + 27}" text-anchor="{anchor}">'
                f"{esc(context)}</text>"
            )
    parts.append("</g>")
    parts.append(
        f'<text class="xlabel" data-role="x-label" x="{scale.right}" y="{y + 40}" '
        f'text-anchor="end">{esc(title)}</text>'
    )
    return "".join(parts)


def _anchor(x: float, scale: Scale) -> str:
    """Labels near an end of the axis grow inwards, so none is cut off."""
    if x > scale.right - 32:
        return "end"
    return "start" if x < scale.left + 32 else "middle"


def svg(width: int, height: int, title: str, body: Sequence[str], **data: str) -> str:
    attributes = "".join(f' data-{k.replace("_", "-")}="{esc(v)}"' for k, v in data.items())
    return (
        f'<svg class="plot" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg"{attributes}>'
        f"<title>{esc(title)}</title>{''.join(body)}</svg>"
    )


def hatch(pattern_id: str, color: str) -> str:
    """A diagonal hatch in `color`: what a bar of substituted times is filled with."""
    return (
        f'<defs><pattern id="{pattern_id}" width="5" height="5" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="5" height="5" fill="#fff"/>'
        f'<line x1="0" y1="0" x2="0" y2="5" stroke="{color}" stroke-width="3"/></pattern></defs>'
    )


def mark(
    shape: str, x: float, y: float, r: float, color: str, tooltip: str, *,
    hollow: bool = False, **data: str,
) -> str:  # fmt: skip
    """One marker of `shape` centred on (x, y), `hollow` for a substituted time; `data`
    become data-* attributes."""
    attributes = "".join(f' data-{k.replace("_", "-")}="{esc(v)}"' for k, v in data.items())
    tip = f"<title>{esc(tooltip)}</title>" if tooltip else ""
    fill = 'fill="#fff" stroke-width="1.5"' if hollow else f'fill="{color}" fill-opacity="0.8"'
    paint = f'{fill} stroke="{color}"'
    head = f'class="mark" data-shape="{shape}"{attributes} {paint}'
    if shape == "circle":
        return f'<circle {head} cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}">{tip}</circle>'
    if shape == "square":
        s = r * 0.9
        return (
            f'<rect {head} x="{x - s:.1f}" y="{y - s:.1f}" width="{2 * s:.1f}" '
            f'height="{2 * s:.1f}">{tip}</rect>'
        )
    return f'<polygon {head} points="{_points(shape, x, y, r)}">{tip}</polygon>'


def _points(shape: str, x: float, y: float, r: float) -> str:
    outline = {
        "triangle": ((0, -1.2), (1.1, 0.8), (-1.1, 0.8)),
        "diamond": ((0, -1.3), (1.1, 0), (0, 1.3), (-1.1, 0)),
        "cross": (
            (-1, -0.35), (-0.35, -0.35), (-0.35, -1), (0.35, -1), (0.35, -0.35), (1, -0.35),
            (1, 0.35), (0.35, 0.35), (0.35, 1), (-0.35, 1), (-0.35, 0.35), (-1, 0.35),
        ),
        "bar": ((-0.35, -1.3), (0.35, -1.3), (0.35, 1.3), (-0.35, 1.3)),
    }[shape]  # fmt: skip
    return " ".join(f"{x + dx * r:.1f},{y + dy * r:.1f}" for dx, dy in outline)


def legend(items: Mapping[str, tuple[str, str]], **data: str) -> str:
    """Name → (colour, shape) as small inline SVG markers; besides the marker shapes,
    "swatch" is a filled square, "hatch" a hatched one, "hollow <shape>" an outline."""
    attributes = "".join(f' data-{k}="{esc(v)}"' for k, v in data.items())
    spans = "".join(
        f"<span>{_swatch(color, shape, i)}{esc(name)}</span>"
        for i, (name, (color, shape)) in enumerate(items.items())
    )
    return f'<p class="legend"{attributes}>{spans}</p>'


def _swatch(color: str, shape: str, i: int) -> str:
    if shape == "swatch":
        inner = f'<rect width="12" height="12" fill="{color}"/>'
    elif shape == "hatch":
        inner = hatch(f"legend-hatch-{i}", color) + (
            f'<rect width="12" height="12" fill="url(#legend-hatch-{i})" stroke="{color}"/>'
        )
    elif shape.startswith("hollow "):
        inner = mark(shape.split()[1], 6, 6, 4, color, "", hollow=True)
    else:
        inner = mark(shape, 6, 6, 4.5, color, "")
    return f'<svg class="key" width="12" height="12" viewBox="0 0 12 12">{inner}</svg>'


def radius(count: int) -> float:
    """Marker radius growing with the square root of what it stands for, 3.5 to 9 px."""
    return float(min(3.5 + 1.5 * (count - 1) ** 0.5, 9.0))
