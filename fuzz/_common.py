"""Shared by the atheris harnesses: run atheris when it is installed, else the
hypothesis property tests with a large example count."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
FALLBACK_EXAMPLES = "5000"


def atheris_or_none() -> ModuleType | None:
    try:
        return importlib.import_module("atheris")
    except ImportError:
        return None


def fuzz(atheris: ModuleType, one_input: Callable[[bytes], None]) -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


def fall_back(test_file: str) -> int:
    """Run `test_file`'s hypothesis tests long instead (atheris is not installed)."""
    import pytest

    print(f"atheris not available: running {test_file} with hypothesis", file=sys.stderr)
    os.environ.setdefault("TICKERLAKE_FUZZ_EXAMPLES", FALLBACK_EXAMPLES)
    os.chdir(ROOT)
    return int(pytest.main(["-q", "-p", "no:cacheprovider", test_file]))
