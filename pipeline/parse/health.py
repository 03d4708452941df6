"""Extraction health of one parsed page: the figures an operator reads to see whether a
site is read right. The loader stores them per page (`pages`), `source_health` watches
them over time, and `tickerlake check` prints them for one page."""

from __future__ import annotations

from typing import Any

from pipeline.models import ParsedPage


def health(page: ParsedPage) -> dict[str, Any]:
    """The page's extraction figures, named as the `pages` columns that store them."""
    return {
        "parser": page.parser,
        "is_liveblog": page.is_liveblog,
        "entry_count": len(page.entries),
        "timed_count": sum(e.published_at is not None for e in page.entries),
        "structured_count": page.structured_count,
        "rendered_count": page.rendered_count,
        "matched_count": page.matched_count,
        "tz": page.tz,
        "tz_source": page.tz_source,
        "warnings": list(page.warnings),
    }


def diagnosis(page: ParsedPage) -> list[str]:
    """`health` as a few lines of text, one per question an operator asks."""
    figures = health(page)
    entries, timed = figures["entry_count"], figures["timed_count"]
    share = f" ({timed / entries:.0%})" if entries else ""
    kind = "live blog" if page.is_liveblog else "article (one entry)"
    lines = [
        f"parser:     {page.parser}, {kind}",
        f"entries:    {entries}, {timed} with a time{share}",
        f"structured: {page.structured_count} in schema.org data, {page.rendered_count} "
        f"rendered in the HTML, {page.matched_count} in both",
        f"zone:       {page.tz or 'none'} ({page.tz_source or 'unknown'})",
    ]
    warnings = figures["warnings"] or ["none"]
    return [*lines, f"warnings:   {warnings[0]}", *(f"            {w}" for w in warnings[1:])]
