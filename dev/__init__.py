"""Developer tools, not shipped in the wheel: the Airflow topology harness (`topology`)
and the docs generators (`docs_queries`, `warehouse_docs`)."""
