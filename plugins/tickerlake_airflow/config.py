"""The one module where Airflow code reads configuration: the environment (through
`pipeline.settings`), Airflow Variables at task run time, and the warehouse Connection.

What a DAG file needs at parse time (schedules, intervals) comes from the environment only,
through `pipeline.settings`: a Variable or Connection read at module level would query the
metadata database on every parse of every DAG file."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from airflow.sdk import Variable

from pipeline import settings as pipeline_settings
from pipeline.errors import ConfigError
from pipeline.settings import Settings, from_env
from pipeline.settings import ingest_schedule as ingest_schedule
from pipeline.settings import maintain_schedule as maintain_schedule
from pipeline.settings import watch_interval as watch_interval

SOURCES_VARIABLE = "tickerlake_sources"
WATCH_VARIABLE = "tickerlake_watch_sources"


def settings() -> Settings:
    """Run-time settings: the environment, the sources file from the Variable when set,
    and the warehouse from the `tickerlake_warehouse` Connection when it exists."""
    from tickerlake_airflow.hooks import WarehouseHook

    env = dict(os.environ)
    sources = Variable.get(SOURCES_VARIABLE, default=None)
    if sources:
        env["TICKERLAKE_SOURCES"] = str(sources_path(sources, from_env(env).data_dir))
    return WarehouseHook().locate(from_env(env))


def sources_path(value: str, data_dir: Path) -> Path:
    """The Variable holds a path to a sources file on every worker, or the YAML itself
    (several lines, or one that opens with `sources:` or `outlets:`): content is written
    to `<data_dir>/sources-from-variable.yaml`, so errors still name a file and a line."""
    text = value.strip()
    if "\n" not in text and not text.startswith(("sources:", "outlets:")):
        return Path(text)
    target = data_dir / "sources-from-variable.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
    partial.write_text(value, encoding="utf-8")
    partial.replace(target)  # atomic: tasks on one worker may write it at once
    return target


def watch_sources() -> list[str]:
    """Ids of the hot sources `tickerlake_watch` follows: the Variable, else
    TICKERLAKE_WATCH_SOURCES (comma-separated)."""
    raw = Variable.get(WATCH_VARIABLE, default=None)
    if raw:
        return pipeline_settings.watch_sources({"TICKERLAKE_WATCH_SOURCES": raw})
    return pipeline_settings.watch_sources()


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
    # imported here: the time module loads the parser's libraries, which a DAG-file parse
    # must not pay for
    from pipeline.parse.timeparse import parse_utc

    return parse_utc(value, f"run parameter {name}")
