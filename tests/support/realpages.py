"""Where the real pages are: `../shared/realpages` beside the checkout, or
`TICKERLAKE_REALPAGES`. They are read in place, never copied into the repository
(publishers hold the copyright). With `TICKERLAKE_REQUIRE_REALPAGES=1` (CI) a missing
folder, or one whose page count differs from its `index.tsv`, fails the session instead
of letting the real-page tests skip (tests/conftest.py)."""

from __future__ import annotations

import os
from pathlib import Path

from pipeline.settings import PROJECT_ROOT

REALPAGES = Path(
    os.environ.get("TICKERLAKE_REALPAGES") or PROJECT_ROOT.parent / "shared" / "realpages"
)
LIVEBLOGS = REALPAGES / "liveblogs"
ARTICLES = REALPAGES / "articles-de"


def problems() -> list[str]:
    """Why the real pages cannot be used: a missing folder or index, or a page count that
    differs from the index's row count."""
    found = []
    for folder in (LIVEBLOGS, ARTICLES):
        index = folder / "index.tsv"
        if not index.is_file():
            found.append(f"{index}: missing")
            continue
        rows = len(index.read_text(encoding="utf-8").splitlines()) - 1
        pages = len(list(folder.glob("*.html.gz")))
        if pages != rows:
            found.append(f"{folder}: {pages} pages, index.tsv lists {rows}")
    return found


def required() -> bool:
    return os.environ.get("TICKERLAKE_REQUIRE_REALPAGES") == "1"
