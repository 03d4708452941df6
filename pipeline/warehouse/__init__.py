"""The DuckDB warehouse: connection, migrations, loading."""

from pipeline.warehouse.db import connect, load_extension, migrate

__all__ = ["connect", "load_extension", "migrate"]
