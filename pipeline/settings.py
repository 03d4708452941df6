"""The one place that reads the environment. Everything else takes explicit arguments.

The Airflow adapters read the DAG knobs here too (`ingest_schedule`, `watch_interval`,
`watch_sources`); a bad value is a `ConfigError` that names its variable."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_WAREHOUSE = Path("warehouse/tickerlake.duckdb")
DEFAULT_DATA_DIR = Path("var")
DEFAULT_CONTACT = "https://github.com/tickerlake/tickerlake"
DEFAULT_INGEST_SCHEDULE = "*/2 * * * *"
DEFAULT_WATCH_INTERVAL = 15.0
DEFAULT_MAINTAIN_SCHEDULE = "@daily"
DEFAULT_SNAPSHOT_RETENTION_HOURS = 24.0


@dataclass(frozen=True, slots=True)
class FetchConfig:
    """How sources are fetched; the environment variable of each field is in from_env."""

    user_agent: str
    connect_timeout: float = 5.0
    read_timeout: float = 20.0
    max_body_bytes: int = 20 * 1024 * 1024
    deadline: float = 60.0  # one fetch: all attempts, waits and reads together
    max_attempts: int = 4
    backoff_base: float = 1.0  # first retry waits about this long, then doubles
    backoff_max: float = 30.0
    max_redirects: int = 5
    host_concurrency: int = 2  # requests in flight per host
    host_interval: float = 0.5  # seconds between request starts on one host
    workers: int = 8  # fetch threads per shard
    robots_ttl: float = 3600.0
    page_budget: int = 200  # deeper pages (beyond page 1) one cycle may fetch in all


@dataclass(frozen=True, slots=True)
class RenderConfig:
    """The headless browser of script-built tickers (pipeline.fetch.render)."""

    chromium: str = "chromium"  # the executable: a name on PATH or a path
    timeout: float = 20.0  # hard limit for one page, all its requests and waits included
    pages_per_browser: int = 200  # the browser is restarted after this many pages


@dataclass(frozen=True, slots=True)
class LakeConfig:
    """The DuckLake backend: metadata in PostgreSQL, table data as Parquet files."""

    catalog: str  # libpq connection string of the PostgreSQL catalog database
    data_path: str  # folder (or object-store URL) that holds the Parquet files


@dataclass(frozen=True, slots=True)
class Retention:
    """How long maintenance (`tickerlake maintain`) keeps what can be thrown away."""

    archive_days: float | None = None  # raw bodies; None: forever (reprocess needs them)
    snapshot_hours: float = DEFAULT_SNAPSHOT_RETENTION_HOURS  # DuckLake snapshots


@dataclass(frozen=True, slots=True)
class Settings:
    warehouse: Path
    data_dir: Path
    sources_file: Path | None
    fetch: FetchConfig
    archive_root: str | None = None  # a folder or an fsspec URL (memory://, s3://bucket/…)
    lake: LakeConfig | None = None  # None: the embedded DuckDB file `warehouse`
    render: RenderConfig = RenderConfig()
    retention: Retention = Retention()

    @property
    def staging_dir(self) -> Path:
        return self.data_dir / "staging"

    @property
    def archive_dir(self) -> str:
        return self.archive_root or str(self.data_dir / "archive")


def from_env(environ: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if environ is None else environ)
    sources = env.get("TICKERLAKE_SOURCES")
    archive = env.get("TICKERLAKE_ARCHIVE_DIR")
    return Settings(
        warehouse=Path(env.get("TICKERLAKE_WAREHOUSE", str(DEFAULT_WAREHOUSE))),
        data_dir=Path(env.get("TICKERLAKE_DATA_DIR", str(DEFAULT_DATA_DIR))),
        sources_file=Path(sources) if sources else None,
        fetch=fetch_config(env),
        archive_root=archive or None,
        lake=_lake(env),
        render=render_config(env),
        retention=retention(env),
    )


def retention(env: dict[str, str]) -> Retention:
    """TICKERLAKE_ARCHIVE_RETENTION_DAYS (unset or empty: keep the archive forever) and
    TICKERLAKE_SNAPSHOT_RETENTION_HOURS."""
    days = env.get("TICKERLAKE_ARCHIVE_RETENTION_DAYS", "").strip()
    return Retention(
        archive_days=_number(env, "TICKERLAKE_ARCHIVE_RETENTION_DAYS", 0.0) if days else None,
        snapshot_hours=_number(
            env, "TICKERLAKE_SNAPSHOT_RETENTION_HOURS", DEFAULT_SNAPSHOT_RETENTION_HOURS
        ),
    )


def render_config(env: dict[str, str]) -> RenderConfig:
    default = RenderConfig()
    timeout = _number(env, "TICKERLAKE_RENDER_TIMEOUT", default.timeout)
    if timeout <= 0:
        raise ConfigError(f"TICKERLAKE_RENDER_TIMEOUT={timeout!r} must be positive")
    pages = _count(env, "TICKERLAKE_RENDER_PAGES", default.pages_per_browser)
    return RenderConfig(
        chromium=env.get("TICKERLAKE_CHROMIUM", "").strip() or default.chromium,
        timeout=timeout,
        pages_per_browser=max(1, pages),
    )


def fetch_config(env: dict[str, str]) -> FetchConfig:
    contact = env.get("TICKERLAKE_CONTACT", DEFAULT_CONTACT)
    default = FetchConfig(user_agent="")

    def number(name: str, value: float) -> float:
        return _number(env, f"TICKERLAKE_{name}", value)

    def whole(name: str, value: int) -> int:
        number = _number(env, f"TICKERLAKE_{name}", value)
        if number != int(number):
            raise ConfigError(
                f"TICKERLAKE_{name}={env[f'TICKERLAKE_{name}']!r} is not a whole number"
            )
        return int(number)

    return FetchConfig(
        user_agent=f"tickerlake/0.1 (+{contact})",
        connect_timeout=number("CONNECT_TIMEOUT", default.connect_timeout),
        read_timeout=number("READ_TIMEOUT", default.read_timeout),
        max_body_bytes=whole("MAX_BODY_BYTES", default.max_body_bytes),
        deadline=number("FETCH_DEADLINE", default.deadline),
        max_attempts=whole("MAX_ATTEMPTS", default.max_attempts),
        backoff_base=number("BACKOFF_BASE", default.backoff_base),
        backoff_max=number("BACKOFF_MAX", default.backoff_max),
        max_redirects=whole("MAX_REDIRECTS", default.max_redirects),
        host_concurrency=whole("HOST_CONCURRENCY", default.host_concurrency),
        host_interval=number("HOST_INTERVAL", default.host_interval),
        workers=whole("FETCH_WORKERS", default.workers),
        robots_ttl=number("ROBOTS_TTL", default.robots_ttl),
        page_budget=_count(env, "TICKERLAKE_PAGE_BUDGET", default.page_budget),
    )


def _number(env: dict[str, str], name: str, default: float) -> float:
    """A finite number ≥ 0 (`nan`, `inf` and negative values would silently disable
    timeouts, caps or retries)."""
    raw = env.get(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number") from None
    if not math.isfinite(value) or value < 0:
        raise ConfigError(f"{name}={raw!r} must be a finite number, 0 or more")
    return value


def fail_above(environ: dict[str, str] | None = None) -> float | None:
    """The share of a cycle's sources that may fail before it counts as failed
    (TICKERLAKE_FAIL_ABOVE, 0 to 1). Unset: `tickerlake run` tolerates none (exit 1) and
    the ingest DAG any (it logs a warning per failed source)."""
    env = dict(os.environ if environ is None else environ)
    if not env.get("TICKERLAKE_FAIL_ABOVE", "").strip():
        return None
    value = _number(env, "TICKERLAKE_FAIL_ABOVE", 0.0)
    if not 0 <= value <= 1:
        raise ConfigError(f"TICKERLAKE_FAIL_ABOVE={value!r} must be between 0 and 1")
    return value


def _count(env: dict[str, str], name: str, default: int) -> int:
    value = _number(env, name, default)
    if value < 0 or value != int(value):
        raise ConfigError(f"{name}={env[name]!r} must be a whole number, 0 or more")
    return int(value)


def ingest_schedule(environ: dict[str, str] | None = None) -> str | None:
    """Cron expression or preset of `tickerlake_ingest` (TICKERLAKE_INGEST_SCHEDULE);
    `none` leaves it to manual and API runs."""
    env = os.environ if environ is None else environ
    value = env.get("TICKERLAKE_INGEST_SCHEDULE", DEFAULT_INGEST_SCHEDULE).strip()
    return None if value.lower() in {"", "none"} else value


def maintain_schedule(environ: dict[str, str] | None = None) -> str | None:
    """Cron expression or preset of `tickerlake_maintain` (TICKERLAKE_MAINTAIN_SCHEDULE);
    `none` leaves it to manual runs."""
    env = os.environ if environ is None else environ
    value = env.get("TICKERLAKE_MAINTAIN_SCHEDULE", DEFAULT_MAINTAIN_SCHEDULE).strip()
    return None if value.lower() in {"", "none"} else value


def watch_interval(environ: dict[str, str] | None = None) -> float:
    """Seconds between two conditional GETs of a watched page (TICKERLAKE_WATCH_INTERVAL)."""
    env = dict(os.environ if environ is None else environ)
    value = _number(env, "TICKERLAKE_WATCH_INTERVAL", DEFAULT_WATCH_INTERVAL)
    if value <= 0:
        raise ConfigError(f"TICKERLAKE_WATCH_INTERVAL={value!r} must be positive")
    return value


def watch_sources(environ: dict[str, str] | None = None) -> list[str]:
    """Ids of the hot sources of `tickerlake_watch` (TICKERLAKE_WATCH_SOURCES, comma-separated)."""
    env = os.environ if environ is None else environ
    raw = env.get("TICKERLAKE_WATCH_SOURCES", "")
    return [part.strip() for part in raw.split(",") if part.strip()]


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
