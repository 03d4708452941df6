"""Every DAG file imports cleanly and declares what the product promises."""

from __future__ import annotations

from typing import Any

from pipeline.settings import PROJECT_ROOT


def _bag() -> Any:
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(PROJECT_ROOT / "dags"))


def test_dags_import_without_errors() -> None:
    bag = _bag()
    assert bag.import_errors == {}
    assert "tickerlake_ingest" in bag.dag_ids


def test_ingest_dag_shape() -> None:
    dag = _bag().dags["tickerlake_ingest"]
    assert set(dag.task_ids) == {"plan", "fetch_parse", "load"}
    assert dag.max_active_runs == 1
    assert dag.doc_md and dag.tags
    assert dag.get_task("load").outlets
