"""A loader process for the crash trials (tests/support/crashload.py) and the concurrent-reader
test: the single writer, killed at random or loading while readers query.

It imports only the warehouse modules (start-up dominates a trial), prints `ready`, then
for every JSON line [warehouse, load_id, now, batch...] on stdin runs what
`pipeline.warehouse.backend.load` runs for the DuckDB warehouse (open and migrate, one load
transaction, publish the reader snapshot) and prints `done`. It ends at end of input.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

from pipeline.warehouse import connect, publish_reader
from pipeline.warehouse.load import load_batches


def main() -> int:
    print("ready", flush=True)
    for line in sys.stdin:
        warehouse, load_id, now, *batches = json.loads(line)
        load(Path(warehouse), [Path(b) for b in batches], load_id, datetime.fromisoformat(now))
        print("done", flush=True)
    return 0


def load(warehouse: Path, batches: list[Path], load_id: str, now: datetime) -> None:
    with connect(warehouse) as con:
        load_batches(con, batches, load_id=load_id, now=now)
        publish_reader(con, warehouse)


if __name__ == "__main__":
    sys.exit(main())
