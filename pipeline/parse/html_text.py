"""Clean text out of HTML: paragraphs kept, markup and entities gone.

Works on lxml elements: the parse hot path uses lxml directly (Beautiful Soup's tree
building alone costs about eleven times lxml's parse)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import TypeAlias

import lxml.etree
import lxml.html

Element: TypeAlias = lxml.html.HtmlElement

_BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "div", "ul", "ol", "br"}
DROP = {"script", "style", "noscript", "template", "svg", "button", "figure", "iframe"}
_SPACES = re.compile(r"[ \t\u00a0]+")
# Characters XML (and so lxml) refuses: controls and lone surrogates.
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def fragment_text(markup: str) -> str:
    """Text of an HTML string (e.g. a JSON-LD `articleBody`), paragraphs separated by a
    blank line."""
    if "<" not in markup:
        return tidy(html.unescape(markup))
    try:
        root = lxml.html.fragment_fromstring(_UNSAFE.sub(" ", markup), create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return tidy(html.unescape(markup))
    return element_text(root)


def element_text(node: Element) -> str:
    """The node's text with block elements as paragraph breaks; scripts, buttons,
    figures and the like left out."""
    parts: list[str] = []
    _walk(node, parts)
    return tidy("".join(parts))


def _walk(node: Element, parts: list[str]) -> None:
    if node.text:
        parts.append(node.text)
    for child in node:
        tag = child.tag
        if isinstance(tag, str) and tag not in DROP:
            block = tag in _BLOCKS
            if block:
                parts.append("\n\n")
            _walk(child, parts)
            if block:
                parts.append("\n\n")
        if child.tail:
            parts.append(child.tail)


def text_nodes(root: Element) -> Iterator[tuple[Element, str]]:
    """Every piece of text in document order with the element it belongs to (the text
    inside an element, or after a child, belongs to that element)."""
    for event, node in lxml.etree.iterwalk(root, events=("start", "end", "comment", "pi")):
        if event == "start":
            if node.text:
                yield node, node.text
        elif node.tail and (parent := node.getparent()) is not None:
            yield parent, node.tail


def classes(node: Element) -> list[str]:
    return (node.get("class") or "").split()


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
