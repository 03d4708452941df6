"""Regenerate tests/data/neardup_pairs.jsonl: labelled near-duplicate pairs built from the
bundled seed corpus paragraphs and our own synthetic variants of them.

Positive (label 1): the kind of edits an outlet makes when it reprints agency copy: a
dateline, a swapped word, another transliteration, changed quotes, a cut last sentence,
an added credit line, and combinations. Negative (label 0): the paragraph most similar
in vocabulary from another place in the corpus (same summit, same names), a splice that
borrows one sentence, and random pairs.

Run: .venv/bin/python tests/data/make_neardup_pairs.py
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from pathlib import Path

from pipeline.enrich.corpus import BUNDLED, read_document

OUT = Path(__file__).resolve().parent / "neardup_pairs.jsonl"
MIN_WORDS = 25
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-ZÄÖÜ„\"])")
DATELINES = ["Anchorage (dpa) - ", "Moskau/Washington (AFP) – ", "Berlin (Reuters) - "]
SWAPS = {
    "sagte": "erklärte",
    "Präsident": "Staatschef",
    "Treffen": "Gipfeltreffen",
    "Selenskyj": "Selenskij",
    "Wladimir": "Waldimir",
    "allerdings": "jedoch",
    "Russland": "Moskau",
    "erklärte": "sagte",
}
CREDITS = ["Das berichtete die Nachrichtenagentur dpa.", "(AFP)", "Mehr in Kürze."]


def paragraphs() -> list[str]:
    texts = []
    for path in sorted(BUNDLED.glob("*.txt")):
        texts += read_document(path, "seed", "Europe/Berlin").paragraphs
    unique = dict.fromkeys(t for t in texts if len(t.split()) >= MIN_WORDS)
    return list(unique)


def sentences(text: str) -> list[str]:
    return _SENTENCE.split(text)


def dateline(text: str, rng: random.Random) -> str:
    return rng.choice(DATELINES) + text


def swap(text: str, rng: random.Random) -> str:
    present = [w for w in SWAPS if w in text]
    if not present:
        words = text.split()
        del words[rng.randrange(len(words))]
        return " ".join(words)
    word = rng.choice(present)
    return text.replace(word, SWAPS[word], 1)


def typography(text: str, _rng: random.Random) -> str:
    plain = text.replace("„", '"').replace("“", '"').replace("–", "-")
    return plain.replace(" - ", " – ") if plain == text else plain


def cut_tail(text: str, rng: random.Random) -> str:
    parts = sentences(text)
    return " ".join(parts[:-1]) if len(parts) >= 3 else swap(text, rng)


def credit(text: str, rng: random.Random) -> str:
    return f"{text} {rng.choice(CREDITS)}"


def combo(text: str, rng: random.Random) -> str:
    return typography(swap(dateline(text, rng), rng), rng)


VARIANTS: dict[str, Callable[[str, random.Random], str]] = {
    "dateline": dateline,
    "swap": swap,
    "typography": typography,
    "cut_tail": cut_tail,
    "credit": credit,
    "combo": combo,
}


def word_jaccard(a: str, b: str) -> float:
    x, y = set(a.lower().split()), set(b.lower().split())
    return len(x & y) / len(x | y)


def positives(texts: list[str], rng: random.Random) -> list[dict[str, object]]:
    return [
        {"a": t, "b": fn(t, rng), "label": 1, "kind": name}
        for t in texts
        for name, fn in VARIANTS.items()
        if fn(t, random.Random(0)) != t
    ]


def negatives(texts: list[str], rng: random.Random) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for i, t in enumerate(texts):
        nearest = max((o for j, o in enumerate(texts) if j != i), key=lambda o: word_jaccard(t, o))
        rows.append({"a": t, "b": nearest, "label": 0, "kind": "same_topic"})
        other = rng.choice([o for o in texts if o != t and len(sentences(o)) >= 3])
        borrowed = sentences(other)
        borrowed.insert(1, sentences(t)[0])
        if len(sentences(t)) >= 3:
            rows.append({"a": t, "b": " ".join(borrowed), "label": 0, "kind": "splice"})
        rows.append({"a": t, "b": rng.choice(texts), "label": 0, "kind": "random"})
    return [r for r in rows if r["a"] != r["b"]]


def main() -> None:
    rng = random.Random(5)
    texts = paragraphs()
    rows = positives(texts, rng) + negatives(texts, rng)
    with OUT.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{OUT}: {len(rows)} pairs from {len(texts)} seed paragraphs")


if __name__ == "__main__":
    main()
