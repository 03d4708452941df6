"""Clean text out of HTML fragments: paragraphs kept, markup and entities gone."""

from __future__ import annotations

import html
import re

from bs4 import BeautifulSoup, Tag

_BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "div", "ul", "ol", "br"}
_DROP = ["script", "style", "noscript", "template", "svg", "button", "figure", "iframe"]
_SPACES = re.compile(r"[ \t\u00a0]+")


def fragment_text(markup: str) -> str:
    """Text of an HTML string (e.g. a JSON-LD `articleBody`), paragraphs separated by a
    blank line."""
    if "<" not in markup:
        return tidy(html.unescape(markup))
    return element_text(BeautifulSoup(markup, "lxml"))


def element_text(node: Tag) -> str:
    for junk in node.find_all(_DROP):
        junk.decompose()
    parts: list[str] = []
    _walk(node, parts)
    return tidy("".join(parts))


def _walk(node: Tag, parts: list[str]) -> None:
    for child in node.children:
        if isinstance(child, Tag):
            block = child.name in _BLOCKS
            if block:
                parts.append("\n\n")
            _walk(child, parts)
            if block:
                parts.append("\n\n")
        else:
            parts.append(str(child))


def tidy(text: str) -> str:
    """Fold runs of spaces; keep paragraph breaks as exactly one blank line."""
    lines = (_SPACES.sub(" ", line).strip() for line in text.replace("\r", "\n").split("\n"))
    paragraphs: list[str] = []
    current: list[str] = []
    for line in lines:
        if line:
            current.append(line)
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return "\n\n".join(paragraphs)
