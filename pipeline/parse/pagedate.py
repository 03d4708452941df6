"""The publishing date of a page that states none in structured data or meta tags:
`htmldate`'s heuristics (URL, visible dates, copyright lines), bounded by the fetch."""

from __future__ import annotations

import logging
from datetime import datetime

from htmldate import find_date

from pipeline.parse.context import PageContext
from pipeline.timeparse import parse_loose, to_utc

# htmldate logs every failed guess at INFO/WARNING; it is a fallback, so keep it quiet.
logging.getLogger("htmldate").setLevel(logging.ERROR)


def page_date(html: str, ctx: PageContext) -> datetime | None:
    found = find_date(
        html,
        url=ctx.url,
        original_date=True,
        extensive_search=False,
        outputformat="%Y-%m-%dT%H:%M:%S%z",
        max_date=ctx.fetched_at.date().isoformat(),
    )
    moment = parse_loose(found) if found else None
    return to_utc(moment, ctx.tz)[0] if moment else None
