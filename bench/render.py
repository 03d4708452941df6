"""Rendering (issue 18): what a script-built ticker costs in headless Chromium, as the
cycle pays it: the replay server's JS ticker (write_js_ticker) on loopback, every
browser request through the fetcher's guarded session, a fresh context per page, the
wait for entries, the iframe inlining.

- `cold_first_page_s`: the first page, browser start included;
- `warm` (`direct`: the shell page; `iframe`: the same ticker inside an iframe):
  median and p90 seconds per page with the browser running;
- `parse_median_s`: parse_page on the rendered DOM, for comparison (what a static
  page costs after its fetch);
- memory of one worker's browser: the sum over its processes (Playwright's driver and
  Chromium's browser, renderer and helper processes) of RSS, and of PSS, which counts
  pages shared between them once (RSS counts them in every process).

Target: median ≤ 1 s per page once the browser is warm."""

from __future__ import annotations

import statistics
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

from pipeline.demo.replay import ReplayServer, write_js_ticker
from pipeline.fetch.render import Renderer, launches
from pipeline.parse import parse_page
from pipeline.settings import from_env
from pipeline.sources import Source

START = datetime(2025, 8, 14, 18, 0, tzinfo=UTC)
WARMUP = 3
PAGES = 30  # per variant


def run() -> dict[str, Any]:
    settings = from_env({})
    renderer = Renderer(settings.render, replace(settings.fetch, host_interval=0))
    root = Path(tempfile.mkdtemp()) / "replay"
    names = write_js_ticker(root, "flut", START)
    shells = {key: _shell(root / names[key]) for key in ("shell", "framed")}
    result: dict[str, Any] = {"pages_per_variant": PAGES, "warmup_pages": WARMUP}
    with ReplayServer(root, at=START) as server:
        try:
            result |= _measure(renderer, server, names, shells)
        finally:
            renderer.close()
    result["browsers_started"] = launches()
    return result


def _shell(folder: Path) -> bytes:
    return next(folder.iterdir()).read_bytes()


def _measure(
    renderer: Renderer, server: ReplayServer, names: dict[str, str], shells: dict[str, bytes]
) -> dict[str, Any]:
    sources = {
        k: Source(k, server.source_url(names[k]), allow_private=True) for k in ("shell", "framed")
    }
    started = time.perf_counter()
    first = renderer.render(sources["shell"], sources["shell"].url, shells["shell"])
    out: dict[str, Any] = {"cold_first_page_s": round(time.perf_counter() - started, 3)}
    for label, key in (("direct", "shell"), ("iframe", "framed")):
        source = sources[key]
        for _ in range(WARMUP):
            renderer.render(source, source.url, shells[key])
        times = [renderer.render(source, source.url, shells[key]).seconds for _ in range(PAGES)]
        out[f"warm_{label}"] = _summary(times)
    out |= _memory()
    parse = []
    for _ in range(10):
        began = time.perf_counter()
        page = parse_page(first.html, first.url, fetched_at=START)
        parse.append(time.perf_counter() - began)
    out["parse_median_s"] = round(statistics.median(parse), 4)
    out["entries_per_page"] = len(page.entries)
    out["target_met"] = out["warm_direct"]["median_s"] <= 1.0
    return out


def _summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {
        "median_s": round(statistics.median(ordered), 3),
        "p90_s": round(ordered[int(0.9 * (len(ordered) - 1))], 3),
        "max_s": round(ordered[-1], 3),
    }


def _memory() -> dict[str, Any]:
    """RSS and PSS (MiB) of every process below this one: the worker's browser."""
    rss = pss = 0
    count = 0
    for child in psutil.Process().children(recursive=True):
        try:
            info = child.memory_full_info()
        except psutil.Error:
            continue
        rss, pss, count = rss + info.rss, pss + getattr(info, "pss", info.rss), count + 1
    mib = 1024 * 1024
    return {
        "browser_processes": count,
        "browser_rss_mib": round(rss / mib, 1),
        "browser_pss_mib": round(pss / mib, 1),
    }
