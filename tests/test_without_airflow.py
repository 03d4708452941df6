"""`pipeline` must import and run a whole cycle where importing Airflow fails."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = """
import sys
sys.modules["airflow"] = None  # any `import airflow…` now raises ImportError
try:
    import airflow  # noqa: F401
except ImportError:
    pass
else:
    raise SystemExit("airflow is still importable")
import pipeline
from pipeline.cli.main import main
raise SystemExit(main(["--warehouse", sys.argv[1], "run", "--demo"]))
"""


def test_pipeline_runs_with_airflow_unimportable(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(warehouse)],
        env={"TICKERLAKE_DATA_DIR": str(tmp_path / "var"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    # the newest snapshot: 16 + 16 + 17 entries of the three sources, and 16 of the
    # outlet's ticker, discovered and loaded in this one cycle
    assert '"entry_rows": 65' in done.stdout
    assert not any(m.startswith("airflow") for m in done.stdout.split())
