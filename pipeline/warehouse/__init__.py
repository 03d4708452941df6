"""The warehouse, in Python: connection and named migrations (`db`), the loader (`load`),
DuckLake (`lake`), the reader snapshot (`snapshot`), and `backend`, the one place that
chooses the DuckDB file or DuckLake.

Not to be confused with the top-level `warehouse/` folder: that one holds the SQL
(migrations/NNN_name.sql, views.sql, queries/) and the DuckDB file at run time;
`pipeline/sql` links to it, so the SQL is found the same way in a checkout and a wheel.
"""

from pipeline.warehouse.db import connect, load_extension, migrate
from pipeline.warehouse.snapshot import publish_reader, query_path, reader_path

__all__ = ["connect", "load_extension", "migrate", "publish_reader", "query_path", "reader_path"]
