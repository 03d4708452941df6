"""Cross-outlet near-duplicates among the real German articles (`articles-de` of the real
pages): the evidence docs/alignment.md ("Held-out evaluation") gives for why no held-out
near-duplicate set could be labelled there.

Each article is the body paragraphs of the newest version in its `*.expected*.json`,
as word 3-shingles (`pipeline.enrich.stories.shingles`); its publisher is the file
name's prefix before the first `_`. Scored: every pair of articles of different
publishers that shares a shingle, by containment (shared shingles over the smaller
article's), and every such pair of paragraphs of at least PARAGRAPH_MIN_SHINGLES.
Identifiers and scores only, never text (the pages stay where they are)."""

from __future__ import annotations

import itertools
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench.realpages import RealPagesMissingError, folder, index_rows
from pipeline.enrich.stories import shingles

PARAGRAPH_MIN_SHINGLES = 5
PARAGRAPH_CONTAINMENT_MIN = 0.2
TOP = 5


def paragraphs(path: Path) -> list[str]:
    versions: Any = json.loads(path.read_text(encoding="utf-8"))
    newest = versions[sorted(versions)[-1]] if isinstance(versions, dict) else None
    body = newest.get("body") if isinstance(newest, dict) else None
    if not isinstance(body, dict):
        return []
    return [p for s in body.get("sections", []) for p in s.get("paragraphs", [])]


def articles(root: Path) -> dict[str, list[frozenset[str]]]:
    """Page file stem → the shingles of each of its paragraphs (pages without any left out)."""
    found = {}
    for path in sorted(root.glob("*.expected*.json")):
        if paras := paragraphs(path):
            found[path.name.split(".expected")[0]] = [shingles(p) for p in paras]
    return found


def publisher(stem: str) -> str:
    return stem.split("_")[0]


def ranked(found: dict[str, frozenset[str]]) -> list[tuple[float, str, str]]:
    """Cross-publisher pairs sharing a shingle, by containment, highest first."""
    pairs = []
    for a, b in itertools.combinations(found, 2):
        if publisher(a) != publisher(b) and (shared := len(found[a] & found[b])):
            pairs.append((shared / min(len(found[a]), len(found[b])), a, b))
    return sorted(pairs, reverse=True)


def paragraph_pairs(found: dict[str, list[frozenset[str]]]) -> tuple[int, list[dict[str, Any]]]:
    """The paragraphs long enough to count, and the cross-publisher pairs of them at or
    above PARAGRAPH_CONTAINMENT_MIN (found through the shingles they share)."""
    units = [
        (stem, n, s)
        for stem, paras in found.items()
        for n, s in enumerate(paras)
        if len(s) >= PARAGRAPH_MIN_SHINGLES
    ]
    holders: defaultdict[str, list[int]] = defaultdict(list)
    for i, (_, _, s) in enumerate(units):
        for shingle in s:
            holders[shingle].append(i)
    shared: defaultdict[tuple[int, int], int] = defaultdict(int)
    for held in holders.values():
        for i, j in itertools.combinations(held, 2):
            if publisher(units[i][0]) != publisher(units[j][0]):
                shared[i, j] += 1
    close = []
    for (i, j), count in sorted(shared.items()):
        containment = count / min(len(units[i][2]), len(units[j][2]))
        if containment >= PARAGRAPH_CONTAINMENT_MIN:
            close.append(
                {
                    "containment": round(containment, 3),
                    "shared_shingles": count,
                    "a": f"{units[i][0]}#{units[i][1]}",
                    "b": f"{units[j][0]}#{units[j][1]}",
                }
            )
    return len(units), close


def run() -> dict[str, Any]:
    root = folder("articles-de")
    if not index_rows(root):
        raise RealPagesMissingError(f"no real articles in {root}: set TICKERLAKE_REALPAGES")
    found = articles(root)
    pairs = ranked({stem: frozenset().union(*paras) for stem, paras in found.items()})
    paragraph_count, close = paragraph_pairs(found)
    return {
        "articles_with_paragraphs": len(found),
        "cross_publisher_pairs_sharing_a_shingle": len(pairs),
        "top_article_pairs": [
            {"containment": round(score, 3), "a": a, "b": b} for score, a, b in pairs[:TOP]
        ],
        "paragraph_min_shingles": PARAGRAPH_MIN_SHINGLES,
        "paragraphs": paragraph_count,
        "paragraph_containment_min": PARAGRAPH_CONTAINMENT_MIN,
        "paragraph_pairs_at_or_above_min": close,
    }
