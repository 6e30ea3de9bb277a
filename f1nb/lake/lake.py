"""The lake: one Ibis backend (a DuckDB file by default) with schemas bronze, silver, gold.

Writes of a session happen in one transaction: delete the session's rows from
every table, insert the new ones, commit. A crash at any point before the
commit leaves the lake as it was (DuckDB's WAL replays committed work only).
"""

from __future__ import annotations

import os
import sys
import time

import pyarrow as pa

from .. import config
from ..bronze.schema import TABLES as BRONZE_TABLES
from ..errors import LakeError
from .backends import connect_duckdb, parse_target

LAYERS = ("bronze", "silver", "gold")

# Test hook: seconds to sleep inside the write transaction, so a test can
# SIGKILL a load mid-write and prove the lake is unchanged.
_PAUSE_ENV = "F1NB_TEST_PAUSE_BEFORE_COMMIT"


class Lake:
    """A lakehouse on disk. Use as a context manager or call `close()`."""

    def __init__(self, path: str | os.PathLike | None = None):
        backend, location = parse_target(path, config.lake_path())
        if backend != "duckdb":
            raise LakeError(f"backend {backend!r} cannot hold Bronze yet; use a DuckDB path for the lake")
        self.backend_name = backend
        self.location = location
        self.con = connect_duckdb(location)
        self.raw = self.con.con  # the duckdb connection, for transactional Arrow writes
        self._ensure_bronze()

    # -- lifecycle -----------------------------------------------------------------
    def close(self) -> None:
        self.con.disconnect()

    def __enter__(self) -> Lake:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Lake({self.location!r})"

    # -- schema --------------------------------------------------------------------
    def _ensure_bronze(self) -> None:
        for layer in LAYERS:
            self.raw.execute(f"CREATE SCHEMA IF NOT EXISTS {layer}")
        for name, schema in BRONZE_TABLES.items():
            self.raw.register("_f1nb_empty", schema.empty_table())
            try:
                self.raw.execute(f"CREATE TABLE IF NOT EXISTS bronze.{name} AS SELECT * FROM _f1nb_empty")
            finally:
                self.raw.unregister("_f1nb_empty")

    # -- writes --------------------------------------------------------------------
    def replace_session(self, session_key: int, tables: dict[str, pa.Table], layer: str = "bronze") -> None:
        """Atomically replace one session's rows in `layer` with `tables`."""
        raw = self.raw
        raw.execute("BEGIN TRANSACTION")
        try:
            for name in self.table_names(layer):
                if "session_key" in self.columns(layer, name):
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
            raw.execute("COMMIT")
        except BaseException:
            raw.execute("ROLLBACK")
            raise
        raw.execute("CHECKPOINT")

    def delete_session(self, session_key: int) -> None:
        """Remove a session from every layer."""
        self.raw.execute("BEGIN TRANSACTION")
        try:
            for layer in LAYERS:
                for name in self.table_names(layer):
                    if "session_key" in self.columns(layer, name):
                        self.raw.execute(f"DELETE FROM {layer}.{name} WHERE session_key = ?", [session_key])
            self.raw.execute("COMMIT")
        except BaseException:
            self.raw.execute("ROLLBACK")
            raise

    # -- reads ---------------------------------------------------------------------
    def table_names(self, layer: str) -> list[str]:
        rows = self.raw.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = ? ORDER BY table_name",
            [layer],
        ).fetchall()
        return [r[0] for r in rows]

    def columns(self, layer: str, name: str) -> list[str]:
        rows = self.raw.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
            "ORDER BY ordinal_position",
            [layer, name],
        ).fetchall()
        return [r[0] for r in rows]

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
