"""Property tests for `pipeline.parse.timeparse`: the text parsers never raise (they answer
None), and whatever reaches UTC is aware UTC. Set TICKERLAKE_FUZZ_EXAMPLES to search
longer."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.parse.timeparse import (
    default_timezone,
    parse_clock,
    parse_day_header,
    parse_german_datetime,
    parse_iso,
    to_utc,
)

fuzz = settings(
    max_examples=int(os.environ.get("TICKERLAKE_FUZZ_EXAMPLES", "100")),
    deadline=None,
    database=None,
)
ZONES = [
    "UTC",
    "Europe/Berlin",
    "Europe/London",
    "America/St_Johns",
    "Australia/Lord_Howe",  # a 30-minute DST shift
    "Pacific/Kiritimati",  # UTC+14
    "Pacific/Pago_Pago",  # UTC-11
]
# Text shaped like the formats, with digits and separators anywhere.
time_like = st.text(alphabet="0123456789.:, +-TZUhr Augustdezmä\u00a0", max_size=40) | (
    st.tuples(st.integers(1, 31), st.integers(1, 12), st.integers(0, 9999), st.integers(0, 99)).map(
        lambda p: f"{p[0]:02}.{p[1]:02}.{p[2]:04} {p[3] % 25:02}:{p[3] % 60:02} Uhr"
    )
)
any_text = st.text(max_size=60) | time_like
# Far enough from datetime.min/max that every zone offset stays representable.
LOW, HIGH = datetime(2, 1, 1), datetime(9998, 12, 31)  # noqa: DTZ001
wall_clock = st.datetimes(min_value=LOW, max_value=HIGH)
exact_time = st.datetimes(min_value=LOW, max_value=HIGH, timezones=st.timezones())


def assert_utc(value: datetime) -> None:
    assert value.tzinfo is not None and value.utcoffset() == timedelta(0)


@fuzz
@given(text=any_text)
def test_text_parsers_answer_none_instead_of_raising(text: str) -> None:
    parse_german_datetime(text)
    parse_clock(text)
    parse_day_header(text, default_year=2025)
    parse_iso(text, allow_naive=True)


@fuzz
@given(text=any_text | exact_time.map(datetime.isoformat))
def test_parse_iso_is_aware_utc_or_none(text: str) -> None:
    value = parse_iso(text)
    if value is not None:
        assert_utc(value)


@fuzz
@given(local=wall_clock, zone=st.sampled_from(ZONES))
def test_to_utc_is_aware_and_round_trips(local: datetime, zone: str) -> None:
    value, flags = to_utc(local, zone)
    assert_utc(value)
    assert set(flags) <= {"dst_ambiguous", "dst_nonexistent"}
    if not flags:
        assert value.astimezone(ZoneInfo(zone)).replace(tzinfo=None) == local


@fuzz
@given(text=time_like, zone=st.sampled_from(ZONES))
def test_german_datetimes_reach_utc(text: str, zone: str) -> None:
    local = parse_german_datetime(text)
    if local is not None:
        assert_utc(to_utc(local, zone)[0])


@fuzz
@given(exact=exact_time, zone=st.sampled_from(ZONES))
def test_aware_input_only_changes_zone(exact: datetime, zone: str) -> None:
    value, flags = to_utc(exact, zone)
    assert (value, flags) == (exact.astimezone(UTC), ())


@fuzz
@given(host=st.text(max_size=30), language=st.none() | st.text(max_size=5))
def test_default_timezone_is_a_zone_name(host: str, language: str | None) -> None:
    assert to_utc(datetime(2025, 1, 1), default_timezone(host, language))  # noqa: DTZ001


@pytest.mark.parametrize(
    "text", ["01.01.0001 00:30 Uhr", "31.12.9999 23:59", "01.01.0001", "1. Januar 0001"]
)
def test_years_at_the_edge_of_datetime_are_not_times(text: str) -> None:
    """Found by fuzzing: these overflowed in `to_utc` (Europe/Berlin, America/New_York)."""
    assert parse_german_datetime(text) is None
    assert parse_day_header(text, default_year=2025) is None


@pytest.mark.parametrize(
    "text",
    [
        "0001-01-01T00:00:00+14:00",
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59-12:00",
        "0001-01-01T00:00",
    ],
)
def test_iso_times_that_overflow_in_utc_are_none(text: str) -> None:
    assert parse_iso(text) is None
    assert parse_iso(text, allow_naive=True) is None


def test_to_utc_rejects_a_wall_clock_year_it_cannot_convert() -> None:
    with pytest.raises(ValueError, match="year outside"):
        to_utc(datetime(1, 1, 1, 0, 30), "Europe/Berlin")  # noqa: DTZ001
