"""Chromium for the tests that need it (the report's plots, rendered tickers): Debian's
`chromium` package, which `make test` installs when missing. Without it those tests skip
with the reason; with TICKERLAKE_REQUIRE_SERVICES=1 (CI) a missing Chromium fails them."""

from __future__ import annotations

import os
import shutil

import pytest


def chromium() -> str:
    """The Chromium executable, or skip (fail under TICKERLAKE_REQUIRE_SERVICES=1)."""
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        reason = "chromium not installed (Debian: apt-get install -y chromium)"
        if os.environ.get("TICKERLAKE_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{reason}, but TICKERLAKE_REQUIRE_SERVICES=1")
        pytest.skip(reason)
    return binary
