"""docs/settings.md lists exactly the environment variables the code reads."""

from __future__ import annotations

import re

from pipeline.settings import PROJECT_ROOT

DOC = PROJECT_ROOT / "docs" / "settings.md"
# A literal name, or a suffix handed to settings.py's number()/whole() helpers.
_LITERAL = re.compile(r"\bTICKERLAKE_[A-Z][A-Z_]*[A-Z]\b")
_SUFFIX = re.compile(r"\b(?:number|whole)\(\s*\"([A-Z][A-Z_]*)\"")
_TEST_ONLY = {"TICKERLAKE_REALPAGES", "TICKERLAKE_REQUIRE_REALPAGES"}


def read_by_the_product() -> set[str]:
    names: set[str] = set()
    for path in [*PROJECT_ROOT.joinpath("pipeline").rglob("*.py"),
                 *PROJECT_ROOT.joinpath("plugins").rglob("*.py")]:  # fmt: skip
        text = path.read_text(encoding="utf-8")
        names |= set(_LITERAL.findall(text))
        names |= {f"TICKERLAKE_{suffix}" for suffix in _SUFFIX.findall(text)}
    return names - _TEST_ONLY


def documented() -> set[str]:
    rows = DOC.read_text(encoding="utf-8").split("## Airflow")[0]
    return set(re.findall(r"^\| `(TICKERLAKE_[A-Z_]+)` \|", rows, re.M))


def test_every_variable_the_code_reads_is_in_the_table_and_no_other() -> None:
    assert read_by_the_product() - documented() == set(), "missing from docs/settings.md"
    assert documented() - read_by_the_product() == set(), "documented but read nowhere"


def test_every_env_example_tickerlake_variable_is_documented() -> None:
    example = (PROJECT_ROOT / ".env.example").read_text(encoding="utf-8")
    names = set(re.findall(r"^(TICKERLAKE_[A-Z_]+)=", example, re.M))
    assert names <= documented()
