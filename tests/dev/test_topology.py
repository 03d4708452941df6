"""The deployment topologies, run for real with processes on this machine.

- The embedded default (`make airflow`): `airflow standalone`, SQLite metadata, the DuckDB
  file.
- The docker-compose topology: api-server, scheduler, dag-processor, triggerer and one
  Celery worker, each started with the command and environment docker-compose.yml gives
  it; metadata in a fresh PostgreSQL database, broker on the local Redis (a unique key
  prefix), the warehouse on DuckLake with a fresh PostgreSQL catalog.

Both trigger `tickerlake_ingest` through the REST API against the demo sources and the
demo's outlet on a replay server, wait for success, check the rows (the outlet's ticker
found and loaded in that one run), and see `tickerlake_enrich` run from the warehouse
asset.
"""

from __future__ import annotations

import re
import secrets
import subprocess
from base64 import urlsafe_b64encode
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from psycopg.conninfo import conninfo_to_dict

from dev.topology import (
    BIN,
    FINISHED,
    AirflowApi,
    Processes,
    connect_api,
    free_port,
    log_tail,
    passwords_file,
    standalone_environment,
    start_standalone,
    wait_for_run,
)
from pipeline.demo import outlet
from pipeline.discover.classify import ticker_id, url_hash
from pipeline.settings import PROJECT_ROOT, LakeConfig
from pipeline.warehouse.lake import connect_lake
from pipeline.warehouse.snapshot import query_path
from tests.support.services import PG_ADMIN, REDIS_URL, fresh_database

pytestmark = pytest.mark.integration
LOCAL = "http://127.0.0.1"  # the replay server; the ids below do not depend on its port
OUTLET_TICKER = ticker_id(outlet.OUTLET_ID, f"{LOCAL}/{outlet.TICKER}")
DEMO_SOURCES = {"alaska-jsonld", "alaska-de-html", "alaska-text", OUTLET_TICKER}
# What the outlet's discovery fetches beside its ticker, sources never: the feed, and
# the article the feed lists.
DISCOVERY_FETCHES = {
    f"{outlet.OUTLET_ID}~listing-{url_hash(f'{LOCAL}/{outlet.FEED}')}",
    ticker_id(outlet.OUTLET_ID, f"{LOCAL}/{outlet.ARTICLE}"),
}
DAGS = ("tickerlake_ingest", "tickerlake_enrich")
RUN_TIMEOUT = 300.0


def start_replay(procs: Processes) -> None:
    """The demo sources on a replay server; it binds a free port itself (port 0, no race
    with another process taking a port chosen ahead) and writes the sources file, with
    that port, into the data dir."""
    procs.start("replay", [str(BIN / "tickerlake"), "replay-server", "--port", "0"])


def ingest_then_enrich(procs: Processes, api: AirflowApi) -> str:
    """Trigger an ingest run, wait for it and for the enrich run its asset event starts;
    return the ingest run's id."""
    run_id = api.trigger("tickerlake_ingest")
    state = wait_for_run(procs, api, "tickerlake_ingest", run_id, timeout=RUN_TIMEOUT)
    assert state == "success", api.task_states("tickerlake_ingest", run_id)
    enrich: dict[str, Any] = procs.wait_until(
        lambda: next((r for r in api.runs("tickerlake_enrich") if r["state"] in FINISHED), None),
        what="tickerlake_enrich to run from the asset",
        timeout=RUN_TIMEOUT,
    )
    assert enrich["run_type"] == "asset_triggered"
    assert enrich["state"] == "success", api.task_states("tickerlake_enrich", enrich["dag_run_id"])
    counts = api.xcom("tickerlake_enrich", enrich["dag_run_id"], "enrich")
    assert set(counts) == {"stories", "entry_document_links"}  # it ran, not skipped
    return run_id


def loads_of(con: duckdb.DuckDBPyConnection, run_id: str) -> set[tuple[str, int]]:
    """(source, HTTP status) of the fetches the run loaded."""
    rows = con.execute("SELECT source_id, status FROM fetches WHERE load_id = ?", [run_id])
    return set(rows.fetchall())


