"""Adaptive poll intervals (`poll_interval: auto`): a ticker is polled fast while it
posts and ever more slowly as it quiets, between `MIN_INTERVAL` and `MAX_INTERVAL`.

The interval is a share (`QUIET_SHARE`) of the time since the ticker's newest entry:
an entry two minutes old means the next one is likely soon (poll again in a minute), a
ticker silent for two hours can wait fifteen minutes. Newsrooms post in bursts, so the
time since the last entry is a better guide than the average rate. bench/polling.py
replays the entry times of real live blogs against this policy and fixed 2-minute polls.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

MIN_INTERVAL = timedelta(seconds=90)
MAX_INTERVAL = timedelta(minutes=30)
QUIET_SHARE = 0.1
# Before a ticker has shown any dated entry it is polled at the fast end: it was just found.
NO_ACTIVITY = MIN_INTERVAL


def adaptive_interval(
    entry_times: Sequence[datetime], now: datetime, *, share: float = QUIET_SHARE
) -> timedelta:
    """The wait before the next poll, from the times of the entries seen so far."""
    seen = [t for t in entry_times if t <= now]
    if not seen:
        return NO_ACTIVITY
    quiet = now - max(seen)
    return min(MAX_INTERVAL, max(MIN_INTERVAL, quiet * share))
