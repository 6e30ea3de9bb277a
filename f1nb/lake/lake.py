"""The lake: a DuckDB file with schemas bronze, silver, gold, and an Ibis backend over it.

Writes of a session happen in one transaction: delete the session's rows from
every table, insert the new ones, commit. A crash at any point before the
commit leaves the lake as it was (DuckDB's WAL replays committed work only).

Opening a lake, loading, building and reading DataFrames run on the DuckDB
connection alone (`lake.raw`); the Ibis backend (`lake.con`, `lake.table()`)
is made on first use, since importing Ibis costs more than all of those.
"""

from __future__ import annotations

import functools
import os
import sys
import time
from contextlib import contextmanager

import duckdb
import pyarrow as pa

from .. import config
from ..bronze.schema import TABLES as BRONZE_TABLES
from ..errors import LakeError
from .backends import open_duckdb, parse_target

LAYERS = ("bronze", "silver", "gold")

# Test hook: seconds to sleep inside the write transaction, so a test can
# SIGKILL a load mid-write and prove the lake is unchanged.
_PAUSE_ENV = "F1NB_TEST_PAUSE_BEFORE_COMMIT"

# Every table and view of the lake's own database with its columns in order (temporary views excluded).
_CATALOG_SQL = ("SELECT schema_name, table_name, column_name FROM duckdb_columns() "
                "WHERE database_name = current_database() ORDER BY schema_name, table_name, column_index")


