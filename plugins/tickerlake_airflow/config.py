"""The one module where Airflow code reads configuration: the environment (through
`pipeline.settings`), Airflow Variables at task run time, and the warehouse Connection.

What a DAG file needs at parse time (schedules, intervals) comes from the environment only:
a Variable or Connection read at module level would query the metadata database on every
parse of every DAG file."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from airflow.sdk import Variable

from pipeline.errors import ConfigError
from pipeline.settings import Settings, from_env

SOURCES_VARIABLE = "tickerlake_sources"
WATCH_VARIABLE = "tickerlake_watch_sources"
DEFAULT_INGEST_SCHEDULE = "*/2 * * * *"
DEFAULT_WATCH_INTERVAL = 15.0
DEFAULT_WATCH_TIMEOUT = timedelta(hours=1)


def ingest_schedule(environ: dict[str, str] | None = None) -> str | None:
    """Cron expression or preset of `tickerlake_ingest` (TICKERLAKE_INGEST_SCHEDULE);
    `none` leaves it to manual and API runs."""
    env = os.environ if environ is None else environ
    value = env.get("TICKERLAKE_INGEST_SCHEDULE", DEFAULT_INGEST_SCHEDULE).strip()
    return None if value.lower() in {"", "none"} else value


def watch_interval(environ: dict[str, str] | None = None) -> float:
    """Seconds between two conditional GETs of a watched page (TICKERLAKE_WATCH_INTERVAL)."""
    env = os.environ if environ is None else environ
    raw = env.get("TICKERLAKE_WATCH_INTERVAL", str(DEFAULT_WATCH_INTERVAL))
    try:
        value = float(raw)
    except ValueError as exc:
        raise ConfigError(f"TICKERLAKE_WATCH_INTERVAL={raw!r} is not a number") from exc
    if value <= 0:
        raise ConfigError(f"TICKERLAKE_WATCH_INTERVAL={raw!r} must be positive")
    return value


def settings() -> Settings:
    """Run-time settings: the environment, the sources file from the Variable when set,
    and the warehouse from the `tickerlake_warehouse` Connection when it exists."""
    from tickerlake_airflow.hooks import WarehouseHook

    env = dict(os.environ)
    sources = Variable.get(SOURCES_VARIABLE, default=None)
    if sources:
        env["TICKERLAKE_SOURCES"] = sources
    return WarehouseHook().locate(from_env(env))


def watch_sources() -> list[str]:
    """Ids of the hot sources `tickerlake_watch` follows: the Variable, else
    TICKERLAKE_WATCH_SOURCES (comma-separated)."""
    raw = Variable.get(WATCH_VARIABLE, default=None) or os.environ.get(
        "TICKERLAKE_WATCH_SOURCES", ""
    )
    return [part.strip() for part in raw.split(",") if part.strip()]


def sources_file(config: Settings) -> Path:
    if config.sources_file is None:
        raise ConfigError(
            f"no sources file: set the Airflow Variable {SOURCES_VARIABLE!r} "
            "or the environment variable TICKERLAKE_SOURCES"
        )
    return config.sources_file


def cycle_time(param: str | None) -> datetime:
    """The cycle's "now": the `now` run parameter (replays and the demo set it), else the
    wall clock. Read once, in the plan task, and handed to every later task."""
    if not param:
        return datetime.now(UTC)
    return utc_param("now", param)


def utc_param(name: str, value: str) -> datetime:
    """An ISO-8601 run parameter with a UTC offset, as an aware UTC datetime."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ConfigError(f"run parameter {name}={value!r} is not ISO-8601") from exc
    if parsed.tzinfo is None:
        raise ConfigError(f"run parameter {name}={value!r} has no UTC offset")
    return parsed.astimezone(UTC)
