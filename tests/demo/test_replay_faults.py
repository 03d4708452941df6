"""faults.yaml: steps are consumed per request; malformed files name source and step."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.demo.faults import ALWAYS, FaultFileError, load_faults


def plan_from(tmp_path: Path, text: str) -> Path:
    (tmp_path / "faults.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def test_no_file_means_no_faults(tmp_path: Path) -> None:
    plan = load_faults(tmp_path)
    assert plan.step("a", 0) is None
    assert plan.robots_txt() is None


def test_steps_are_consumed_in_order(tmp_path: Path) -> None:
    text = "a: [{fault: status, status: 500, times: 2}, {fault: reset}]\n"
    plan = load_faults(plan_from(tmp_path, text))
    faults = [step.fault if (step := plan.step("a", n)) else None for n in range(4)]
    assert faults == ["status", "status", "reset", None]


def test_always_repeats_forever(tmp_path: Path) -> None:
    plan = load_faults(plan_from(tmp_path, "a: [{fault: reset, times: always}]\n"))
    step = plan.step("a", 1000)
    assert step is not None and step.times == ALWAYS


def test_robots_disallow_builds_robots_txt(tmp_path: Path) -> None:
    plan = load_faults(plan_from(tmp_path, "b: [{fault: robots-disallow}]\na: []\n"))
    assert plan.robots_txt() == "User-agent: *\nDisallow: /b\n"
    assert plan.step("b", 0) is None


def test_defaults(tmp_path: Path) -> None:
    plan = load_faults(plan_from(tmp_path, "a: [{fault: stall}]\n"))
    step = plan.step("a", 0)
    assert step is not None and step.get("seconds") == 30.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- a\n", "expected a mapping"),
        ("a: {fault: reset}\n", "a: expected a list"),
        ("a: [{fault: explode}]\n", r"a\[0\]: expected fault: one of"),
        ("a: [{fault: stall, colour: red}]\n", r"a\[0\]: stall does not take colour"),
        ("a: [{fault: status, status: '500'}]\n", "does not take status"),
        ("a: [{fault: reset, times: 0}]\n", "times must be"),
        ("a: [unclosed\n", "not valid YAML"),
    ],
)
def test_malformed_files(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(FaultFileError, match=message):
        load_faults(plan_from(tmp_path, text))
