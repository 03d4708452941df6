"""The one module where Airflow tasks read configuration: Airflow Variables first, then
the environment (through `pipeline.settings`)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from airflow.sdk import Variable

from pipeline.errors import ConfigError
from pipeline.settings import Settings, from_env

SOURCES_VARIABLE = "tickerlake_sources"


def settings() -> Settings:
    env = dict(os.environ)
    sources = Variable.get(SOURCES_VARIABLE, default=None)
    if sources:
        env["TICKERLAKE_SOURCES"] = sources
    return from_env(env)


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
    try:
        value = datetime.fromisoformat(param)
    except ValueError as exc:
        raise ConfigError(f"run parameter now={param!r} is not ISO-8601") from exc
    if value.tzinfo is None:
        raise ConfigError(f"run parameter now={param!r} has no UTC offset")
    return value.astimezone(UTC)
