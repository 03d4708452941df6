"""The package's shape: a bare face, and a wheel that ships the product only."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from pipeline.settings import PROJECT_ROOT

PROBE = "import sys, {module}; print(sorted({{m.split('.')[0] for m in sys.modules}}))"


def imported_by(module: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return list(eval(done.stdout))  # our own probe's printed list


def test_the_errors_and_settings_every_plugin_imports_load_no_parser_library() -> None:
    for module in ("pipeline.errors", "pipeline.settings"):
        loaded = imported_by(module)
        assert not {"lxml", "dateparser", "htmldate", "feedparser", "duckdb"} & set(loaded)


def test_the_wheel_holds_the_package_and_its_sql_but_no_dev_tools_or_tests(
    tmp_path: Path,
) -> None:
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(tmp_path)],
        cwd=PROJECT_ROOT,
        check=True,
        capture_output=True,
        timeout=120,
    )
    (wheel,) = tmp_path.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names}
    assert tops == {"pipeline", wheel.name.split("-")[0] + "-0.1.0.dist-info"}
    assert "pipeline/sql/migrations/001_initial.sql" in names
    assert "pipeline/sql/views.sql" in names
    assert not [n for n in names if n.endswith((".duckdb", ".wal")) or "/lake/" in n]


def test_the_package_version_is_the_project_version() -> None:
    import tomllib

    import pipeline

    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert pipeline.__version__ == project["project"]["version"]
