"""`text_nodes` reads libxml2's text nodes straight from an XPath query: each must be one
whole lxml `.text` or `.tail`, in document order, with the element it belongs to. Checked
against a walk over `.text` and `.tail` on generated markup and the real live blogs."""

from __future__ import annotations

import gzip
from collections.abc import Iterator

import lxml.etree
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.parse.html_text import Element, parse_html, text_nodes
from tests.support.realpages import LIVEBLOGS

SKIP = {"style", "nav", "option"}
PIECES = [
    "<div>",
    "</div>",
    "<p class='x'>",
    "</p>",
    "<b>",
    "</b>",
    "<br>",
    "<img src=x>",
    "<time>",
    "</time>",
    "<nav>",
    "</nav>",
    "<select><option>",
    "<!-- comment -->",
    "<?pi x?>",
    "<![CDATA[ data ]]>",
    "<svg><text>",
    "<textarea>",
    "</textarea>",
    "<xmp>",
    "</xmp>",
    "<title>",
    "<style>",
    "</style>",
    "<script>",
    "</script>",
    " 12:30 Uhr: ",
    "Posted 5m ago",
    "&amp; &lt; &#0; &#xD800; &nbsp;",
    "\x00",
    "\r\n",
    "   ",
    "\u00a0",
    "x" * 3000,
    "é" * 700,
]


def reference(root: Element, skip: set[str]) -> Iterator[tuple[Element, str, str]]:
    """The texts by lxml's own `.text` and `.tail`, as a walk over the tree finds them."""
    for event, node in lxml.etree.iterwalk(root, events=("start", "end", "comment", "pi")):
        owner = node if event == "start" else node.getparent()
        raw = node.text if event == "start" else node.tail
        if owner is None or not raw or not raw.strip():
            continue
        tag = str(owner.tag)
        if tag not in skip and tag != "script":
            yield owner, tag, raw.strip()


def assert_same(root: Element) -> None:
    found = list(text_nodes(root, SKIP))
    expected = list(reference(root, SKIP))
    assert [(t, s) for _, t, s in found] == [(t, s) for _, t, s in expected]
    assert all(a is b for (a, _, _), (b, _, _) in zip(found, expected, strict=True))


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40))
def test_text_nodes_are_whole_texts_and_tails(pieces: list[str]) -> None:
    root = parse_html("<html><body>" + "".join(pieces) + "</body></html>")
    assert root is not None
    assert_same(root)


@pytest.mark.skipif(not LIVEBLOGS.is_dir(), reason="no real pages in ../shared/realpages")
def test_text_nodes_on_the_real_live_blogs() -> None:
    for path in sorted(LIVEBLOGS.glob("*.html.gz")):
        root = parse_html(gzip.decompress(path.read_bytes()))
        assert root is not None
        assert_same(root)
