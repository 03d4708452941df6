"""Posts in a normalised client cache (objects stored apart and referred to by key, as
Apollo Client 2 writes them) assigned to any `window.name`, matched to DOM elements that
carry the post's id in a `data-…id` attribute, on a page that prints no entry time at
all. Synthetic pages, written for the test; names are not any site's."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from pipeline.models import ParsedPage
from pipeline.parse import parse_page

PAGE = "https://paper.example.net/live/2024/03/09/harbour-storm"
FETCHED = datetime(2024, 3, 9, 18, 0, tzinfo=UTC)
TEXT = "Ferry services resumed this morning after the storm passed the coast."
BIO = "A writer who has covered the weather on this coast for twenty years and more."


def posted(n: int) -> datetime:
    return FETCHED - timedelta(hours=1 + n)


def ref(key: str, *, generated: bool = True) -> dict[str, Any]:
    return {"type": "id", "generated": generated, "id": key, "typename": "X"}


def story(n: int, url: str) -> dict[str, Any]:
    """One post and the objects it embeds, keyed as the cache keys them."""
    key = f"Story:s{n}"
    return {
        key: {
            "__typename": "Story",
            "id": f"U3Rvcnk6czEw{n}",
            "legacyId": f"555100{n}",
            "postedOn": posted(n).isoformat(),
            "editedOn": (posted(n) + timedelta(minutes=20)).isoformat(),
            "title": ref(f"${key}.title"),
            "content": ref(f"${key}.content"),
            "writer": ref("Person:p1", generated=False),
            "url": url,
        },
        f"${key}.title": {"main": f"Harbour update number {n}", "kicker": ""},
        f"${key}.content": {"blocks": [ref(f"${key}.content.blocks.0")]},
        # Rich text in runs: the cache splits "resumed" (bold) from its sentence.
        f"${key}.content.blocks.0": {
            "runs": [
                {"text": "Ferry services "},
                {"text": "resumed", "bold": True},
                {"text": f" this morning after the storm passed the coast ({n})."},
            ]
        },
    }


def cache() -> dict[str, Any]:
    stories: dict[str, Any] = {"Person:p1": {"name": "A Writer", "bio": BIO}}
    for n in range(3):  # rendered
        stories |= story(n, f"{PAGE}/harbour-update-{n}")
    stories |= story(3, f"{PAGE}/harbour-update-3")  # on this page, not rendered yet
    stories |= story(4, "https://paper.example.net/2024/03/08/other-story.html")  # a teaser
    return {"store": stories, "settings": {"edition": "int"}}


def rendered(n: int) -> str:
    return (
        f'<article class="p-k" data-legacy-id="555100{n}"><div id="harbour-update-{n}"></div>'
        f'<h2><a href="#harbour-update-{n}">Harbour update number {n}</a></h2>'
        f"<p>{TEXT[:-1]} ({n}).</p><p>By A Writer</p></article>"
    )


def state_page() -> bytes:
    posts = "".join(rendered(n) for n in range(3))
    script = f"<script>window.pageStore = {json.dumps(cache())};</script>"
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Storm live</title>'
        f'</head><body><main><div class="q-z">{posts}</div></main>{script}</body></html>'
    ).encode()


def parse(kind: str) -> ParsedPage:
    return parse_page(state_page(), PAGE, fetched_at=FETCHED, kind=kind)


@pytest.mark.parametrize("kind", ["auto", "html"])
def test_posts_of_a_normalised_cache_under_any_window_name(kind: str) -> None:
    parsed = parse(kind)
    assert (parsed.parser, parsed.is_liveblog) == ("state", True)
    assert [e.published_at for e in parsed.entries] == [posted(n) for n in range(4)]
    assert [e.headline for e in parsed.entries] == [f"Harbour update number {n}" for n in range(4)]
    assert parsed.entries[0].time_text == f"[state postedOn={posted(0).isoformat()}]"


def test_a_teaser_for_another_page_is_no_entry() -> None:
    assert all("number 4" not in (e.headline or "") for e in parse("auto").entries)


def test_rendered_posts_take_the_text_the_page_renders() -> None:
    """The cache's runs lose the word between them ("resumed"); the element renders it."""
    entries = parse("auto").entries
    for n, entry in enumerate(entries[:3]):
        assert f"{TEXT[:-1]} ({n})." in entry.body
        assert BIO not in entry.body  # an author's entity is not the post's text
    assert entries[3].body  # not rendered: the cache's own text


def test_matched_by_a_data_id_attribute() -> None:
    entries = parse("auto").entries
    assert [e.url.rsplit("#", 1)[-1] for e in entries[:3]] == [f"555100{n}" for n in range(3)]


def test_one_rendered_post_is_not_enough() -> None:
    content = state_page().replace(rendered(1).encode(), b"").replace(rendered(2).encode(), b"")
    parsed = parse_page(content, PAGE, fetched_at=FETCHED)
    assert not parsed.is_liveblog


def test_cards_whose_headline_links_to_another_page_are_no_posts() -> None:
    """An article's list of further reading: the state's records are rendered, as cards
    that link elsewhere."""
    content = state_page()
    for n in range(3):
        content = content.replace(
            f'<a href="#harbour-update-{n}">'.encode(), f'<a href="/other-{n}.html">'.encode()
        )
    assert not parse_page(content, PAGE, fetched_at=FETCHED).is_liveblog


def test_one_element_holding_every_post_is_no_ticker() -> None:
    """The page's `<body data-…id>` names the article's own record, which the state holds
    twice: one element, not two posts side by side."""
    content = state_page().replace(rendered(1).encode(), b"").replace(rendered(2).encode(), b"")
    state = cache()
    twice = json.dumps({**state, "copy": state["store"]})
    content = content.replace(b"<body>", b'<body data-app-id="5551000">').replace(
        json.dumps(cache()).encode(), twice.encode()
    )
    content = content.replace(b'data-legacy-id="5551000"', b"")
    assert not parse_page(content, PAGE, fetched_at=FETCHED).is_liveblog
