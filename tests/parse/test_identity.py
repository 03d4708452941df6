"""Entry ids survive re-fetches and edits; content hashes change only with the text."""

from __future__ import annotations

from datetime import UTC, datetime

from pipeline.parse.identity import content_hash, entry_id, normalise

PAGE = "https://example.de/live"
AT = datetime(2025, 8, 14, 19, 15, tzinfo=UTC)


def test_normalise_folds_case_width_and_whitespace() -> None:
    assert normalise("  Trump\u00a0 TRIFFT\n\tPutin ") == "trump trifft putin"
    assert normalise("ＡＢＣ") == "abc"
    assert normalise(None) == normalise("") == ""


def test_entry_id_stable_across_headline_whitespace_and_case() -> None:
    first = entry_id(PAGE, anchor=None, headline="Trump trifft Putin", published_at=AT, body="a")
    again = entry_id(
        PAGE, anchor=None, headline="  TRUMP  trifft\nputin ", published_at=AT, body="b"
    )
    assert first == again


def test_entry_id_ignores_seconds_but_not_minutes() -> None:
    def at(minute: int, second: int) -> str:
        when = AT.replace(minute=minute, second=second)
        return entry_id(PAGE, anchor=None, headline="H", published_at=when, body="")

    assert at(15, 0) == at(15, 59)
    assert at(15, 0) != at(16, 0)


def test_entry_id_differs_across_pages() -> None:
    kwargs = {"anchor": None, "headline": "H", "published_at": AT, "body": "b"}
    assert entry_id(PAGE, **kwargs) != entry_id(PAGE + "-2", **kwargs)  # type: ignore[arg-type]
    anchored = {"anchor": "post-1", "headline": None, "published_at": None, "body": ""}
    assert entry_id(PAGE, **anchored) != entry_id(PAGE + "-2", **anchored)  # type: ignore[arg-type]


def test_anchor_wins_over_headline_time_and_body() -> None:
    first = entry_id(PAGE, anchor="post-1", headline="Alt", published_at=AT, body="alt")
    edited = entry_id(PAGE, anchor="post-1", headline="Neu", published_at=None, body="neu")
    other = entry_id(PAGE, anchor="post-2", headline="Alt", published_at=AT, body="alt")
    assert first == edited
    assert first != other


def test_entry_id_without_anchor_or_headline_hashes_the_body() -> None:
    one = entry_id(PAGE, anchor=None, headline=None, published_at=AT, body="Ein  Text")
    same = entry_id(PAGE, anchor=None, headline=None, published_at=None, body="ein text")
    other = entry_id(PAGE, anchor=None, headline=None, published_at=AT, body="Anderer Text")
    assert one == same
    assert one != other


def test_entry_id_is_a_short_hex_string() -> None:
    value = entry_id(PAGE, anchor="x", headline=None, published_at=None, body="")
    assert len(value) == 24
    int(value, 16)


def test_content_hash_ignores_whitespace() -> None:
    assert content_hash("Titel", "Absatz eins.\n\nAbsatz zwei.") == content_hash(
        "  Titel ", "Absatz  eins. \n\n  Absatz\tzwei."
    )


def test_content_hash_changes_with_text() -> None:
    base = content_hash("Titel", "Laut eine Umfrage")
    assert base != content_hash("Titel", "Laut einer Umfrage")
    assert base != content_hash("Titel!", "Laut eine Umfrage")
    assert base != content_hash(None, "Laut eine Umfrage")


def test_content_hash_separates_headline_from_body() -> None:
    assert content_hash("a", "b c") != content_hash("a b", "c")
