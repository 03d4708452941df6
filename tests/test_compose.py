"""Static checks of docker-compose.yml and the Dockerfile (no Docker engine here)."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import yaml

from pipeline.settings import PROJECT_ROOT
from pipeline.sources import load_sources

AIRFLOW_SERVICES = {
    "airflow-init",
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker",
}
CONTAINER_ROOT = "/opt/airflow/"


def _compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())
    return data


def _bind_mounts() -> list[tuple[str, str, str]]:
    """(service, host path, container path) of every bind mount."""
    mounts = []
    for name, service in _compose()["services"].items():
        for volume in service.get("volumes", []):
            source, target = volume.split(":")[:2]
            if source.startswith("."):
                mounts.append((name, source, target))
    return mounts


def test_compose_validates_against_the_compose_spec() -> None:
    checker = Path(sys.executable).parent / "check-jsonschema"
    done = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.compose-spec", "docker-compose.yml"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_compose_has_the_official_airflow_services_with_healthchecks() -> None:
    services = _compose()["services"]
    assert {"postgres", "redis", *AIRFLOW_SERVICES} <= set(services)
    for name in {"postgres", "redis", *AIRFLOW_SERVICES} - {"airflow-init"}:
        assert "healthcheck" in services[name], name
    assert services["replay"]["profiles"] == ["demo"]


def test_every_bind_mount_exists() -> None:
    mounted = {target for _, _, target in _bind_mounts()}
    assert {"/opt/airflow/dags", "/opt/airflow/plugins", "/opt/airflow/warehouse"} <= mounted
    for name, source, _ in _bind_mounts():
        assert (PROJECT_ROOT / source).exists(), f"{name} mounts missing {source}"


def test_files_named_in_commands_are_mounted() -> None:
    """The init service imports the pools file through the plugins mount."""
    text = (PROJECT_ROOT / "docker-compose.yml").read_text()
    mounts = {target: source for _, source, target in _bind_mounts()}
    for path in re.findall(r"/opt/airflow/\S+\.json", text):
        target = next(t for t in mounts if path.startswith(t + "/"))
        assert (PROJECT_ROOT / mounts[target] / path[len(target) + 1 :]).is_file(), path


def test_warehouse_is_ducklake_on_the_compose_postgres() -> None:
    env = _compose()["x-airflow-common"]["environment"]
    assert '"backend": "ducklake"' in env["AIRFLOW_CONN_TICKERLAKE_WAREHOUSE"]
    assert "@postgres:5432/tickerlake_catalog" in env["AIRFLOW_CONN_TICKERLAKE_CATALOG"]
    init = (PROJECT_ROOT / "deploy/postgres-init").glob("*.sql")
    assert any("CREATE DATABASE tickerlake_catalog" in p.read_text() for p in init)


def test_image_airflow_version_is_the_locked_one() -> None:
    lock = tomllib.loads((PROJECT_ROOT / "uv.lock").read_text())
    locked = next(p["version"] for p in lock["package"] if p["name"] == "apache-airflow")
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text()
    pinned = re.search(r"^ARG AIRFLOW_VERSION=(\S+)$", dockerfile, re.M)
    assert pinned is not None and pinned[1] == locked
    assert "uv sync --frozen" in dockerfile and "--group deploy" in dockerfile


def test_no_secret_in_compose() -> None:
    compose = _compose()
    env = compose["x-airflow-common"]["environment"]
    for key, value in env.items():
        if any(word in key for word in ("PASSWORD", "SECRET", "FERNET")):
            raise AssertionError(f"{key} belongs in .env")
        assert "change-me" not in str(value), key
    text = (PROJECT_ROOT / "docker-compose.yml").read_text()
    assert re.search(r"://\w+:(?!\$\{)[^@\s]+@", text) is None  # inline credentials
    example = (PROJECT_ROOT / ".env.example").read_text()
    assert "POSTGRES_PASSWORD=change-me" in example


def _dotenv_example() -> dict[str, str]:
    lines = (PROJECT_ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if re.match(r"^\w+=", line))


def test_your_own_sources_come_from_the_mounted_config_folder() -> None:
    sources = _dotenv_example()["TICKERLAKE_SOURCES"]
    mounts = {target: source for _, source, target in _bind_mounts()}
    folder = str(Path(sources).parent)
    assert folder in mounts, f"{sources} is not in a bind-mounted folder"
    host = PROJECT_ROOT / mounts[folder]
    assert (host / "sources.example.yaml").is_file()
    assert load_sources(host / "sources.example.yaml")  # the example is a valid file


def test_every_env_example_variable_is_explained_by_a_comment() -> None:
    lines = (PROJECT_ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        if re.match(r"^\w+=", line):
            above = lines[:number]
            block = next(
                (i for i in range(number - 1, -1, -1) if not re.match(r"^\w+=", above[i])), -1
            )
            assert block >= 0 and above[block].startswith("#"), f"{line}: no comment above it"
    assert {"TICKERLAKE_CONTACT", "AIRFLOW_UID", "TICKERLAKE_SOURCES"} <= set(_dotenv_example())


def test_postgres_is_published_on_loopback_only() -> None:
    ports = _compose()["services"]["postgres"]["ports"]
    assert ports and all(str(p).startswith("127.0.0.1:") for p in ports)
