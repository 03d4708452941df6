"""PageChangeSensor: defers at once to PageChangedTrigger and hands the changed sources'
specs downstream, so a watch run costs a worker slot only before and after the wait."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from airflow.sdk import BaseSensorOperator, Context
from airflow.sdk.exceptions import AirflowSkipException

from tickerlake_airflow import config
from tickerlake_airflow.triggers import PageChangedTrigger


class PageChangeSensor(BaseSensorOperator):
    template_fields = ("specs",)

    def __init__(self, *, specs: Any, interval: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.specs = specs
        self.interval = interval

    def execute(self, context: Context) -> None:  # noqa: ARG002 (Airflow's signature)
        if not self.specs:
            raise AirflowSkipException("no hot sources to watch")
        fetch = config.settings().fetch
        self.defer(
            trigger=PageChangedTrigger(
                list(self.specs), self.interval, fetch.user_agent, fetch.read_timeout
            ),
            method_name="execute_complete",
            timeout=timedelta(seconds=self.timeout),
        )

    def execute_complete(
        self,
        context: Context,  # noqa: ARG002 (Airflow's signature)
        event: dict[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        changed = set((event or {}).get("changed", []))
        return [s for s in self.specs if s["source"]["source_id"] in changed]
