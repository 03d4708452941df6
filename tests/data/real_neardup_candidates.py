"""Search `../shared/realpages/articles-de` for cross-outlet near-duplicate candidates:
the pairs of articles from different publishers that share the most word 3-shingles of
their body paragraphs (the `expected.json` of each page, its newest version). Prints
identifiers and scores only, never text (the pages stay where they are).

Run: .venv/bin/python tests/data/real_neardup_candidates.py [top]

The scoring is `bench/realdup.py`'s; its committed result (`bench/results/realdup.json`)
is what docs/alignment.md, "Held-out evaluation", quotes.
"""

from __future__ import annotations

import sys

from bench.realdup import articles, ranked
from bench.realpages import folder


def main(top: int) -> int:
    found = {
        stem: frozenset().union(*paras) for stem, paras in articles(folder("articles-de")).items()
    }
    pairs = ranked(found)
    print(f"{len(found)} articles with paragraphs, {len(pairs)} cross-publisher pairs sharing text")
    for score, a, b in pairs[:top]:
        print(f"{score:.3f}  {a}  {b}")
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 10))
