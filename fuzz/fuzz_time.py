"""atheris harness for `pipeline.parse.timeparse`: text parsers answer None instead of
raising, and what reaches UTC is aware UTC."""

from __future__ import annotations

import sys
from datetime import timedelta

from fuzz._common import atheris_or_none, fall_back, fuzz

ZONES = ["UTC", "Europe/Berlin", "America/St_Johns", "Pacific/Kiritimati", "Pacific/Pago_Pago"]


def main() -> int:
    atheris = atheris_or_none()
    if atheris is None:
        return fall_back("tests/parse/test_timeparse_fuzz.py")
    with atheris.instrument_imports():
        from pipeline.parse import timeparse

    def one_input(data: bytes) -> None:
        text = data[1:].decode("utf-8", errors="replace")
        zone = ZONES[data[0] % len(ZONES)] if data else "UTC"
        timeparse.parse_clock(text)
        timeparse.parse_day_header(text, default_year=2025)
        for local in (
            timeparse.parse_german_datetime(text),
            timeparse.parse_iso(text, allow_naive=True),
        ):
            if local is not None:
                value = timeparse.to_utc(local, zone)[0]
                assert value.utcoffset() == timedelta(0), (text, zone, value)

    fuzz(atheris, one_input)
    return 0


if __name__ == "__main__":
    sys.exit(main())
