"""Running this project's DAGs with the `airflow` CLI in a subprocess (the demo and the
integration tests). Airflow is never imported here, so `pipeline` stays Airflow-free."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from pipeline.errors import TickerlakeError
from pipeline.settings import PROJECT_ROOT


class AirflowCommandError(TickerlakeError):
    """An `airflow` subprocess failed; the message points at its log."""


def environment(airflow_home: Path, extra: dict[str, str]) -> dict[str, str]:
    """The embedded default: SQLite metadata in `airflow_home`, this project's DAGs and
    plugins, no examples."""
    env = dict(os.environ)
    env.update(
        {
            "AIRFLOW_HOME": str(airflow_home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(PROJECT_ROOT / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
            "PYTHONPATH": os.pathsep.join(
                p for p in (str(PROJECT_ROOT / "plugins"), env.get("PYTHONPATH")) if p
            ),
            "PATH": os.pathsep.join((str(Path(sys.executable).parent), env.get("PATH", ""))),
            **extra,
        }
    )
    return env


def airflow(args: list[str], env: dict[str, str], log: Path, *, timeout: float = 600) -> None:
    """Run `airflow ARGS`, appending its output to `log`."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a", encoding="utf-8") as out:
        out.write(f"\n$ airflow {' '.join(args)}\n")
        out.flush()
        done = subprocess.run(
            [sys.executable, "-m", "airflow", *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=timeout,
            check=False,
        )
    if done.returncode != 0:
        raise AirflowCommandError(f"`airflow {args[0]} {args[1]}` failed; see {log}")


POOLS = PROJECT_ROOT / "plugins" / "tickerlake_airflow" / "pools.json"


def migrate_db(env: dict[str, str], log: Path) -> None:
    """The metadata database at the newest schema, with tickerlake's pools."""
    airflow(["db", "migrate"], env, log)
    airflow(["pools", "import", str(POOLS)], env, log)


def test_dag(dag_id: str, env: dict[str, str], log: Path, *, now: datetime) -> None:
    """One run of `dag_id` in-process (`airflow dags test`) at cycle time `now`."""
    airflow(["dags", "test", dag_id, "-c", json.dumps({"now": now.isoformat()})], env, log)
