"""The language of a text that does not state it (plain text, HTML without `lang`), from
its most common function words: enough to pick a zone and a time parser, no more."""

from __future__ import annotations

import re
from collections import Counter

# Short words frequent in one language and rare in the others.
_FUNCTION_WORDS = {
    "de": "der die das und ist nicht mit sich auf für den dem des ein eine einer wird sind "
    "auch nach bei aus wie noch zum zur über",
    "en": "the and is are was were with that this for from have has not which will would "
    "been their they about after",
    "fr": "le la les et est une des du dans pour pas que qui sur avec sont au aux ce cette "
    "il elle ont été",
    "es": "el la los las y es una del en que por para con no se su sus al como pero fue "
    "han más este esta",
    "it": "il lo la gli le e è una del della che per con non di da sono nel nella anche "
    "come più questo",
    "nl": "de het een en is van dat die niet met voor op zijn er aan ook als bij nog naar "
    "wordt werd",
    "pl": "i w na nie się że z do jest to jak po od za przez tak ale już są był została",
    "pt": "o a os as e é um uma do da dos das que em para com não por se mais foi são como também",
}
_WORDS = {lang: frozenset(words.split()) for lang, words in _FUNCTION_WORDS.items()}
_TOKEN = re.compile(r"[^\W\d_]+")
_SAMPLE = 20_000  # characters: the opening of a page tells its language
_MIN_HITS = 8
_LEAD = 1.5  # the winner needs this many times the runner-up's hits


def detect_language(text: str) -> str | None:
    """`de`, `en`, `fr`, `es`, `it`, `nl`, `pl` or `pt`, or None when the text has too
    few function words or two languages are close."""
    hits: Counter[str] = Counter()
    for token in _TOKEN.findall(text[:_SAMPLE].lower()):
        for language, words in _WORDS.items():
            if token in words:
                hits[language] += 1
    ranked = hits.most_common(2)
    if not ranked or ranked[0][1] < _MIN_HITS:
        return None
    if len(ranked) > 1 and ranked[0][1] < ranked[1][1] * _LEAD:
        return None
    return ranked[0][0]
