"""Wall-clock text → aware UTC: conversions, DST rules and German date formats."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest

from pipeline.parse.timeparse import (
    default_timezone,
    is_future,
    parse_clock,
    parse_day_header,
    parse_german_datetime,
    parse_iso,
    parse_loose,
    to_utc,
)


def wall(*parts: int) -> datetime:
    """A naive wall-clock time (the zone is applied by `to_utc`)."""
    return datetime(*parts)  # type: ignore[arg-type]  # noqa: DTZ001


# --- to_utc ---------------------------------------------------------------------------------


def test_to_utc_summer_time_in_berlin() -> None:
    assert to_utc(wall(2025, 8, 14, 21, 15), "Europe/Berlin") == (
        datetime(2025, 8, 14, 19, 15, tzinfo=UTC),
        (),
    )


def test_to_utc_winter_time_in_berlin() -> None:
    assert to_utc(wall(2025, 1, 10, 12, 0), "Europe/Berlin") == (
        datetime(2025, 1, 10, 11, 0, tzinfo=UTC),
        (),
    )


def test_to_utc_result_is_aware_utc() -> None:
    value, _ = to_utc(wall(2025, 8, 14, 21, 15), "Asia/Kolkata")
    assert value.utcoffset() == timedelta(0)
    assert value == datetime(2025, 8, 14, 15, 45, tzinfo=UTC)


def test_to_utc_keeps_the_instant_of_an_aware_time() -> None:
    aware = datetime(2025, 8, 14, 21, 15, tzinfo=timezone(timedelta(hours=2)))
    value, flags = to_utc(aware, "America/New_York")
    assert (value, flags) == (datetime(2025, 8, 14, 19, 15, tzinfo=UTC), ())
    assert value.tzinfo is UTC


def test_to_utc_ambiguous_autumn_time_is_the_first_occurrence() -> None:
    value, flags = to_utc(wall(2025, 10, 26, 2, 30), "Europe/Berlin")
    assert value == datetime(2025, 10, 26, 0, 30, tzinfo=UTC)  # still CEST (+02:00)
    assert flags == ("dst_ambiguous",)


def test_to_utc_nonexistent_spring_time_is_moved_forward() -> None:
    value, flags = to_utc(wall(2025, 3, 30, 2, 30), "Europe/Berlin")
    # 02:30 does not exist; moved forward by the one-hour gap to 03:30 CEST.
    assert value == datetime(2025, 3, 30, 1, 30, tzinfo=UTC)
    assert flags == ("dst_nonexistent",)


def test_to_utc_times_around_the_gap_are_not_flagged() -> None:
    assert to_utc(wall(2025, 3, 30, 1, 59), "Europe/Berlin") == (
        datetime(2025, 3, 30, 0, 59, tzinfo=UTC),
        (),
    )
    assert to_utc(wall(2025, 3, 30, 3, 0), "Europe/Berlin") == (
        datetime(2025, 3, 30, 1, 0, tzinfo=UTC),
        (),
    )


def test_to_utc_in_utc_never_flags() -> None:
    assert to_utc(wall(2025, 10, 26, 2, 30), "UTC") == (
        datetime(2025, 10, 26, 2, 30, tzinfo=UTC),
        (),
    )


# --- parse_iso ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "2025-08-14T19:15:00Z",
        "2025-08-14T19:15:00+00:00",
        "2025-08-14T21:15:00+02:00",
        "2025-08-14T15:15:00-04:00",
        " 2025-08-14T21:15:00+02:00 ",
        "2025-08-14T21:15:00.000+02:00",
    ],
)
def test_parse_iso_with_offset(text: str) -> None:
    value = parse_iso(text)
    assert value == datetime(2025, 8, 14, 19, 15, tzinfo=UTC)
    assert value is not None and value.tzinfo is UTC


@pytest.mark.parametrize(
    "text", ["2025-08-14T21:15:00", "2025-08-14", "gestern", "2025-13-01T00:00:00Z", "", None]
)
def test_parse_iso_rejects_naive_garbage_and_empty(text: str | None) -> None:
    assert parse_iso(text) is None


# --- German formats -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["14.08.2025 21:15 Uhr", "14.08.2025, 21.15 Uhr", "14.8.2025 21:15", " 14. 08. 2025 21:15 "],
)
def test_parse_german_datetime(text: str) -> None:
    assert parse_german_datetime(text) == wall(2025, 8, 14, 21, 15)


@pytest.mark.parametrize(
    "text", ["31.02.2025 10:00 Uhr", "14.08.2025 25:00", "14.08.2025", "21:15 Uhr", "Text"]
)
def test_parse_german_datetime_invalid_is_none(text: str) -> None:
    assert parse_german_datetime(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("21.15 Uhr", time(21, 15)),
        ("21:15 Uhr:", time(21, 15)),
        ("9:05", time(9, 5)),
        (" 00.00 Uhr ", time(0, 0)),
    ],
)
def test_parse_clock(text: str, expected: time) -> None:
    assert parse_clock(text) == expected


@pytest.mark.parametrize("text", ["24:00", "12:60", "12 Uhr", "heute 12:00", ""])
def test_parse_clock_invalid_is_none(text: str) -> None:
    assert parse_clock(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Donnerstag, 14. August 2025", date(2025, 8, 14)),
        ("Donnerstag, 18. 7.", date(2024, 7, 18)),
        ("14. August", date(2024, 8, 14)),
        ("Montag, 3. März 2025", date(2025, 3, 3)),
        ("Sonntag, 5. Okt. 2025", date(2025, 10, 5)),
        ("14.08.2025", date(2025, 8, 14)),
    ],
)
def test_parse_day_header(text: str, expected: date) -> None:
    assert parse_day_header(text, default_year=2024) == expected


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("Tuesday 15 May 2023", "en", date(2023, 5, 15)),
        ("May 15, 2023", "en", date(2023, 5, 15)),
        ("Montag, 3. März 2025", "de", date(2025, 3, 3)),
        ("jeudi 1er août 2024", "fr", date(2024, 8, 1)),
        ("3 févr. 2025", "fr", date(2025, 2, 3)),
        ("jueves, 29 de agosto de 2024", "es", date(2024, 8, 29)),
        ("20 dic 2024", "es", date(2024, 12, 20)),
        ("giovedì 7 settembre", "it", date(2024, 9, 7)),
        ("15 mei 2024", "nl", date(2024, 5, 15)),
        ("2 mrt", "nl", date(2024, 3, 2)),
        ("12 października 2024", "pl", date(2024, 10, 12)),
        ("czwartek, 29 sierpnia", "pl", date(2024, 8, 29)),
        ("5 de março de 2025", "pt", date(2025, 3, 5)),
        ("9 out 2024", "pt", date(2024, 10, 9)),
    ],
)
def test_parse_day_header_in_each_language(text: str, language: str, expected: date) -> None:
    assert parse_day_header(text, default_year=2024, language=language) == expected


@pytest.mark.parametrize("text", ["5 out of 6", "set 3 for 2", "Sie 2 haben"])
def test_abbreviations_that_are_words_elsewhere_are_no_months(text: str) -> None:
    """ "out" (pt), "set" (it, pt), "sie" (pl) count only on pages in their language."""
    assert parse_day_header(text, default_year=2025, language="en") is None
    assert parse_day_header(text, default_year=2025) is None


@pytest.mark.parametrize(
    "text", ["Freitag, 31. Februar 2025", "Montag, 32. 1.", "Dienstag, 1. 13.", "Keine Daten"]
)
def test_parse_day_header_invalid_is_none(text: str) -> None:
    assert parse_day_header(text, default_year=2025) is None


# --- default zone and future check ----------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "language", "zone"),
    [
        ("www.br.de", None, "Europe/Berlin"),
        ("www.derstandard.at", "de", "Europe/Vienna"),
        ("www.nzz.ch", "de", "Europe/Zurich"),
        ("www.bbc.co.uk", "en", "Europe/London"),
        ("timesofindia.indiatimes.com", "en", "UTC"),
        ("example.com", "de-DE", "Europe/Berlin"),
        ("example.com", "NL", "Europe/Amsterdam"),
        ("example.com", None, "UTC"),
        ("", "", "UTC"),
    ],
)
def test_default_timezone(host: str, language: str | None, zone: str) -> None:
    assert default_timezone(host, language) == zone


def test_is_future_allows_ten_minutes_of_clock_skew() -> None:
    fetched = datetime(2025, 8, 14, 19, 0, tzinfo=UTC)
    assert not is_future(fetched - timedelta(hours=1), fetched)
    assert not is_future(fetched + timedelta(minutes=10), fetched)
    assert is_future(fetched + timedelta(minutes=10, seconds=1), fetched)


def test_parse_loose_fills_no_missing_date_from_today() -> None:
    assert parse_loose("11:04") is None
    assert parse_loose("Aug 15 2025 11:04") == wall(2025, 8, 15, 11, 4)


def test_parse_loose_reads_dotted_dates_day_first_and_no_ambiguous_slashes() -> None:
    assert parse_loose("05.08.2025 11:04") == wall(2025, 8, 5, 11, 4)
    assert parse_loose("08/15/2025 11:04") == wall(2025, 8, 15, 11, 4)
    assert parse_loose("05/08/2025 11:04") is None


def test_parse_loose_answers_none_for_an_offset_of_a_day() -> None:
    assert parse_loose("Aug. .11 12 14+60 ") is None
