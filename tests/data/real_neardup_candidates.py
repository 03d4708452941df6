"""Search `../shared/realpages/articles-de` for cross-outlet near-duplicate candidates:
the pairs of articles from different publishers that share the most word 3-shingles of
their body paragraphs (the `expected.json` of each page, its newest version). Prints
identifiers and scores only, never text (the pages stay where they are).

Run: .venv/bin/python tests/data/real_neardup_candidates.py [top]

Result 2026-12-02 (docs/alignment.md, "Held-out evaluation"): no candidate at all; the
highest containment between two publishers' articles is 0.05.
"""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path
from typing import Any

from pipeline.enrich.stories import shingles
from tests.support.realpages import ARTICLES


def paragraphs(path: Path) -> list[str]:
    versions: Any = json.loads(path.read_text(encoding="utf-8"))
    newest = versions[sorted(versions)[-1]] if isinstance(versions, dict) else None
    body = newest.get("body") if isinstance(newest, dict) else None
    if not isinstance(body, dict):
        return []
    return [p for s in body.get("sections", []) for p in s.get("paragraphs", [])]


def articles() -> dict[str, frozenset[str]]:
    """Page file stem → the shingles of all its paragraphs (pages without any left out)."""
    found = {}
    for path in sorted(ARTICLES.glob("*.expected*.json")):
        paras = paragraphs(path)
        if paras:
            found[path.name.split(".expected")[0]] = frozenset().union(*map(shingles, paras))
    return found


def ranked(found: dict[str, frozenset[str]]) -> list[tuple[float, str, str]]:
    """Cross-publisher pairs by containment (shared shingles / the smaller article's)."""
    pairs = []
    for a, b in itertools.combinations(found, 2):
        if a.split("_")[0] != b.split("_")[0] and found[a] & found[b]:
            shared = len(found[a] & found[b])
            pairs.append((shared / min(len(found[a]), len(found[b])), a, b))
    return sorted(pairs, reverse=True)


def main(top: int) -> int:
    found = articles()
    pairs = ranked(found)
    print(f"{len(found)} articles with paragraphs, {len(pairs)} cross-publisher pairs sharing text")
    for score, a, b in pairs[:top]:
        print(f"{score:.3f}  {a}  {b}")
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 10))