class Lake:
    """A lakehouse on disk. Use as a context manager or call `close()`."""

    def __init__(self, path: str | os.PathLike | None = None):
        backend, location = parse_target(path, config.lake_path())
        if backend != "duckdb":
            raise LakeError(f"backend {backend!r} cannot hold Bronze yet; use a DuckDB path for the lake")
        self.backend_name = backend
        self.location = location
        self.raw = open_duckdb(location)  # the duckdb connection, for transactional Arrow writes
        self._catalog: dict[tuple[str, str], list[str]] | None = None
        self._ensure_bronze()

    @functools.cached_property
    def con(self):
        """The Ibis backend on the lake's connection."""
        import ibis

        return ibis.duckdb.from_connection(self.raw)

    # -- lifecycle -----------------------------------------------------------------
    def close(self) -> None:
        self.raw.close()

    def __enter__(self) -> Lake:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Lake({self.location!r})"

    # -- schema --------------------------------------------------------------------
    def _ensure_bronze(self) -> None:
        # Reopening a lake (the common case) costs one catalogue read, not ten DDL statements.
        have = set(self.raw.execute(
            "SELECT schema_name, NULL FROM duckdb_schemas() WHERE database_name = current_database() UNION ALL "
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database()").fetchall())
        if {(layer, None) for layer in LAYERS} | {("bronze", name) for name in BRONZE_TABLES} <= have:
            return
        self.raw.execute("BEGIN TRANSACTION")  # one commit (one WAL sync) for all of it
        try:
            for layer in LAYERS:
                self.raw.execute(f"CREATE SCHEMA IF NOT EXISTS {layer}")
            for name, schema in BRONZE_TABLES.items():
                self.raw.register("_f1nb_empty", schema.empty_table())
                try:
                    self.raw.execute(f"CREATE TABLE IF NOT EXISTS bronze.{name} AS SELECT * FROM _f1nb_empty")
                finally:
                    self.raw.unregister("_f1nb_empty")
            self.raw.execute("COMMIT")
        except BaseException:
            self.raw.execute("ROLLBACK")
            raise

    def _read_catalog(self) -> dict[tuple[str, str], list[str]]:
        catalog: dict[tuple[str, str], list[str]] = {}
        for schema, table, column in self.raw.execute(_CATALOG_SQL).fetchall():
            catalog.setdefault((schema, table), []).append(column)
        return catalog

    def _current_catalog(self) -> dict[tuple[str, str], list[str]]:
        return self._catalog if self._catalog is not None else self._read_catalog()

    @contextmanager
    def catalog_snapshot(self):
        """Within, `columns()` and `table_names()` answer from one read of the whole
        catalogue instead of a query each (a build asks ~100 times). Code inside that
        creates or drops tables updates the yielded {(layer, table): [columns]} itself."""
        if self._catalog is not None:  # nested: the outer snapshot stays in charge
            yield self._catalog
            return
        self._catalog = self._read_catalog()
        try:
            yield self._catalog
        finally:
            self._catalog = None

    # -- writes --------------------------------------------------------------------
    def replace_session(self, session_key: int, tables: dict[str, pa.Table], layer: str = "bronze") -> None:
        """Atomically replace one session's rows in `layer` with `tables`."""
        raw = self.raw
        catalog = self._current_catalog()
        raw.execute("BEGIN TRANSACTION")
        try:
            for (schema, name), columns in catalog.items():
                if schema == layer and "session_key" in columns:
                    raw.execute(f"DELETE FROM {layer}.{name} WHERE session_key = ?", [session_key])
            for name, table in tables.items():
                raw.register("_f1nb_batch", table)
                try:
                    raw.execute(f"INSERT INTO {layer}.{name} BY NAME SELECT * FROM _f1nb_batch")
                finally:
                    raw.unregister("_f1nb_batch")
            pause = float(os.environ.get(_PAUSE_ENV) or 0)
            if pause:
                print("f1nb: test pause before commit", file=sys.stderr, flush=True)
                time.sleep(pause)
            # COMMIT syncs the WAL, so the write survives a crash from here on (DuckDB replays
            # it on open); the WAL is merged into the file at close, or by DuckDB past its
            # checkpoint_threshold — a CHECKPOINT here would only add ~50 ms to every load.
            raw.execute("COMMIT")
        except BaseException:
            raw.execute("ROLLBACK")
            raise

    def delete_session(self, session_key: int) -> None:
        """Remove a session from every layer."""
        catalog = self._current_catalog()
        self.raw.execute("BEGIN TRANSACTION")
        try:
            for (layer, name), columns in catalog.items():
                if layer in LAYERS and "session_key" in columns:
                    self.raw.execute(f"DELETE FROM {layer}.{name} WHERE session_key = ?", [session_key])
            self.raw.execute("COMMIT")
        except BaseException:
            self.raw.execute("ROLLBACK")
            raise

    # -- reads ---------------------------------------------------------------------
    def table_names(self, layer: str) -> list[str]:
        """Tables and views of `layer`, sorted."""
        if self._catalog is not None:
            return sorted(name for schema, name in self._catalog if schema == layer)
        rows = self.raw.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = $1 "
            "UNION SELECT view_name FROM duckdb_views() WHERE database_name = current_database() AND schema_name = $1 "
            "ORDER BY 1", [layer]).fetchall()
        return [r[0] for r in rows]

    def columns(self, layer: str, name: str) -> list[str]:
        """Column names of `layer.name` in order; [] when there is no such table."""
        if self._catalog is not None:
            return list(self._catalog.get((layer, name), ()))
        # A LIMIT 0 read binds one table (under 1 ms); duckdb_columns() loads every table's
        # metadata (about 10 ms on a fresh connection). A missing table is a binder error,
        # which leaves an open transaction usable.
        try:
            cursor = self.raw.execute(f'SELECT * FROM "{layer}"."{name}" LIMIT 0')
        except duckdb.CatalogException:
            return []
        except duckdb.Error:  # a view that no longer binds still has its declared columns
            rows = self.raw.execute(
                "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() "
                "AND schema_name = ? AND table_name = ? ORDER BY column_index", [layer, name]).fetchall()
            return [r[0] for r in rows]
        return [d[0] for d in cursor.description]

    def table(self, name: str, layer: str | None = None):
        """The Ibis table `layer.name`; `name` may be 'layer.name' or a unique bare name."""
        if "." in name and layer is None:
            layer, name = name.split(".", 1)
        layers = [layer] if layer else [lyr for lyr in LAYERS if name in self.table_names(lyr)]
        if not layers or name not in self.table_names(layers[0]):
            raise LakeError(f"no table {name!r} in the lake; `f1nb tables` lists what is there")
        return self.con.table(name, database=layers[-1])

    def tables(self) -> pa.Table:
        """Every table per layer with its row count."""
        rows = []
        for layer in LAYERS:
            for name in self.table_names(layer):
                (count,) = self.raw.execute(f"SELECT count(*) FROM {layer}.{name}").fetchone()
                rows.append({"layer": layer, "table": name, "rows": count})
        return pa.Table.from_pylist(rows, schema=pa.schema([("layer", pa.string()), ("table", pa.string()), ("rows", pa.int64())]))

    def sessions(self) -> pa.Table:
        return self.raw.execute(
            "SELECT session_key, year, meeting_name, session_name, session_type, start_date, source, loaded_at "
            "FROM bronze.sessions ORDER BY year, start_date, session_key"
        ).to_arrow_table()

    def lineage(self, name: str):
        """Where `name` comes from: tables, inputs and raw feeds (see `lake.lineage`)."""
        from .lineage import lineage

        return lineage(self, name)

    def sql_of(self, name: str, dialect: str | None = None) -> str:
        """The SQL that builds a Silver or Gold table, for this lake's backend."""
        from .lineage import sql_of

        return sql_of(self, name, dialect)

    def build(self, session_keys: list[int] | None = None, layers=("silver", "gold")):
        from .build import build_layers

        return build_layers(self, session_keys, layers)

    def check(self, names: list[str] | None = None) -> list[dict]:
        from .build import run_checks

        return run_checks(self, names)

    def session_keys(self) -> list[int]:
        return [r[0] for r in self.raw.execute("SELECT session_key FROM bronze.sessions ORDER BY session_key").fetchall()]

    def sql(self, query: str) -> pa.Table:
        """Run SQL on the lake and return Arrow."""
        try:
            result = self.raw.execute(query)
        except Exception as exc:
            raise LakeError(f"SQL failed: {str(exc).splitlines()[0]}") from None
        if result.description is None:
            return pa.table({})
        return result.to_arrow_table()
