# tickerlake on Airflow: the project installed from uv.lock into the image's Python.
FROM python:3.11-slim-bookworm
ENV UV_PYTHON_DOWNLOADS=never UV_PROJECT_ENVIRONMENT=/opt/tickerlake \
    PATH=/opt/tickerlake/bin:$PATH AIRFLOW_HOME=/opt/airflow
RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /opt/tickerlake-src
COPY pyproject.toml uv.lock README.md ./
COPY pipeline ./pipeline
COPY warehouse/migrations ./warehouse/migrations
COPY warehouse/views.sql ./warehouse/views.sql
RUN uv sync --frozen --no-dev --no-editable
RUN useradd --uid 50000 --create-home airflow && mkdir -p /opt/airflow && chown airflow /opt/airflow
USER airflow
WORKDIR /opt/airflow
