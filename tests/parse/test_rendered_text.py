"""What is left of an entry's marker line in its body: nothing, also when the page
prints the clock with a non-breaking space (`12.50&nbsp;BST`) in one line with the
reporter's name. Synthetic page, written for the test."""

from __future__ import annotations

from datetime import UTC, datetime

from pipeline.parse import parse_page

# Late enough that no clock is after the fetch in the page's zone (UTC here) either.
FETCHED = datetime(2024, 5, 15, 13, 5, tzinfo=UTC)
BODY = "The minister spoke to reporters outside the summit venue for a few minutes."


def entry(clock: str, ago: str) -> str:
    return (
        f'<article class="k-1"><header><a href="#b{clock}">'
        f"<span>{clock.replace(':', '.')}&nbsp;BST</span> · {ago}</a></header>"
        f"<p>{BODY} ({clock})</p></article>"
    )


def test_a_marker_line_with_a_non_breaking_space_leaves_no_trace() -> None:
    clocks = [("12:50", "Ann Reporter"), ("12:34", "Ann Reporter"), ("12:20", "Bo Writer")]
    posts = "".join(entry(clock, ago) for clock, ago in clocks)
    content = (
        f'<html lang="en"><head><title>Summit live</title></head><body><main><div class="s-2">'
        f"{posts}</div></main></body></html>"
    ).encode()
    parsed = parse_page(content, "https://news.example.org/summit-live", fetched_at=FETCHED)
    assert parsed.is_liveblog
    assert [e.body for e in parsed.entries] == [f"{BODY} ({clock})" for clock, _ in clocks]
    assert [e.published_at for e in parsed.entries] == [
        datetime(2024, 5, 15, int(c[:2]) - 1, int(c[3:]), tzinfo=UTC) for c, _ in clocks
    ]
