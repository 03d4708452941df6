"""Airflow adapters for tickerlake: thin wrappers that turn Airflow context into the
explicit arguments `pipeline` takes. No pipeline logic lives here."""
