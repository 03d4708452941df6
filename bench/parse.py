"""Parse speed on the real live blogs in ../shared/realpages/liveblogs (read in place,
never copied): median time per page of `parse_page`, against `lxml.html.fromstring` of the
same bytes and `trafilatura.extract(..., with_metadata=True)` (what a user runs to get dates
out of a page; bench dependency group), all timed in one run with the garbage collector on,
as production parses. Targets: at most 3x lxml, at least 10x faster than trafilatura. Also
a cProfile of `parse_page` over all pages, top functions by cumulative time."""

from __future__ import annotations

import cProfile
import gc
import pstats
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import lxml.html

from bench import realpages
from pipeline.parse import parse_page

ROOT = Path(__file__).resolve().parents[1]
FETCHED_AT = datetime(2026, 6, 1, tzinfo=UTC)
ROUNDS = 7
TRAFILATURA_ROUNDS = 2
PROFILE_TOP = 10
Page = tuple[str, bytes]


def pages() -> list[Page]:
    """(url, bytes) for every live blog in the index."""
    return [(page.url, page.content) for page in realpages.pages("liveblogs")]


def ours(page: Page) -> object:
    return parse_page(page[1], page[0], fetched_at=FETCHED_AT)


def lxml_only(page: Page) -> object:
    return lxml.html.fromstring(page[1])


def trafilatura_extract() -> Callable[[Page], object] | None:
    try:
        import trafilatura
    except ImportError:
        return None

    def extract(page: Page) -> object:
        return trafilatura.extract(page[1], url=page[0], with_metadata=True)

    return extract


def median_ms(func: Callable[[Page], object], page: Page, rounds: int) -> float:
    """Median of `rounds` timings of one page, after one warm-up call. CPU time of this
    process, not wall time: the ratios must not depend on what else the machine runs. The
    garbage collector stays on (production pays its collections); each page starts after a
    full collection, so no page pays for the garbage of the one before."""
    func(page)
    gc.collect()
    timings = []
    for _ in range(rounds):
        started = time.process_time()
        func(page)
        timings.append(time.process_time() - started)
    return 1000 * statistics.median(timings)


def profile(all_pages: list[Page]) -> list[str]:
    """The top functions of one pass of `parse_page` over all pages, by cumulative time
    (`parse_page` itself first), as `seconds calls file:line(function)`."""
    profiler = cProfile.Profile()
    profiler.enable()
    for page in all_pages:
        ours(page)
    profiler.disable()
    rows: dict[Any, Any] = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    ranked = sorted(rows.items(), key=lambda item: item[1][3], reverse=True)
    return [
        f"{timing[3]:7.3f}s {timing[1]:7d} {_short(where[0])}:{where[1]}({where[2]})"
        for where, timing in ranked
        if where[2] != "ours"
    ][:PROFILE_TOP]


def _short(path: str) -> str:
    for marker in ("site-packages/", f"{ROOT.name}/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path


def run() -> dict[str, Any]:
    all_pages = pages()
    per_page: dict[str, list[float]] = {"ours": [], "lxml": [], "trafilatura": []}
    extract = trafilatura_extract()
    for page in all_pages:
        per_page["ours"].append(median_ms(ours, page, ROUNDS))
        per_page["lxml"].append(median_ms(lxml_only, page, ROUNDS))
        if extract is not None:
            per_page["trafilatura"].append(median_ms(extract, page, TRAFILATURA_ROUNDS))
    result = summarise(per_page, len(all_pages))
    result["profile_top_cumulative"] = profile(all_pages)
    print_ratios(result)
    return result


def summarise(per_page: dict[str, list[float]], count: int) -> dict[str, Any]:
    medians = {k: round(statistics.median(v), 2) for k, v in per_page.items() if v}
    result: dict[str, Any] = {
        "pages": count,
        "garbage_collector": "on",
        **{f"{k}_median_ms": v for k, v in medians.items()},
    }
    result["ours_over_lxml"] = round(medians["ours"] / medians["lxml"], 2)
    ratios = [o / x for o, x in zip(per_page["ours"], per_page["lxml"], strict=True)]
    result["ours_over_lxml_median_of_pages"] = round(statistics.median(ratios), 2)
    result["target_ours_over_lxml_max"] = 3.0
    if "trafilatura" in medians:
        result["trafilatura_over_ours"] = round(medians["trafilatura"] / medians["ours"], 2)
        result["target_trafilatura_over_ours_min"] = 10.0
    else:
        result["trafilatura"] = "not installed: uv sync --group bench"
    return result


def print_ratios(result: dict[str, Any]) -> None:
    print(
        "parse_page profile, top by cumulative time:", *result["profile_top_cumulative"], sep="\n  "
    )
    print(f"parse_page / lxml.html.fromstring (gc on): {result['ours_over_lxml']}x (target <= 3)")
    if "trafilatura_over_ours" in result:
        ratio = result["trafilatura_over_ours"]
        print(f"trafilatura.extract(with_metadata=True) / parse_page: {ratio}x (target >= 10)")
