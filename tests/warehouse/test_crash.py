"""Crash safety: the loader killed with SIGKILL at random points (seeded) never leaves a
broken warehouse, and rerunning the load gives exactly the uninterrupted state.

TICKERLAKE_CRASH_TRIALS sets the number of trials: 6 in the test suite, 50 under
`make reliability`. What each trial checks is described in tests/support/crashload.py.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from tests.support.crashload import run_trials

TRIALS = int(os.environ.get("TICKERLAKE_CRASH_TRIALS", "6"))


def test_sigkill_at_random_points_loses_nothing(tmp_path: Path) -> None:
    trials = run_trials(TRIALS, tmp_path)
    assert len(trials) == TRIALS
    failed = [t for t in trials if not t.passed]
    assert failed == [], f"outcomes {Counter(t.outcome for t in trials)}"
