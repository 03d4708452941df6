"""Opening the warehouse: extensions from the PyPI wheels (never from the network) and
named migrations, each in one transaction, recorded in `_migrations`."""

from __future__ import annotations

import contextlib
import importlib.util
import re
from collections.abc import Iterator
from pathlib import Path

import duckdb

from pipeline.errors import (
    PermanentError,
    WarehouseBusyError,
    WarehouseMissingError,
    WarehouseVersionError,
)

# Extension name → (wheel package, file in the wheel, name LOAD uses)
_EXTENSIONS = {
    "fts": ("duckdb_extension_fts", "fts", "fts"),
    "ducklake": ("duckdb_extension_ducklake", "ducklake", "ducklake"),
    "postgres": ("duckdb_extension_postgres", "postgres", "postgres_scanner"),
}


# The SQL (migrations, views) is the top-level warehouse/ folder; pipeline/sql links to
# it, so a checkout and the wheel (which packs the link's target) find it the same way.
SQL_DIR = Path(__file__).resolve().parent.parent / "sql"


def connect(path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (and for writers, migrate) the warehouse at `path`."""
    if read_only and not path.exists():
        raise WarehouseMissingError(
            f"{path}: no warehouse here yet; run `tickerlake run` or the demo"
        )
    if not read_only:
        _ensure_writable_dir(path.parent)
    # Extensions come only from the pinned wheels (load_extension), never the network.
    config: dict[str, str | bool | int | float | list[str]] = {
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
    }
    try:
        con = duckdb.connect(str(path), read_only=read_only, config=config)
    except duckdb.Error as exc:
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        if "lock" not in first_line.lower():
            mode = "reading" if read_only else "writing"
            raise PermanentError(f"{path}: cannot open for {mode}: {first_line}") from exc
        raise WarehouseBusyError(
            f"{path}: another process is writing it; query the reader snapshot "
            "(tickerlake sql without --live) or retry when the load is done"
        ) from exc
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")  # it would garble task logs
    check_version(con, path) if read_only else migrate(con, path)
    return con


def _ensure_writable_dir(directory: Path) -> None:
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PermanentError(
            f"{directory}: cannot create warehouse folder: {exc.strerror}"
        ) from exc


def extension_file(name: str) -> Path:
    package, stem, _ = _EXTENSIONS[name]
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise PermanentError(f"DuckDB extension wheel {package} is not installed")
    root = Path(next(iter(spec.submodule_search_locations)))
    return next((root / "extensions").glob(f"v{duckdb.__version__}/{stem}.duckdb_extension"))


def load_extension(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """LOAD an extension from its pinned wheel; postgres needs INSTALL first because its
    entry point (`postgres_scanner`) differs from its file name."""
    _, _, load_name = _EXTENSIONS[name]
    path = str(extension_file(name)).replace("'", "''")
    if load_name != name:
        con.execute(f"INSTALL '{path}'")
        con.execute(f"LOAD {load_name}")
    else:
        con.execute(f"LOAD '{path}'")


def migration_files() -> list[Path]:
    return sorted((SQL_DIR / "migrations").glob("[0-9][0-9][0-9]_*.sql"))


def migrate(con: duckdb.DuckDBPyConnection, path: Path | str, *, lake: bool = False) -> list[str]:
    """Apply pending migrations, each in its own transaction; then (re)create the views.
    Returns the names applied. On DuckLake (`lake`) the SQL is adapted (for_ducklake) and
    the views are only created with a migration or when missing: every DDL statement
    there is a catalog snapshot, and concurrent writers would conflict recreating them."""
    con.execute(_dialect(_MIGRATIONS_TABLE, lake))
    done = check_version(con, path)
    applied = [_apply(con, f, lake) for f in migration_files() if f.stem not in done]
    if not lake or applied or not _views_present(con):
        con.execute(_dialect((SQL_DIR / "views.sql").read_text(encoding="utf-8"), lake))
    return applied


_MIGRATIONS_TABLE = (
    "CREATE TABLE IF NOT EXISTS _migrations (name VARCHAR PRIMARY KEY, applied_at TIMESTAMPTZ)"
)
_PRIMARY_KEY = re.compile(r",\s*PRIMARY KEY\s*\([^)]*\)|\s+PRIMARY KEY\b")
_VIEW_NAME = re.compile(r"CREATE OR REPLACE VIEW (\w+)")


def _dialect(sql: str, lake: bool) -> str:
    return for_ducklake(sql) if lake else sql


def for_ducklake(sql: str) -> str:
    """The same schema for DuckLake, which has no PRIMARY KEY constraints (the loader
    never relies on them: it dedupes and anti-joins itself) and no comments on view
    columns (those stay documented in docs/warehouse.md)."""
    views = "|".join(_VIEW_NAME.findall(sql))
    if views:
        sql = re.sub(rf"COMMENT ON COLUMN ({views})\.\w+ IS '(?:[^']|'')*';", "", sql)
    return _PRIMARY_KEY.sub("", sql)


def _views_present(con: duckdb.DuckDBPyConnection) -> bool:
    names = set(_VIEW_NAME.findall((SQL_DIR / "views.sql").read_text(encoding="utf-8")))
    found = con.execute(
        "SELECT view_name FROM duckdb_views() WHERE database_name = current_database()"
    ).fetchall()
    return names <= {r[0] for r in found}


def check_version(con: duckdb.DuckDBPyConnection, path: Path | str) -> set[str]:
    """Names of applied migrations; refuse a warehouse that has migrations this code
    does not know (written by a newer tickerlake)."""
    try:
        done = {r[0] for r in con.execute("SELECT name FROM _migrations").fetchall()}
    except duckdb.CatalogException:
        return set()
    unknown = done - {f.stem for f in migration_files()}
    if unknown:
        raise WarehouseVersionError(
            f"{path}: written by a newer tickerlake (unknown migrations: "
            f"{', '.join(sorted(unknown))}); upgrade tickerlake to open it"
        )
    return done


def _apply(con: duckdb.DuckDBPyConnection, file: Path, lake: bool) -> str:
    with transaction(con):
        con.execute(_dialect(file.read_text(encoding="utf-8"), lake))
        # The database clock: when DDL ran is bookkeeping, not pipeline logic.
        con.execute("INSERT INTO _migrations VALUES (?, now())", [file.stem])
    return file.stem


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """BEGIN, then COMMIT when the block succeeds, else ROLLBACK and re-raise."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
        con.execute("COMMIT")
    except BaseException:
        _rollback(con)
        raise


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back unless the failure already ended the transaction (a failed COMMIT, such
    as a DuckLake write conflict, does): the original error is the one to report."""
    with contextlib.suppress(duckdb.TransactionException):
        con.execute("ROLLBACK")
