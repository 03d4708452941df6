# tickerlake on Airflow: the project installed from uv.lock (with the Celery/PostgreSQL
# deploy group) into the image's Python. dags/, plugins/ and warehouse/ are mounted by
# docker-compose.yml, so DAG changes need no rebuild.
FROM python:3.11-slim-bookworm
# The Airflow version uv.lock pins; the build fails if the installed one differs
# (tests/test_compose.py checks this line against uv.lock).
ARG AIRFLOW_VERSION=3.3.2
ENV UV_PYTHON_DOWNLOADS=never UV_PROJECT_ENVIRONMENT=/opt/tickerlake \
    PATH=/opt/tickerlake/bin:$PATH AIRFLOW_HOME=/opt/airflow
# curl: the compose healthchecks; chromium: script-built tickers are rendered in it
# (pipeline/fetch/render.py drives it with Playwright; `playwright install` is not needed)
RUN apt-get update && apt-get install -y --no-install-recommends curl chromium \
    && rm -rf /var/lib/apt/lists/*
RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /opt/tickerlake-src
COPY pyproject.toml uv.lock README.md ./
COPY pipeline ./pipeline
COPY warehouse/migrations ./warehouse/migrations
COPY warehouse/views.sql ./warehouse/views.sql
RUN uv sync --frozen --no-dev --group deploy --no-editable \
    && test "$(python -c 'import airflow; print(airflow.__version__)')" = "$AIRFLOW_VERSION"
RUN useradd --uid 50000 --create-home airflow \
    && mkdir -p /opt/airflow/var && chown -R airflow /opt/airflow
USER airflow
WORKDIR /opt/airflow
