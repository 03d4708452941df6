"""Parse throughput: the demo snapshots, and the real live blogs in ../shared/realpages
when present (read in place, never copied)."""

from __future__ import annotations

import gzip
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeline import demo_sources, parse_page

REALPAGES = Path(__file__).resolve().parents[2] / "shared" / "realpages" / "liveblogs"
FETCHED_AT = datetime(2025, 8, 14, 20, tzinfo=UTC)
ROUNDS = 3


def _pages() -> list[tuple[str, bytes]]:
    root = Path(tempfile.mkdtemp()) / "demo"
    demo_sources.generate(root)
    pages = [(f"http://demo/{p.parent.name}", p.read_bytes()) for p in root.glob("*/*.html")]
    if REALPAGES.is_dir():
        pages += [
            (f"https://real/{p.name}", gzip.decompress(p.read_bytes()))
            for p in REALPAGES.glob("*.html.gz")
        ]
    return pages


def run() -> dict[str, Any]:
    pages = _pages()
    entries = 0
    started = time.perf_counter()
    for _ in range(ROUNDS):
        for url, body in pages:
            entries += len(parse_page(body, url, fetched_at=FETCHED_AT).entries)
    elapsed = time.perf_counter() - started
    calls = ROUNDS * len(pages)
    return {
        "pages": len(pages),
        "realpages_included": REALPAGES.is_dir(),
        "ms_per_page": round(1000 * elapsed / calls, 2),
        "pages_per_second": round(calls / elapsed, 1),
        "entries_per_round": entries // ROUNDS,
    }
