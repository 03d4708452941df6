"""Airflow's services as local processes, driven through its REST API: the integration
tests reproduce the docker-compose topology (and `airflow standalone`) with them, and
`bench/freshness.py` measures on them. Airflow is never imported here.

Each service runs in its own process group with its output in `<log_dir>/<name>.log`;
a service that exits early fails the wait with the tail of its log.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import requests

from pipeline.demo import airflow_env
from pipeline.errors import TickerlakeError

_T = TypeVar("_T")
HTTP_TIMEOUT = 10.0
STOP_GRACE = 30.0
START_TIMEOUT = 240.0
BIN = Path(sys.executable).parent
ADMIN = "admin"
# A fresh password per process: the local services only live as long as it does.
ADMIN_PASSWORD = secrets.token_urlsafe(16)


class TopologyError(TickerlakeError):
    """A service died, or did not reach the awaited state in time."""


def free_port() -> int:
    """A port free right now, for Airflow's own servers: the other services are told the
    port before the server starts, so it cannot bind port 0 and report back as the replay
    server does. Should another process take it meanwhile, the server fails to bind and
    the wait fails with its log."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def log_tail(path: Path, lines: int = 40) -> str:
    if not path.exists():
        return "(no log)"
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


@dataclass
class Processes:
    """Long-running services started with one environment; stopped (SIGTERM, then
    SIGKILL) on exit, the last started first."""

    env: Mapping[str, str]
    log_dir: Path
    cwd: Path | None = None
    running: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, name: str, argv: list[str]) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with (self.log_dir / f"{name}.log").open("ab") as out:
            self.running[name] = subprocess.Popen(
                argv,
                env=dict(self.env),
                cwd=self.cwd,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def check(self) -> None:
        """Raise if a service has exited."""
        for name, proc in self.running.items():
            if proc.poll() is not None:
                raise TopologyError(
                    f"service {name} exited with {proc.returncode}; "
                    f"last lines of {self.log_dir / name}.log:\n"
                    + log_tail(self.log_dir / f"{name}.log")
                )

    def stop(self) -> None:
        for proc in reversed(self.running.values()):
            _signal(proc, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE
        for proc in reversed(self.running.values()):
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal(proc, signal.SIGKILL)
                proc.wait()
            # Children (task runners, gunicorn workers) may outlive a leader that exited.
            _signal(proc, signal.SIGKILL)
        self.running.clear()

    def __enter__(self) -> Processes:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def wait_until(
        self, probe: Callable[[], _T | None], *, what: str, timeout: float, every: float = 1.0
    ) -> _T:
        """Poll `probe` until it returns a value other than None (or False), failing fast
        when a service dies. A probe whose HTTP request times out (a loaded machine) is
        asked again until the deadline."""
        deadline = time.monotonic() + timeout
        while True:
            self.check()
            value = _patient(probe)
            if value is not None and value is not False:
                return value
            if time.monotonic() > deadline:
                raise TopologyError(f"timed out after {timeout:.0f} s waiting for {what}")
            time.sleep(every)


def _patient(probe: Callable[[], _T | None]) -> _T | None:
    try:
        return probe()
    except requests.Timeout:
        return None


def _signal(proc: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)


class AirflowApi:
    """The few calls of Airflow's REST API v2 the tests and benchmarks need."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    @classmethod
    def login(cls, base_url: str, username: str, password: str) -> AirflowApi:
        """A client with a token from the simple auth manager's `/auth/token`."""
        response = requests.post(
            f"{base_url.rstrip('/')}/auth/token",
            json={"username": username, "password": password},
            timeout=HTTP_TIMEOUT,
        )
        response.raise_for_status()
        return cls(base_url, response.json()["access_token"])

    def call(self, method: str, path: str, body: Any = None) -> Any:
        response = self.session.request(
            method, f"{self.base_url}/api/v2/{path}", json=body, timeout=HTTP_TIMEOUT
        )
        if response.status_code >= 400:
            raise TopologyError(f"{method} {path}: {response.status_code} {response.text[:500]}")
        return response.json() if response.content else None

    def dag_ready(self, dag_id: str) -> bool:
        """Parsed by the dag-processor and known to the API."""
        response = self.session.get(f"{self.base_url}/api/v2/dags/{dag_id}", timeout=HTTP_TIMEOUT)
        return response.status_code == 200

    def unpause(self, dag_id: str) -> None:
        self.call("PATCH", f"dags/{dag_id}", {"is_paused": False})

    def pause(self, dag_id: str) -> None:
        self.call("PATCH", f"dags/{dag_id}", {"is_paused": True})

    def trigger(self, dag_id: str, conf: Mapping[str, Any] | None = None) -> str:
        run = self.call(
            "POST", f"dags/{dag_id}/dagRuns", {"logical_date": None, "conf": dict(conf or {})}
        )
        run_id: str = run["dag_run_id"]
        return run_id

    def runs(self, dag_id: str) -> list[dict[str, Any]]:
        page = self.call("GET", f"dags/{dag_id}/dagRuns?order_by=-run_after&limit=100")
        runs: list[dict[str, Any]] = page["dag_runs"]
        return runs

    def run_state(self, dag_id: str, run_id: str) -> str:
        state: str = self.call("GET", f"dags/{dag_id}/dagRuns/{run_id}")["state"]
        return state

    def task_states(self, dag_id: str, run_id: str) -> dict[str, str | None]:
        page = self.call("GET", f"dags/{dag_id}/dagRuns/{run_id}/taskInstances?limit=1000")
        return {f"{ti['task_id']}[{ti['map_index']}]": ti["state"] for ti in page["task_instances"]}

    def xcom(self, dag_id: str, run_id: str, task_id: str, key: str = "return_value") -> Any:
        path = f"dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/xcomEntries/{key}"
        return self.call("GET", path)["value"]


def api_up(base_url: str) -> bool:
    try:
        return requests.get(f"{base_url}/api/v2/version", timeout=HTTP_TIMEOUT).ok
    except requests.RequestException:
        return False


FINISHED = frozenset({"success", "failed"})


def wait_for_run(
    procs: Processes, api: AirflowApi, dag_id: str, run_id: str, *, timeout: float
) -> str:
    """The final state of a DAG run."""
    return procs.wait_until(
        lambda: state if (state := api.run_state(dag_id, run_id)) in FINISHED else None,
        what=f"{dag_id} run {run_id} to finish",
        timeout=timeout,
    )


def passwords_file(home: Path) -> Path:
    """The simple auth manager's password file, written before it would generate one."""
    path = home / "passwords.json"
    home.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({ADMIN: ADMIN_PASSWORD}), encoding="utf-8")
    return path


def standalone_environment(root: Path, port: int, tickerlake: Mapping[str, str]) -> dict[str, str]:
    """The environment of `airflow standalone` under `root` (home `root/airflow`, logs in
    `root/logs`), its SQLite metadata migrated: the API on 127.0.0.1:`port` with the
    admin password ADMIN_PASSWORD; `tickerlake` holds the TICKERLAKE_* settings."""
    home = root / "airflow"
    env = airflow_env.environment(
        home,
        {
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords_file(home)),
            # Set, not left to standalone to generate: under load the scheduler signed
            # task tokens the api-server rejected ("Signature verification failed").
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
            **tickerlake,
        },
    )
    airflow_env.migrate_db(env, root / "logs" / "migrate.log")
    return env


def start_standalone(procs: Processes) -> None:
    procs.start("standalone", [str(BIN / "airflow"), "standalone"])


def connect_api(procs: Processes, base_url: str, unpause: Iterable[str]) -> AirflowApi:
    """A client once the api-server answers, after the DAGs in `unpause` are parsed and
    unpaused."""
    procs.wait_until(lambda: api_up(base_url), what="the api-server", timeout=START_TIMEOUT)
    api = AirflowApi.login(base_url, ADMIN, ADMIN_PASSWORD)
    for dag_id in unpause:
        ready = functools.partial(api.dag_ready, dag_id)
        procs.wait_until(ready, what=f"{dag_id} parsed", timeout=START_TIMEOUT)
        api.unpause(dag_id)
    return api
