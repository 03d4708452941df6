# tickerlake — every target installs what it needs (uv is bootstrapped into .tools/).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
UV_VERSION := 0.13.9
UV := $(or $(shell command -v uv 2>/dev/null),$(CURDIR)/.tools/bin/uv)
VENV := $(CURDIR)/.venv
# Never download a Python: use the one on this machine. Trust the system's CA store.
export UV_PYTHON_DOWNLOADS := never
export UV_SYSTEM_CERTS := 1
export AIRFLOW_HOME := $(CURDIR)/.airflow

.DEFAULT_GOAL := help
.PHONY: help demo test chromium lint airflow bench fuzz reliability docs queries-doc clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(CURDIR)/.tools/bin/uv:
	$(PYTHON) -m venv $(CURDIR)/.tools
	$(CURDIR)/.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen
	touch $@

demo: $(VENV)/.synced ## install, then run the ingest DAG under Airflow on the bundled demo
	$(VENV)/bin/tickerlake demo

test: $(VENV)/.synced chromium ## install, then run the whole test suite
	$(VENV)/bin/pytest

# The report test and rendered tickers (pipeline/fetch/render.py) use headless Chromium
# (Debian's package, driven by Playwright; never `playwright install`): installed when missing
# and this is a Debian machine we may install on; otherwise those tests skip with a reason.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian's chromium for the report and rendering tests"; \
	    apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is not installed: the report and ticker rendering tests will skip" >&2; fi; }

lint: $(VENV)/.synced ## ruff, formatting, mypy --strict, and the no-Airflow-in-pipeline contract
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

airflow: $(VENV)/.synced ## Airflow UI + scheduler on this project's dags/ (http://localhost:8080)
	export PATH="$(VENV)/bin:$$PATH" PYTHONPATH="$(CURDIR)/plugins" \
	  TICKERLAKE_SOURCES="$${TICKERLAKE_SOURCES:-$(CURDIR)/var/airflow/demo-sources.yaml}" \
	  TICKERLAKE_WAREHOUSE="$${TICKERLAKE_WAREHOUSE:-$(CURDIR)/warehouse/airflow.duckdb}" \
	  TICKERLAKE_DATA_DIR="$(CURDIR)/var/airflow" \
	  AIRFLOW__CORE__DAGS_FOLDER="$(CURDIR)/dags" \
	  AIRFLOW__CORE__PLUGINS_FOLDER="$(CURDIR)/plugins" \
	  AIRFLOW__CORE__LOAD_EXAMPLES=False; \
	airflow db migrate > /dev/null; \
	airflow pools import plugins/tickerlake_airflow/pools.json > /dev/null; \
	airflow dags reserialize > /dev/null; \
	airflow dags unpause tickerlake_ingest > /dev/null; \
	tickerlake replay-server --auto-advance --port 8765 & \
	trap 'kill %1' EXIT; \
	airflow standalone

bench: $(VENV)/.synced ## run every benchmark in bench/ (or BENCH="parse ..."), results in bench/results/
	$(UV) sync --frozen --group bench
	$(VENV)/bin/python -m bench $${BENCH:-}

FUZZ_SECONDS ?= 60
# FUZZ_RUNS=1000000 runs each harness that many executions instead of FUZZ_SECONDS
# (and, without atheris, that many hypothesis examples per property).
FUZZ_RUNS ?=
FUZZ_LIMIT := $(if $(FUZZ_RUNS),-runs=$(FUZZ_RUNS),-max_total_time=$(FUZZ_SECONDS))
fuzz: $(VENV)/.synced ## atheris on parse_page and timeparse, FUZZ_SECONDS (or FUZZ_RUNS) each; no atheris: hypothesis
	$(UV) pip install --quiet --python $(VENV)/bin/python atheris \
	  || echo "atheris cannot be installed here: the harnesses fall back to hypothesis" >&2
	mkdir -p var/fuzz/parse var/fuzz/time  # working corpora; crashes land in var/fuzz/
	$(if $(FUZZ_RUNS),export TICKERLAKE_FUZZ_EXAMPLES=$(FUZZ_RUNS);) \
	$(VENV)/bin/python -m fuzz.fuzz_parse $(FUZZ_LIMIT) -max_len=65536 \
	  -artifact_prefix=var/fuzz/ var/fuzz/parse tests/fixtures; \
	$(VENV)/bin/python -m fuzz.fuzz_time $(FUZZ_LIMIT) \
	  -artifact_prefix=var/fuzz/ var/fuzz/time

reliability: $(VENV)/.synced ## crash trials (60 SIGKILLs on the file, 30 on DuckLake, every phase hit), readers during 20 loads, the bad-input catalogue: a table
	$(VENV)/bin/python -m tests.support.reliability

docs: $(VENV)/.synced ## regenerate docs/warehouse.md from the warehouse's COMMENT ON text
	$(VENV)/bin/python -m dev.warehouse_docs

queries-doc: $(VENV)/.synced ## rerun docs/queries.md on a fresh demo warehouse and rewrite its outputs
	$(VENV)/bin/python -m dev.docs_queries

clean: ## remove the virtualenv, Airflow home, run data, the warehouse and its reader snapshot
	rm -rf $(VENV) .airflow var warehouse/tickerlake.duckdb warehouse/tickerlake.duckdb.wal warehouse/tickerlake.reader.duckdb \
	  warehouse/airflow.duckdb warehouse/airflow.duckdb.wal warehouse/airflow.reader.duckdb
