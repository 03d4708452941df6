"""Polling (issue 17): fixed 2-minute polls against the adaptive policy
(`pipeline.discover.policy`), replayed on real activity. The arrival traces are the
entry times (`published_at`) of the real live blogs in ../shared/realpages/liveblogs
(read in place, never copied; `TICKERLAKE_REALPAGES` points elsewhere), each parsed with
`parse_page`. Both strategies poll from a ticker's first entry until an hour after its
last; an entry's lag runs from its publication to the first poll at or after it.

Target: the adaptive policy makes at most half the requests of fixed 2-minute polling,
at a p90 lag no worse.

`bound` says how far any policy that sees only entry times can get on these traces. To
give nine entries in ten a lag under two minutes it must poll about as fast as the fixed
polls while the ticker has been quiet for less than the gap before those entries, i.e.
up to the 90th percentile of the gaps between entries. `bound.fast_share` is the share of
the polled time that lies within that quiet time of the newest entry: the least share of
the fixed polls such a policy must still make (other signals, such as the hour of day,
are not used)."""

from __future__ import annotations

import gzip
import os
import statistics
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from itertools import pairwise
from pathlib import Path
from typing import Any

from pipeline.discover.policy import adaptive_interval
from pipeline.parse import parse_page

ROOT = Path(__file__).resolve().parents[1]
REALPAGES = Path(os.environ.get("TICKERLAKE_REALPAGES") or ROOT.parent / "shared" / "realpages")
FIXED = timedelta(minutes=2)
TAIL = timedelta(hours=1)
MIN_ENTRIES = 5  # a page with fewer dated entries is no trace of activity
SWEEP = (0.05, 0.1, 0.25, 0.5)  # the trade-off between requests and lag
FETCHED_AT = datetime(2026, 6, 1, tzinfo=UTC)

Policy = Callable[[Sequence[datetime], datetime], timedelta]


def traces(folder: Path) -> dict[str, list[datetime]]:
    """Sorted entry times of every page with enough dated entries."""
    found = {}
    for path in sorted(folder.glob("*.html.gz")):
        page = parse_page(
            gzip.decompress(path.read_bytes()), "https://example.org/", fetched_at=FETCHED_AT
        )
        times = sorted(e.published_at for e in page.entries if e.published_at is not None)
        if len(times) >= MIN_ENTRIES:
            found[path.name.removesuffix(".html.gz")] = times
    return found


def simulate(times: list[datetime], policy: Policy) -> tuple[int, list[float]]:
    """Requests made and each entry's lag (seconds) under `policy`."""
    polls, now, end = [], times[0], times[-1] + TAIL
    while now <= end:
        polls.append(now)
        now += policy(times, now)
    lags, i = [], 0
    for t in times:
        while i < len(polls) and polls[i] < t:
            i += 1
        lags.append(((polls[i] if i < len(polls) else end) - t).total_seconds())
    return len(polls), lags


def fixed(_: Sequence[datetime], __: datetime) -> timedelta:
    return FIXED


def bound(found: dict[str, list[datetime]]) -> dict[str, float]:
    """The gap below which nine in ten entries arrive, and the share of the polled time
    within that gap of the newest entry (see the module docstring)."""
    gaps = {k: [(b - a).total_seconds() for a, b in pairwise(t)] for k, t in found.items()}
    limit = statistics.quantiles([g for run in gaps.values() for g in run], n=10)[8]
    spans = [[*run, TAIL.total_seconds()] for run in gaps.values()]
    fast = sum(min(g, limit) for run in spans for g in run)
    return {"gap_p90_s": round(limit, 1), "fast_share": round(fast / sum(map(sum, spans)), 3)}


def _summary(runs: list[tuple[int, list[float]]]) -> dict[str, float]:
    lags = [lag for _, run in runs for lag in run]
    deciles = statistics.quantiles(lags, n=10)
    return {
        "requests": sum(r for r, _ in runs),
        "lag_p50_s": round(statistics.median(lags), 1),
        "lag_p90_s": round(deciles[8], 1),
    }


def run() -> dict[str, Any]:
    found = traces(REALPAGES / "liveblogs")
    if not found:
        return {"skipped": f"no real live blogs with dated entries under {REALPAGES}"}
    fixed_2m = _summary([simulate(t, fixed) for t in found.values()])
    adaptive = _summary([simulate(t, adaptive_interval) for t in found.values()])
    sweep = {
        f"share_{share}": _summary(
            [simulate(t, partial(adaptive_interval, share=share)) for t in found.values()]
        )
        for share in SWEEP
    }
    return {
        "pages": len(found),
        "entries": sum(len(t) for t in found.values()),
        "fixed_2m": fixed_2m,
        "adaptive": adaptive,
        "request_ratio": round(adaptive["requests"] / fixed_2m["requests"], 3),
        "target_met": adaptive["requests"] <= fixed_2m["requests"] / 2
        and adaptive["lag_p90_s"] <= fixed_2m["lag_p90_s"],
        "quiet_share_sweep": sweep,
        "bound": bound(found),
    }
