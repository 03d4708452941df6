"""The warehouse as an Airflow Connection (`tickerlake_warehouse`, type `duckdb`).

Host: the DuckDB file. Extra `{"backend": "ducklake", "catalog_conn_id": ID,
"data_path": PATH}` puts the warehouse on DuckLake with the PostgreSQL Connection ID as
its catalog. Without the Connection the environment decides (pipeline.settings)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from airflow.providers.duckdb.hooks.duckdb import DuckDBHook
from airflow.sdk import BaseHook

from pipeline.errors import ConfigError
from pipeline.settings import LakeConfig, Settings

WAREHOUSE_CONN_ID = "tickerlake_warehouse"


class WarehouseHook(DuckDBHook):
    """Where the warehouse is. `pipeline` opens it itself (it migrates on open), so the
    hook resolves the location; `get_conn()` still serves ad-hoc SQL on the DuckDB file."""

    default_conn_name = WAREHOUSE_CONN_ID
    hook_name = "tickerlake warehouse"

    def locate(self, settings: Settings) -> Settings:
        if self.airflow_connection is None:
            return settings
        extra: dict[str, Any] = self.connection_extra
        backend = extra.get("backend", "duckdb")
        if backend == "ducklake":
            return replace(settings, lake=_lake(extra))
        if backend != "duckdb":
            raise ConfigError(f"connection {WAREHOUSE_CONN_ID}: backend {backend!r} is unknown")
        return replace(settings, warehouse=Path(self.get_database()), lake=None)


def _lake(extra: dict[str, Any]) -> LakeConfig:
    conn_id, data_path = extra.get("catalog_conn_id"), extra.get("data_path")
    if not conn_id or not data_path:
        raise ConfigError(
            f"connection {WAREHOUSE_CONN_ID}: backend ducklake needs extra "
            "catalog_conn_id (a PostgreSQL connection) and data_path"
        )
    return LakeConfig(catalog=libpq(BaseHook.get_connection(conn_id)), data_path=str(data_path))


def libpq(conn: Any) -> str:
    """A libpq connection string from a PostgreSQL Connection's fields."""
    fields = {
        "host": conn.host,
        "port": conn.port,
        "dbname": conn.schema,
        "user": conn.login,
        "password": conn.password,
    }
    return " ".join(f"{key}={_quote(str(value))}" for key, value in fields.items() if value)


def _quote(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("'", "\\'")
    return f"'{escaped}'"
