"""Retries for every tickerlake task: transient failures (network, a busy warehouse) are
retried with exponential backoff; permanent ones (bad configuration, a newer warehouse)
fail at once instead of burning retries. Airflow 3.3 retry policies see the exception."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from airflow.sdk import ExceptionRetryPolicy, RetryAction, RetryRule

from pipeline.errors import PermanentError, TransientError

RETRY_POLICY = ExceptionRetryPolicy(
    rules=[
        RetryRule(exception=PermanentError, action=RetryAction.FAIL, reason="permanent error"),
        RetryRule(exception=TransientError, action=RetryAction.RETRY, reason="transient error"),
    ]
)


def default_args(**overrides: Any) -> dict[str, Any]:
    return {
        "owner": "tickerlake",
        "retries": 3,
        "retry_delay": timedelta(seconds=15),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": timedelta(minutes=5),
        "retry_policy": RETRY_POLICY,
        **overrides,
    }
