"""tickerlake pipeline: fetch, parse, identify, stage and load live-ticker entries.

Pure Python: nothing here imports Airflow, so every stage runs from the CLI, from tests
and from Airflow tasks alike. This face imports nothing: `import pipeline.errors` (what
every Airflow plugin does at DAG-parse time) must not pull in the parser's libraries.

The wings: `fetch/` (HTTP client, politeness, address guard, raw archive, watch),
`parse/` (page → entries, times, ids), `stage` (Parquet batches), `warehouse/` (the one
place that chooses the DuckDB file or DuckLake), `enrich/` (stories, corpus alignment),
`cli/` (the `tickerlake` command), `demo/` (the bundled demo and the replay server);
`cycle` orchestrates one ingest cycle over them.
"""

__version__ = "0.1.0"
