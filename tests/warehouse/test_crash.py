"""Crash safety: the loader killed with SIGKILL in each phase of a load (open and migrate,
the load transaction, its commit, the reader snapshot's checkpoint, copy and rename)
never leaves a broken warehouse or a torn reader view, and rerunning the load gives
exactly the uninterrupted state; on the DuckDB file and on DuckLake over PostgreSQL.

TICKERLAKE_CRASH_TRIALS sets the number of trials on the file: 12 in the test suite, 60
under `make reliability`; DuckLake, with half the phases, gets half as many. Kills are
aimed at each phase in turn. What each trial checks
is described in tests/support/crashload.py.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest

from tests.support.crash_child import FILE_PHASES, LAKE_PHASES
from tests.support.crashload import Trial, run_trials

TRIALS = int(os.environ.get("TICKERLAKE_CRASH_TRIALS", "12"))


def _check(trials: list[Trial], phases: tuple[str, ...]) -> None:
    failed = [t for t in trials if not t.passed]
    landed = Counter(t.landed for t in trials)
    assert failed == [], f"landed {landed}"
    assert set(phases) <= set(landed), f"phases never hit: {set(phases) - set(landed)}"


def test_sigkill_in_every_phase_loses_nothing(tmp_path: Path) -> None:
    _check(run_trials(TRIALS, tmp_path), FILE_PHASES)


@pytest.mark.services
@pytest.mark.integration
def test_sigkill_in_every_phase_of_a_ducklake_load_loses_nothing(tmp_path: Path) -> None:
    _check(run_trials(TRIALS // 2, tmp_path, lake=True), LAKE_PHASES)
