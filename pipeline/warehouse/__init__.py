"""The DuckDB warehouse: connection, migrations, loading, the reader snapshot."""

from pipeline.warehouse.db import connect, load_extension, migrate
from pipeline.warehouse.snapshot import publish_reader, query_path, reader_path

__all__ = ["connect", "load_extension", "migrate", "publish_reader", "query_path", "reader_path"]
