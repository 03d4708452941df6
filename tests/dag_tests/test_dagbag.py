"""Every DAG file imports cleanly, offline, and declares what the product promises."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipeline.settings import PROJECT_ROOT

DAG_IDS = {
    "tickerlake_ingest",
    "tickerlake_enrich",
    "tickerlake_corpus",
    "tickerlake_reprocess",
    "tickerlake_watch",
    "tickerlake_maintain",
}
DAG_FILES = sorted((PROJECT_ROOT / "dags").glob("tickerlake_*.py"))


def _bag(folder: Path = PROJECT_ROOT / "dags") -> Any:
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(folder))


def _forbidden(*_: object, **__: object) -> None:
    raise AssertionError("a DAG file reached the network or a database at parse time")


def test_dags_import_without_errors() -> None:
    bag = _bag()
    assert bag.import_errors == {}
    assert set(bag.dag_ids) == DAG_IDS


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: p.name)
def test_dag_file_parses_offline(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Parsing runs on every dag-processor loop: no socket, no DuckDB, no Variable."""
    _bag()  # Airflow's own imports first: only the DAG file's top level is under test
    monkeypatch.setattr(socket.socket, "connect", _forbidden)
    monkeypatch.setattr(socket, "create_connection", _forbidden)
    monkeypatch.setattr(duckdb, "connect", _forbidden)
    bag = _bag(path)
    assert bag.import_errors == {}
    assert len(bag.dag_ids) == 1


def test_every_dag_is_documented_and_bounded() -> None:
    for dag in _bag().dags.values():
        assert dag.doc_md and "tickerlake" in dag.tags, dag.dag_id
        assert dag.owner == "tickerlake", dag.dag_id
        assert dag.max_active_runs == 1, dag.dag_id
        assert all(t.retry_policy is not None for t in dag.tasks), dag.dag_id


def test_ingest_dag_shape() -> None:
    dag = _bag().dags["tickerlake_ingest"]
    assert set(dag.task_ids) == {"discover", "plan", "fetch_parse", "load"}
    assert dag.get_task("fetch_parse").pool == "ticker_http"
    # Discovery runs first in the same cycle and pool: a new ticker is loaded in it.
    assert dag.get_task("discover").pool == "ticker_http"
    assert dag.get_task("plan").upstream_task_ids == {"discover"}
    assert "discover" in dag.get_task("load").upstream_task_ids
    assert dag.get_task("load").pool == "duckdb_writer"
    assert [a.name for a in dag.get_task("load").outlets] == ["tickerlake_warehouse"]


def test_enrich_is_scheduled_on_the_warehouse_asset() -> None:
    dag = _bag().dags["tickerlake_enrich"]
    assert [a.name for a in dag.timetable.asset_condition.objects] == ["tickerlake_warehouse"]


def test_watch_defers_on_the_change_trigger() -> None:
    dag = _bag().dags["tickerlake_watch"]
    sensor = dag.get_task("wait_for_change")
    assert type(sensor).__name__ == "PageChangeSensor"
    assert set(dag.task_ids) == {"plan", "wait_for_change", "fetch_parse", "load"}


def test_maintain_runs_daily_as_a_writer_and_unpaused() -> None:
    dag = _bag().dags["tickerlake_maintain"]
    assert set(dag.task_ids) == {"maintain"}
    assert dag.get_task("maintain").pool == "duckdb_writer"
    assert dag.timetable.expression == "0 0 * * *"  # @daily
    # Like enrich, it is live wherever ingest is; on no warehouse it does nothing.
    assert dag.is_paused_upon_creation is False
