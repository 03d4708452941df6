"""Assets tickerlake DAGs produce and consume."""

from __future__ import annotations

from airflow.sdk import Asset

# Updated by every load into the warehouse; `tickerlake_enrich` is scheduled on it.
WAREHOUSE = Asset(name="tickerlake_warehouse", uri="tickerlake://warehouse/entries")
