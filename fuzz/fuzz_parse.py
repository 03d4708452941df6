"""atheris harness for `parse_page`: any bytes, under any of a few content types, give a
page or a `ParseError`, nothing else. libFuzzer options pass through, e.g.
`python -m fuzz.fuzz_parse -max_total_time=60 tests/fixtures`."""

from __future__ import annotations

import contextlib
import sys
from datetime import UTC, datetime

from fuzz._common import atheris_or_none, fall_back, fuzz

CONTENT_TYPES = [None, "text/html", "text/plain", "application/rss+xml", "application/xml"]
FETCHED_AT = datetime(2025, 8, 14, 19, 30, tzinfo=UTC)


def main() -> int:
    atheris = atheris_or_none()
    if atheris is None:
        return fall_back("tests/parse/test_parse_fuzz.py")
    with atheris.instrument_imports():
        from pipeline.errors import ParseError
        from pipeline.parse import parse_page

    def one_input(data: bytes) -> None:
        content_type = CONTENT_TYPES[data[0] % len(CONTENT_TYPES)] if data else None
        headers = {"Content-Type": content_type} if content_type else None
        with contextlib.suppress(ParseError):
            parse_page(
                data[1:], "https://ticker.example.de/live", fetched_at=FETCHED_AT, headers=headers
            )

    fuzz(atheris, one_input)
    return 0


if __name__ == "__main__":
    sys.exit(main())
