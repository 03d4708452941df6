"""`tickerlake_ingest` run by Airflow (`airflow dags test`, SQLite metadata) against the
replay server serving the bundled demo sources and the demo's outlet."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.demo import airflow_env, outlet
from pipeline.demo import sources as demo_sources
from pipeline.demo.replay import ReplayServer
from pipeline.discover.classify import ticker_id
from pipeline.warehouse import connect

pytestmark = pytest.mark.integration


def test_ingest_dag_loads_entries_into_duckdb(tmp_path: Path) -> None:
    root = tmp_path / "replay"
    demo_sources.generate(root)
    times = demo_sources.snapshot_times()
    warehouse = tmp_path / "w.duckdb"
    log = tmp_path / "airflow.log"
    with ReplayServer(root, at=times[0]) as server:
        sources = tmp_path / "sources.yaml"
        sources.write_text(demo_sources.sources_yaml(server.url))
        env = airflow_env.environment(
            tmp_path / "airflow",
            {
                "TICKERLAKE_SOURCES": str(sources),
                "TICKERLAKE_WAREHOUSE": str(warehouse),
                "TICKERLAKE_DATA_DIR": str(tmp_path / "var"),
            },
        )
        airflow_env.migrate_db(env, log)
        for at in (times[0], times[-1]):
            server.clock.set(at)
            airflow_env.test_dag("tickerlake_ingest", env, log, now=at)
        requests = server.request_log()
    with connect(warehouse, read_only=True) as con:
        per_source = dict(
            con.execute("SELECT source_id, count(*) FROM entries GROUP BY 1").fetchall()
        )
        fetched = con.execute("SELECT DISTINCT fetched_at FROM fetches ORDER BY 1").fetchall()
    # one cycle without the withdrawn entry is not yet a deletion (threshold 2). The
    # outlet's ticker was found and loaded in the first cycle (its 6 entries then); by the
    # second its newest entry (06:05) was 13 h old, over lifecycle.QUIET_PERIOD: planned
    # as ended, it is not due again that day.
    found = ticker_id(outlet.OUTLET_ID, server.source_url(outlet.TICKER))
    assert per_source == {"alaska-jsonld": 17, "alaska-de-html": 17, "alaska-text": 17, found: 6}
    assert [row[0] for row in fetched] == [times[0], times[-1]]
    # the second cycle asked conditionally for every source and for the outlet's feed;
    # the article and the ticker were fetched once, to classify them
    conditional = {r["source"] for r in requests if r["if_none_match"]}
    assert conditional == {*demo_sources.SOURCE_IDS, outlet.FEED}
    fetches = [r["source"] for r in requests]
    assert fetches.count(outlet.ARTICLE) == fetches.count(outlet.TICKER) == 1
    # a successful run logs nothing at error level (log-based alerting would fire)
    assert [line for line in log.read_text().splitlines() if "[error" in line] == []


def test_ingest_dag_discovers_an_outlets_tickers_in_the_cycle(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from pipeline.demo.replay import write_outlet

    start = datetime(2025, 8, 14, 18, 0, tzinfo=UTC)
    names = write_outlet(tmp_path / "replay", "blatt", start)
    warehouse = tmp_path / "w.duckdb"
    log = tmp_path / "airflow.log"
    with ReplayServer(tmp_path / "replay", at=start) as server:
        sources = tmp_path / "sources.yaml"
        feed = server.source_url(names["feed"])
        sources.write_text(
            f"outlets:\n  - id: blatt\n    feeds: [{feed}]\n    allow_private: true\n"
        )
        env = airflow_env.environment(
            tmp_path / "airflow",
            {
                "TICKERLAKE_SOURCES": str(sources),
                "TICKERLAKE_WAREHOUSE": str(warehouse),
                "TICKERLAKE_DATA_DIR": str(tmp_path / "var"),
            },
        )
        airflow_env.migrate_db(env, log)
        airflow_env.test_dag("tickerlake_ingest", env, log, now=start + timedelta(minutes=1))
    with connect(warehouse, read_only=True) as con:
        tickers = con.execute("SELECT outlet, entries FROM tickers").fetchall()
    assert len(tickers) == 2 and all(o == "blatt" and n > 0 for o, n in tickers)
