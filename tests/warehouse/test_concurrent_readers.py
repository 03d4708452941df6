"""Concurrent readers: `tickerlake sql` queried continuously while load cycles run in
another process sees no error and only consistent snapshots (see tests/support/readers.py).

TICKERLAKE_READER_CYCLES sets the number of load cycles: 6 in the test suite, 20 under
`make reliability`.
"""

from __future__ import annotations

import os
from pathlib import Path

from tests.support.readers import run_readers

CYCLES = int(os.environ.get("TICKERLAKE_READER_CYCLES", "6"))


def test_readers_see_only_whole_loads_while_cycles_run(tmp_path: Path) -> None:
    run = run_readers(CYCLES, tmp_path)
    assert run.errors == []
    assert run.inconsistent == []
    assert run.reads > CYCLES // 2  # the readers really ran alongside the loads
    assert run.loads_seen == sorted(run.loads_seen)
