"""The one place that reads the environment. Everything else takes explicit arguments."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_WAREHOUSE = Path("warehouse/tickerlake.duckdb")
DEFAULT_DATA_DIR = Path("var")


@dataclass(frozen=True, slots=True)
class LakeConfig:
    """The DuckLake backend: metadata in PostgreSQL, table data as Parquet files."""

    catalog: str  # libpq connection string of the PostgreSQL catalog database
    data_path: str  # folder (or object-store URL) that holds the Parquet files


@dataclass(frozen=True, slots=True)
class Settings:
    warehouse: Path
    data_dir: Path
    sources_file: Path | None
    user_agent: str
    max_body_bytes: int
    connect_timeout: float
    read_timeout: float
    lake: LakeConfig | None = None  # None: the embedded DuckDB file `warehouse`

    @property
    def staging_dir(self) -> Path:
        return self.data_dir / "staging"

    @property
    def archive_dir(self) -> Path:
        return self.data_dir / "archive"


def from_env(environ: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if environ is None else environ)
    contact = env.get("TICKERLAKE_CONTACT", "https://github.com/tickerlake/tickerlake")
    sources = env.get("TICKERLAKE_SOURCES")
    return Settings(
        warehouse=Path(env.get("TICKERLAKE_WAREHOUSE", str(DEFAULT_WAREHOUSE))),
        data_dir=Path(env.get("TICKERLAKE_DATA_DIR", str(DEFAULT_DATA_DIR))),
        sources_file=Path(sources) if sources else None,
        user_agent=f"tickerlake/0.1 (+{contact})",
        max_body_bytes=int(env.get("TICKERLAKE_MAX_BODY_BYTES", str(20 * 1024 * 1024))),
        connect_timeout=float(env.get("TICKERLAKE_CONNECT_TIMEOUT", "5")),
        read_timeout=float(env.get("TICKERLAKE_READ_TIMEOUT", "20")),
        lake=_lake(env),
    )


def _lake(env: dict[str, str]) -> LakeConfig | None:
    backend = env.get("TICKERLAKE_BACKEND", "duckdb")
    if backend == "duckdb":
        return None
    if backend != "ducklake":
        raise ConfigError(f"TICKERLAKE_BACKEND={backend!r}: expected duckdb or ducklake")
    catalog, data = env.get("TICKERLAKE_DUCKLAKE_CATALOG"), env.get("TICKERLAKE_DUCKLAKE_DATA")
    if not catalog or not data:
        raise ConfigError(
            "TICKERLAKE_BACKEND=ducklake needs TICKERLAKE_DUCKLAKE_CATALOG (a PostgreSQL "
            "connection string) and TICKERLAKE_DUCKLAKE_DATA (the Parquet data path)"
        )
    return LakeConfig(catalog=catalog, data_path=data)