def entries_per_source(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    rows = con.execute("SELECT source_id, count(*) FROM entries GROUP BY ALL").fetchall()
    return dict(rows)


@pytest.fixture
def standalone(tmp_path: Path) -> Iterator[tuple[Processes, AirflowApi, Path]]:
    data, port = tmp_path / "var", free_port()
    warehouse = tmp_path / "warehouse" / "tickerlake.duckdb"
    tickerlake = {
        "TICKERLAKE_INGEST_SCHEDULE": "none",
        "TICKERLAKE_SOURCES": str(data / "demo-sources.yaml"),
        "TICKERLAKE_WAREHOUSE": str(warehouse),
        "TICKERLAKE_DATA_DIR": str(data),
    }
    env = standalone_environment(tmp_path, port, tickerlake)
    with Processes(env, tmp_path / "logs") as procs:
        start_replay(procs)
        start_standalone(procs)
        yield procs, connect_api(procs, f"http://127.0.0.1:{port}", DAGS), warehouse


def test_standalone_ingests_and_enriches(
    standalone: tuple[Processes, AirflowApi, Path],
) -> None:
    procs, api, warehouse = standalone
    run_id = ingest_then_enrich(procs, api)
    # As analysts read it: the scheduler may already run the next task on the live file.
    with duckdb.connect(str(query_path(warehouse)), read_only=True) as con:
        assert set(entries_per_source(con)) == DEMO_SOURCES
        assert loads_of(con, run_id) == {(s, 200) for s in DEMO_SOURCES | DISCOVERY_FETCHES}


# The compose topology. Every Airflow service is started with the command and the
# environment docker-compose.yml gives it; only what a container gets from Docker differs:
# hostnames become 127.0.0.1, container paths become folders of this checkout or of the
# test, and ports that would clash on one host are chosen free.
COMPOSE = PROJECT_ROOT / "docker-compose.yml"
CELERY_SERVICES = ("airflow-apiserver", "airflow-scheduler", "airflow-dag-processor",
                   "airflow-triggerer", "airflow-worker")  # fmt: skip
_VARIABLE = re.compile(r"\$\{(\w+)(?::-([^}]*))?\}")


def interpolate(value: str, dotenv: Mapping[str, str]) -> str:
    """Compose's `${VAR}` / `${VAR:-default}` from the .env values."""
    return _VARIABLE.sub(lambda m: dotenv.get(m[1]) or m[2] or "", value)


def localise(value: str, replacements: Mapping[str, str]) -> str:
    for container, local in replacements.items():
        value = value.replace(container, local)
    return value


def dotenv_for(metadata_db: str) -> dict[str, str]:
    """.env.example's keys with this test's values (trust auth: no password)."""
    example = (PROJECT_ROOT / ".env.example").read_text(encoding="utf-8")
    keys = [line.split("=", 1)[0] for line in example.splitlines() if re.match(r"^\w+=", line)]
    values = {
        "AIRFLOW_UID": "0",
        "POSTGRES_USER": "postgres",
        "POSTGRES_PASSWORD": "",
        "POSTGRES_DB": metadata_db,
        "POSTGRES_PORT": "5432",
        "TICKERLAKE_CONTACT": "mailto:test@example.invalid",
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
        "AIRFLOW__CORE__FERNET_KEY": urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "TICKERLAKE_SOURCES": "/opt/airflow/var/demo-sources.yaml",
        "TICKERLAKE_INGEST_SCHEDULE": "none",
        "TICKERLAKE_WATCH_SOURCES": "",
        "TICKERLAKE_WATCH_INTERVAL": "15",
        "TICKERLAKE_MAINTAIN_SCHEDULE": "none",  # the test triggers what it checks
        "TICKERLAKE_SNAPSHOT_RETENTION_HOURS": "24",
        "TICKERLAKE_ARCHIVE_RETENTION_DAYS": "",
    }
    assert set(keys) == set(values), "a .env.example key this test does not set"
    return values


def compose_environment(
    service: Mapping[str, Any], dotenv: Mapping[str, str], replacements: Mapping[str, str]
) -> dict[str, str]:
    declared = {k: str(v) for k, v in service["environment"].items()}
    return {
        k: localise(interpolate(v, dotenv), replacements) for k, v in {**dotenv, **declared}.items()
    }


@pytest.fixture
def celery_topology(
    tmp_path: Path, redis_prefix: str
) -> Iterator[tuple[Processes, AirflowApi, LakeConfig]]:
    with fresh_database() as metadata_db, fresh_database() as catalog_db:
        yield from _run_celery_topology(tmp_path, redis_prefix, metadata_db, catalog_db)


def _run_celery_topology(
    tmp_path: Path, prefix: str, metadata_db: str, catalog_db: str
) -> Iterator[tuple[Processes, AirflowApi, LakeConfig]]:
    services = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))["services"]
    port, home = free_port(), tmp_path / "airflow"
    pg = conninfo_to_dict(PG_ADMIN)
    pg_host, pg_port = pg.get("host", "127.0.0.1"), pg.get("port", 5432)
    pg_address = f"{pg_host}:{pg_port}"
    redis_host = REDIS_URL.split("//")[1].split("/")[0]
    replacements = {
        "@postgres/": f"@{pg_address}/",
        "@postgres:5432/": f"@{pg_address}/",
        "/tickerlake_catalog": f"/{catalog_db}",
        "host=postgres port=5432": f"host={pg_host} port={pg_port}",
        "dbname=tickerlake_catalog": f"dbname={catalog_db}",
        "redis://redis:6379": f"redis://{redis_host}",
        "http://airflow-apiserver:8080": f"http://127.0.0.1:{port}",
        "/opt/airflow/dags": str(PROJECT_ROOT / "dags"),
        "/opt/airflow/plugins": str(PROJECT_ROOT / "plugins"),
        "/opt/airflow/warehouse": str(tmp_path / "warehouse"),
        "/opt/airflow/var": str(tmp_path / "var"),
    }
    env = compose_environment(services["airflow-scheduler"], dotenv_for(metadata_db), replacements)
    env.update(host_only_settings(home, port, prefix))
    logs = tmp_path / "logs"
    init = services["airflow-init"]["command"]
    _run_init([localise(arg, replacements) for arg in init], env, logs)
    with Processes(env, logs) as procs:
        start_replay(procs)
        for name in CELERY_SERVICES:
            assert services[name]["environment"] == services["airflow-scheduler"]["environment"]
            procs.start(name, list(services[name]["command"]))
        lake = LakeConfig(
            catalog=PG_ADMIN.replace("dbname=postgres", f"dbname={catalog_db}"),
            data_path=str(tmp_path / "warehouse" / "lake") + "/",
        )
        yield procs, connect_api(procs, f"http://127.0.0.1:{port}", DAGS), lake


