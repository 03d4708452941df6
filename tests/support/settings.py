"""Settings for a test's own warehouse: the environment's defaults, nothing read from the
machine's environment."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from pipeline.settings import LakeConfig, Settings, from_env


def on_file(warehouse: Path, lake: LakeConfig | None = None) -> Settings:
    """Default settings on the DuckDB file `warehouse` (or on `lake` when given), with
    run data beside it."""
    return replace(from_env({}), warehouse=warehouse, data_dir=warehouse.parent / "var", lake=lake)
