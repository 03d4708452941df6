"""Static checks of docker-compose.yml (there is no Docker engine to run it here)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from pipeline.settings import PROJECT_ROOT

SERVICES = {"postgres", "redis", "airflow-init", "airflow-apiserver", "airflow-scheduler"}


def _compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())
    return data


def test_compose_has_the_airflow_services() -> None:
    services = _compose()["services"]
    assert SERVICES | {"airflow-dag-processor", "airflow-triggerer", "airflow-worker"} <= set(
        services
    )


def test_every_bind_mount_exists() -> None:
    for name, service in _compose()["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (PROJECT_ROOT / source).exists(), f"{name} mounts missing {source}"


def test_no_secret_in_compose() -> None:
    text = (PROJECT_ROOT / "docker-compose.yml").read_text()
    assert "PASSWORD:" not in text.replace("${POSTGRES_PASSWORD}", "")
    assert Path(PROJECT_ROOT / ".env.example").is_file()
