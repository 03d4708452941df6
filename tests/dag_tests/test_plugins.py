"""The thin Airflow adapters: retry policy, settings, the warehouse Connection."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from airflow.sdk import RetryAction
from tickerlake_airflow import config, hooks, retries

from pipeline.errors import ConfigError, SourcesFailedError, WarehouseBusyError
from pipeline.models import Validators
from pipeline.settings import from_env
from pipeline.sources import Source
from pipeline.warehouse import connect
from tests.support.settings import on_file


@pytest.mark.parametrize(
    ("error", "action"),
    [
        (ConfigError("bad"), RetryAction.FAIL),
        (WarehouseBusyError("busy"), RetryAction.RETRY),
        (ValueError("bug"), RetryAction.DEFAULT),
    ],
)
def test_retry_policy_fails_permanent_errors_at_once(error: Exception, action: RetryAction) -> None:
    assert retries.RETRY_POLICY.evaluate(error, 1, 4).action is action


def test_retry_policy_survives_dag_serialisation() -> None:
    data = retries.RETRY_POLICY.serialize()
    again = type(retries.RETRY_POLICY).deserialize(data)
    assert again.evaluate(ConfigError("bad"), 1, 4).action is RetryAction.FAIL


def test_schedule_and_interval_come_from_the_environment() -> None:
    assert config.ingest_schedule({}) == "*/2 * * * *"
    assert config.ingest_schedule({"TICKERLAKE_INGEST_SCHEDULE": "none"}) is None
    assert config.maintain_schedule({}) == "@daily"
    assert config.maintain_schedule({"TICKERLAKE_MAINTAIN_SCHEDULE": "0 3 * * *"}) == "0 3 * * *"
    assert config.watch_interval({"TICKERLAKE_WATCH_INTERVAL": "5"}) == 5.0
    with pytest.raises(ConfigError):
        config.watch_interval({"TICKERLAKE_WATCH_INTERVAL": "0"})


def test_run_parameters_must_carry_an_offset() -> None:
    assert config.utc_param("since", "2025-08-14T09:00:00+02:00").hour == 7
    with pytest.raises(ConfigError):
        config.utc_param("since", "2025-08-14T09:00:00")


def test_no_connection_keeps_the_environment() -> None:
    settings = from_env({})
    assert hooks.WarehouseHook().locate(settings) == settings


def test_connection_names_the_duckdb_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    conn = {"conn_type": "duckdb", "host": str(tmp_path / "w.duckdb")}
    monkeypatch.setenv("AIRFLOW_CONN_TICKERLAKE_WAREHOUSE", json.dumps(conn))
    located = hooks.WarehouseHook().locate(from_env({}))
    assert located.warehouse == tmp_path / "w.duckdb"
    assert located.lake is None


def test_connection_puts_the_warehouse_on_ducklake(monkeypatch: pytest.MonkeyPatch) -> None:
    extra = {"backend": "ducklake", "catalog_conn_id": "lake_catalog", "data_path": "/lake"}
    catalog = {"conn_type": "postgres", "host": "pg", "port": 5432, "schema": "cat"}
    catalog |= {"login": "u", "password": "it's"}
    monkeypatch.setenv(
        "AIRFLOW_CONN_TICKERLAKE_WAREHOUSE", json.dumps({"conn_type": "duckdb", "extra": extra})
    )
    monkeypatch.setenv("AIRFLOW_CONN_LAKE_CATALOG", json.dumps(catalog))
    lake = hooks.WarehouseHook().locate(from_env({})).lake
    assert lake is not None
    assert lake.data_path == "/lake"
    quoted = "it\\'s"  # the apostrophe escaped for a libpq connection string
    assert lake.catalog == f"host='pg' port='5432' dbname='cat' user='u' password='{quoted}'"


def test_the_sources_variable_is_a_path_or_the_yaml_itself(tmp_path: Path) -> None:
    assert config.sources_path(" /srv/sources.yaml ", tmp_path) == Path("/srv/sources.yaml")
    content = "sources:\n  - id: a\n    url: https://example.org/live\n"
    written = config.sources_path(content, tmp_path / "var")
    assert written == tmp_path / "var" / "sources-from-variable.yaml"
    assert written.read_text(encoding="utf-8") == content
    assert config.sources_path("sources: []", tmp_path).name == "sources-from-variable.yaml"


def test_failed_sources_warn_and_fail_the_load_above_the_rate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from tickerlake_airflow import tasks

    settings = on_file(tmp_path / "w.duckdb")
    monkeypatch.setattr(config, "settings", lambda: settings)
    monkeypatch.delenv("TICKERLAKE_FAIL_ABOVE", raising=False)
    guarded = Source("guarded", "http://127.0.0.1/")  # the address guard refuses it, offline
    specs = [{"source": guarded.to_dict(), "validators": asdict(Validators())}]
    now = datetime(2025, 8, 14, 19, 0, tzinfo=UTC)
    with caplog.at_level(logging.WARNING, logger="tickerlake_airflow.tasks"):
        staged = tasks.fetch_parse(specs, "b-0000", now)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and warnings[0].startswith("source guarded failed: UnsafeUrlError")
    assert tasks.load([staged], "first")["fetch_rows"] == 1  # unset: warnings only

    monkeypatch.setenv("TICKERLAKE_FAIL_ABOVE", "0.5")
    again = tasks.fetch_parse(specs, "b-0001", now + timedelta(minutes=2))
    with pytest.raises(SourcesFailedError, match=r"1 of 1 sources failed.*guarded"):
        tasks.load([again], "second")
    assert retries.RETRY_POLICY.evaluate(SourcesFailedError("x"), 1, 4).action is RetryAction.FAIL
    with connect(settings.warehouse, read_only=True) as con:  # loaded before failing
        assert con.execute("SELECT count(*) FROM fetches").fetchone() == (2,)
    assert list(settings.staging_dir.iterdir()) == []  # both loaded, so both deleted

    with caplog.at_level(logging.INFO, logger="tickerlake_airflow.tasks"):
        counts = tasks.maintain("daily")
    assert counts["files_after"] == 1 and counts["batches_removed"] == 0
    assert any(r.getMessage().startswith("warehouse: 1 -> 1 files") for r in caplog.records)