def host_only_settings(home: Path, port: int, prefix: str) -> dict[str, str]:
    """What containers need not set: a home and free ports on this shared host, a Redis key
    prefix of the test's own, one api-server worker and a small worker pool (2 cores)."""
    return {
        "AIRFLOW_HOME": str(home),
        "HOME": str(home),
        "PATH": f"{BIN}:/usr/bin:/bin",
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__WORKERS": "1",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords_file(home)),
        "AIRFLOW__CELERY__WORKER_CONCURRENCY": "4",
        "AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__GLOBAL_KEYPREFIX": prefix,
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
        "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT": str(free_port()),
    }


def _run_init(argv: list[str], env: Mapping[str, str], logs: Path) -> None:
    logs.mkdir(parents=True, exist_ok=True)
    with (logs / "airflow-init.log").open("wb") as out:
        done = subprocess.run(
            argv, env=dict(env), stdout=out, stderr=subprocess.STDOUT, timeout=600
        )
    assert done.returncode == 0, log_tail(logs / "airflow-init.log")


@pytest.mark.services
def test_compose_topology_ingests_and_enriches(
    celery_topology: tuple[Processes, AirflowApi, LakeConfig],
) -> None:
    procs, api, lake = celery_topology
    run_id = ingest_then_enrich(procs, api)
    with connect_lake(lake, read_only=True) as con:
        assert set(entries_per_source(con)) == DEMO_SOURCES
        assert loads_of(con, run_id) == {(s, 200) for s in DEMO_SOURCES | DISCOVERY_FETCHES}
