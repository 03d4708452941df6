"""The user-facing harness, kept apart from the product: the bundled demo (`run`), its
sources built from the seed ticker (`sources`), the local replay server (`replay`) with
scripted faults (`faults`), and the helper that runs `airflow` commands (`airflow_env`).
Only `pipeline.cli` imports it."""
