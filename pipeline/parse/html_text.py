"""Clean text out of HTML: paragraphs kept, markup and entities gone.

Works on plain lxml elements: the parse hot path uses lxml directly (Beautiful Soup's
tree building alone costs about eleven times lxml's parse, and `lxml.html`'s element
classes cost a Python call per node)."""

from __future__ import annotations

import html
from collections.abc import Collection, Iterator
from typing import TypeAlias, cast

import lxml.etree

Element: TypeAlias = lxml.etree._Element

# HTML's block elements, and table cells: each of their texts is a paragraph of its own.
_BLOCKS = {
    *("p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "div", "ul", "ol", "br"),
    *("header", "footer", "section", "article", "aside", "main", "address", "figcaption"),
    *("dl", "dt", "dd", "table", "tr", "td", "th", "pre", "hr"),
}
DROP = {"script", "style", "noscript", "template", "svg", "button", "figure", "iframe"}


def fragment_text(markup: str) -> str:
    """Text of an HTML string (e.g. a JSON-LD `articleBody`), paragraphs separated by a
    blank line."""
    if "<" not in markup:
        return tidy(html.unescape(markup))
    root = parse_html(markup)
    return element_text(root) if root is not None else tidy(html.unescape(markup))


def parse_html(markup: str | bytes) -> Element | None:
    """An lxml tree of `markup` (a page or a fragment; bytes are UTF-8), None when there
    is nothing to parse. Handed over as UTF-8 bytes with the encoding stated: lxml refuses
    a str with characters XML cannot hold. A parser per call, as lxml parsers must not be
    shared between threads."""
    parser = lxml.etree.HTMLParser(encoding="utf-8")
    data = markup if isinstance(markup, bytes) else markup.encode("utf-8", "replace")
    try:
        return lxml.etree.fromstring(data, parser=parser)
    except (lxml.etree.ParserError, ValueError):
        return None


def words_of(node: Element) -> str:
    """The node's text on one line, its pieces joined by spaces (`<time><span>4m
    ago</span>12:50</time>` → `4m ago 12:50`), as Beautiful Soup's `get_text(" ")`."""
    return tidy(" ".join(cast(Iterator[str], node.itertext())))


def text_of(node: Element) -> str:
    """All text below `node`, as lxml's `text_content()` gives it."""
    # lxml's stubs allow bytes; an HTML tree parsed from text yields str only.
    return "".join(cast(Iterator[str], node.itertext()))


def element_text(node: Element, leave_out: Collection[Element] = ()) -> str:
    """The node's text with block elements as paragraph breaks; scripts, buttons,
    figures and the like left out, and the elements in `leave_out`."""
    parts: list[str] = []
    _walk(node, parts, leave_out)
    return tidy("".join(parts))


def _walk(node: Element, parts: list[str], leave_out: Collection[Element]) -> None:
    if node.text:
        parts.append(node.text)
    for child in node:
        tag = child.tag
        if isinstance(tag, str) and tag not in DROP and child not in leave_out:
            block = tag in _BLOCKS
            if block:
                parts.append("\n\n")
            _walk(child, parts, leave_out)
            if block:
                parts.append("\n\n")
        if child.tail:
            parts.append(child.tail)


# Every text node but a script's, in document order: one libxml2 query costs a third of a
# walk over the tree in Python, and a script's text (often most of the page) is never
# copied out. `descendant::`, not `.//`: libxml2 then tests the predicate in one pass
# instead of once per element. Blank texts (the whitespace between tags: up to three in
# four of a page's text nodes) are dropped by libxml2, never handed to Python.
TEXT_PATH = "descendant::text()[not(parent::script)][normalize-space()]"
_TEXT_NODES = lxml.etree.XPath(TEXT_PATH)


def text_nodes(
    root: Element, skip: set[str], query: lxml.etree.XPath = _TEXT_NODES
) -> Iterator[tuple[Element, str, str]]:
    """Every piece of text that is not blank, stripped, in document order with the element
    it belongs to and that element's tag (the text inside an element, or after a child,
    belongs to that element). Texts of scripts and of elements tagged `skip` are left out.

    `query` may add elements to the texts (`TEXT_PATH | …`, in document order); those come
    as (element, tag, "").

    A text node is one whole `.text` or `.tail`: libxml2's HTML parser merges adjacent
    text (tests/parse/test_html_text.py holds it to that)."""
    for found in cast(list[lxml.etree._ElementUnicodeResult | Element], query(root)):
        if isinstance(found, lxml.etree._Element):
            if found.tag not in skip:
                yield found, str(found.tag), ""
            continue
        text = found.strip()
        if not text:
            continue
        owner = found.getparent()
        if found.is_tail and owner is not None:  # a tail belongs to the node's parent
            owner = owner.getparent()
        if owner is not None and (tag := owner.tag) not in skip:
            yield owner, tag, text


def classes(node: Element) -> list[str]:
    return (node.get("class") or "").split()


def tidy(text: str) -> str:
    """Fold runs of spaces; keep paragraph breaks as exactly one blank line."""
    if "\n" not in text and "\r" not in text:  # one line, as most texts are
        return " ".join(text.split())
    lines = (" ".join(line.split()) for line in text.replace("\r", "\n").split("\n"))
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
