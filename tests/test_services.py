"""The DuckDB postgres extension, loaded offline from its wheel, reaches the machine's
PostgreSQL (the DuckLake catalog in the production topology)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipeline.warehouse import load_extension

pytestmark = pytest.mark.services


def test_duckdb_reads_and_writes_postgres(postgres_dsn: str, tmp_path: Path) -> None:
    con = duckdb.connect(config={"extension_directory": str(tmp_path / "ext")})
    load_extension(con, "postgres")
    con.execute(f"ATTACH '{postgres_dsn}' AS pg (TYPE postgres)")
    con.execute("CREATE TABLE pg.probe AS SELECT 42 AS answer")
    row = con.execute("SELECT answer FROM pg.probe").fetchone()
    con.close()
    assert row == (42,)
