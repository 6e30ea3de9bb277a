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
from contextlib import contextmanager, nullcontext

import duckdb
import pyarrow as pa

from .. import config
from ..arrow_memory import prefer_jemalloc
from ..bronze.schema import TABLE_TOPIC
from ..bronze.schema import TABLES as BRONZE_TABLES
from ..engine.lake_api import LakeAPI
from ..engine.literals import sql_int, sql_text, sql_texts
from ..errors import LakeError
from .backends import cursor_like, open_duckdb, parse_target

LAYERS = ("bronze", "silver", "gold")

# Test hook: seconds to sleep inside the write transaction, so a test can
# SIGKILL a load mid-write and prove the lake is unchanged.
_PAUSE_ENV = "F1NB_TEST_PAUSE_BEFORE_COMMIT"

_BRONZE_WIDTHS = {name: len(schema) for name, schema in BRONZE_TABLES.items()}  # columns per Bronze table

# The Bronze schemas' Arrow types as DuckDB spells them (what DuckDB makes of each from Arrow).
# The tables are made by DDL, not from a registered empty Arrow table: DuckDB imports pandas on
# the first Python object it is handed (~0.4 s), which a new lake then paid before any work.
_SQL_TYPES = {pa.string(): "VARCHAR", pa.int64(): "BIGINT", pa.int32(): "INTEGER", pa.float64(): "DOUBLE",
              pa.timestamp("us", tz="UTC"): "TIMESTAMP WITH TIME ZONE"}


def _sql_type(arrow_type: pa.DataType) -> str:
    try:
        return _SQL_TYPES[arrow_type]
    except KeyError:
        raise TypeError(f"no DuckDB type known for the Bronze column type {arrow_type}; add it to _SQL_TYPES") from None

# Every table and view of the lake's own database with its columns in order (temporary views excluded).
_CATALOG_SQL = ("SELECT schema_name, table_name, column_name FROM duckdb_columns() "
                "WHERE database_name = current_database() ORDER BY schema_name, table_name, column_index")


class Lake(LakeAPI):
    """A lakehouse on disk. Use as a context manager or call `close()`."""

    def __init__(self, path: str | os.PathLike | None = None, create: bool = True):
        """`create=False`: only open an existing lake (commands that read); a missing
        lake, or a DuckDB file that is not an f1nb lake, is an error and nothing is made."""
        backend, location = parse_target(path, config.lake_path())
        if backend != "duckdb":
            raise LakeError(f"backend {backend!r} cannot hold Bronze yet; use a DuckDB path for the lake")
        self.backend_name = backend
        self.location = location
        prefer_jemalloc()  # Arrow's pool for the loads this lake takes (arrow_memory.py: why)
        self.raw = open_duckdb(location, create=create)  # the duckdb connection, for transactional Arrow writes
        self._catalog: dict[tuple[str, str], list[str]] | None = None
        try:
            if not create and location != ":memory:":
                self._require_lake()
            self._ensure_bronze()
        except BaseException:
            self.raw.close()
            raise

    def _require_lake(self) -> None:
        (found,) = self.raw.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = 'bronze' AND table_name = 'sessions'").fetchone()
        if not found:
            raise LakeError(f"{self.location} is a DuckDB file but not an f1nb lake (it has no bronze.sessions); "
                            "pass --lake with the path of an f1nb lake")

    @functools.cached_property
    def con(self):
        """The Ibis backend on the lake's connection."""
        import ibis

        return ibis.duckdb.from_connection(self.raw)

    def worker_connection(self):
        """Another connection to the lake, set up as `raw`, for work on another thread."""
        return cursor_like(self.raw)

    # -- lifecycle (`with Lake(...) as lake:` comes from LakeAPI) -------------------------
    def close(self) -> None:
        self.raw.close()

    def __repr__(self) -> str:
        return f"Lake({self.location!r})"

    # -- schema --------------------------------------------------------------------
    def _ensure_bronze(self, migrate: bool = True) -> None:
        # Reopening a lake (the common case) costs one catalogue read, not ten DDL statements.
        rows = self.raw.execute(
            "SELECT schema_name, NULL, 0 FROM duckdb_schemas() WHERE database_name = current_database() UNION ALL "
            "SELECT schema_name, table_name, column_count FROM duckdb_tables() "
            "WHERE database_name = current_database()").fetchall()
        have = {(schema, name) for schema, name, _ in rows}
        if {(layer, None) for layer in LAYERS} | {("bronze", name) for name in _BRONZE_WIDTHS} <= have:
            older = any(n < _BRONZE_WIDTHS[name] for schema, name, n in rows
                        if schema == "bronze" and name in _BRONZE_WIDTHS)
            if older and migrate:  # a lake made by an older f1nb: add the new columns (as NULL), or a build of it fails
                self._migrate_bronze()
            return
        with self.transaction():  # one commit (one WAL sync) for all of it
            for layer in LAYERS:
                self.raw.execute(f"CREATE SCHEMA IF NOT EXISTS {layer}")
            for name, schema in BRONZE_TABLES.items():
                columns = ", ".join(f'"{f.name}" {_sql_type(f.type)}' for f in schema)
                self.raw.execute(f"CREATE TABLE IF NOT EXISTS bronze.{name} ({columns})")
        if migrate:
            self._migrate_bronze()  # tables that existed already may be older

    def _migrate_bronze(self) -> None:
        """Add the Bronze columns a lake made by an older f1nb lacks (e.g. bronze.sessions'
        clock_source), as NULL for the sessions already in it; a reload fills them. One
        LIMIT 0 read per table; a read-only lake is left as it is, and reads as before."""
        missing = []
        for name, schema in BRONZE_TABLES.items():
            have = {d[0] for d in self.raw.execute(f"SELECT * FROM bronze.{name} LIMIT 0").description}
            missing += [(name, f) for f in schema if f.name not in have]
        if not missing:
            return
        try:
            for name, f in missing:
                self.raw.execute(f'ALTER TABLE bronze.{name} ADD COLUMN IF NOT EXISTS "{f.name}" {_sql_type(f.type)}')
        except duckdb.InvalidInputException as exc:  # opened read-only
            if "read-only" not in str(exc):
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
    @contextmanager
    def transaction(self):
        """Everything inside commits together or not at all (the one BEGIN/ROLLBACK of f1nb)."""
        self.raw.execute("BEGIN TRANSACTION")
        try:
            yield self
            # COMMIT syncs the WAL, so the write survives a crash from here on (DuckDB replays
            # it on open); the WAL is merged into the file at close, or by DuckDB past its
            # checkpoint_threshold; a session's load asks for it at once (`checkpoint`).
            self.raw.execute("COMMIT")
        except BaseException:
            self.raw.execute("ROLLBACK")
            raise

    @contextmanager
    def checkpoint_on_commit(self, vacuum: bool = True):
        """The transactions of the block merge into the file as they commit (DuckDB does it at
        close, or past its checkpoint_threshold), without writing the WAL first: a load's rows
        were written twice, to the WAL at COMMIT and to the file by a CHECKPOINT after it (Baku:
        ~80 ms of a 0.7 s load). A session's load asks for it (otherwise its rows wait in memory
        for the checkpoint at close: ~20 MB above the build's peak after a load into a lake of
        48 sessions); a live batch does not (~50 ms each).
        `vacuum=False`: that checkpoint merges no row groups (max_vacuum_tasks 0), for a
        block that only appends: merging a new session's first rows into the table's last row
        group rewrote that group (the demo's race after its qualifying: commit 0.50 -> 0.36 s,
        the lake 34 -> 28 MB); deleted rows need it, to give their space back. The settings are
        the database's: restored after the block."""
        saved = self.raw.execute("SELECT current_setting('checkpoint_threshold'), "
                                 "current_setting('max_vacuum_tasks')").fetchone()
        self.raw.execute("SET checkpoint_threshold = '0b'")
        if not vacuum:
            self.raw.execute("SET max_vacuum_tasks = 0")
        try:
            yield
        finally:
            self.raw.execute(f"SET checkpoint_threshold = '{saved[0]}'")
            self.raw.execute(f"SET max_vacuum_tasks = {int(saved[1])}")

    @contextmanager
    def registered(self, table: pa.Table):
        """`table` visible to SQL under a view name for the duration of the block."""
        name = "_f1nb_batch"
        self.raw.register(name, table)
        try:
            yield name
        finally:
            self.raw.unregister(name)

    def insert(self, layer: str, name: str, table: pa.Table) -> None:
        with self.registered(table) as view:
            self.raw.execute(f"INSERT INTO {layer}.{name} BY NAME SELECT * FROM {view}")

    def write_session(self, session_key: int, tables: dict[str, pa.Table], layer: str = "bronze",
                      replace: str | tuple[str, ...] = "all", topics: set[str] | None = None) -> None:
        """Write one session's rows in one transaction: the single write path of loads and live appends.

        replace="all": the session's rows in every table of `layer` are replaced by `tables`
        (a load). A tuple of table names: only those tables' rows of the session are replaced,
        and the other `tables` are appended (a live batch replaces `sessions` and `feeds`).
        `topics` (with "all"): only those topics' rows are replaced, the session's other
        feeds stay, and its `bronze.sessions` row is merged (see `_merge_session_row`)."""
        with self.session_writer(session_key, layer, replace, topics) as write:
            for name, table in tables.items():
                write(name, table)

    @contextmanager
    def session_writer(self, session_key: int, layer: str = "bronze", replace: str | tuple[str, ...] = "all",
                       topics: set[str] | None = None):
        """`write_session` in parts: within the block, `write(name, table)` inserts rows
        (as often as needed, e.g. a session's samples slice by slice), and everything
        commits at the end of the block or not at all. `write` may be called from one
        other thread while this one does no lake work (`bronze.write`)."""
        catalog = self._current_catalog()
        with self.transaction():
            if topics is not None:  # the session's clock as it was, to merge with the reloaded topics' own
                self.raw.execute("CREATE OR REPLACE TEMP TABLE _f1nb_old_clock AS SELECT t0_utc, clock_source, "
                                 f"clock_precision_s FROM bronze.sessions WHERE session_key = {sql_int(session_key)}")
            for (schema, name), columns in catalog.items():
                if schema == layer and "session_key" in columns and (replace == "all" or name in replace):
                    self._delete_rows(layer, name, columns, session_key, topics)

            def write(name: str, table: pa.Table) -> None:
                if table.num_rows:
                    self.insert(layer, name, table)

            yield write
            if topics is not None:
                self._merge_session_row(session_key)
            pause = float(os.environ.get(_PAUSE_ENV) or 0)
            if pause:
                print("f1nb: test pause before commit", file=sys.stderr, flush=True)
                time.sleep(pause)

    def replace_session(self, session_key: int, tables: dict[str, pa.Table], layer: str = "bronze",
                        topics: set[str] | None = None) -> None:
        """Atomically replace one session's rows in `layer` with `tables` (only `topics`' rows, if given)."""
        self.write_session(session_key, tables, layer, replace="all", topics=topics)

    def _delete_rows(self, layer: str, name: str, columns: list[str], session_key: int,
                     topics: set[str] | None) -> None:
        if topics is None or name == "sessions":
            self.raw.execute(f"DELETE FROM {layer}.{name} WHERE session_key = {sql_int(session_key)}")
        elif "topic" in columns:
            self.raw.execute(f"DELETE FROM {layer}.{name} WHERE session_key = {sql_int(session_key)} "
                             f"AND list_contains({sql_texts(sorted(topics))}, topic)")
        elif TABLE_TOPIC.get(name) in topics:
            self.raw.execute(f"DELETE FROM {layer}.{name} WHERE session_key = {sql_int(session_key)}")
        elif name not in TABLE_TOPIC:
            raise LakeError(f"bronze.{name} has no topic column, so a reload of some topics cannot replace "
                            "its rows; reload the whole session (no topics)")

    def _merge_session_row(self, session_key: int) -> None:
        """After a reload of some topics: the session's feed lists come from all its feeds,
        and its clock is the more precise of the one it had (derived from all its feeds) and
        the one the reloaded topics give (none, when they carry no time)."""
        self.raw.execute(
            "UPDATE bronze.sessions s SET t0_utc = o.t0_utc, clock_source = o.clock_source, "
            "clock_precision_s = o.clock_precision_s FROM _f1nb_old_clock o "
            f"WHERE s.session_key = {sql_int(session_key)} AND o.t0_utc IS NOT NULL "
            "AND (s.t0_utc IS NULL OR o.clock_precision_s <= s.clock_precision_s)")
        self.raw.execute("DROP TABLE _f1nb_old_clock")
        self.raw.execute(
            "UPDATE bronze.sessions s SET "
            "feeds_present = coalesce((SELECT string_agg(topic, ',' ORDER BY topic) FROM bronze.feeds f "
            "  WHERE f.session_key = s.session_key AND status = 'present'), ''), "
            "feeds_absent = coalesce((SELECT string_agg(topic, ',' ORDER BY topic) FROM bronze.feeds f "
            "  WHERE f.session_key = s.session_key AND status = 'absent'), '') "
            f"WHERE s.session_key = {sql_int(session_key)}")

    def delete_session(self, session_key: int) -> None:
        """Remove a session from every layer."""
        catalog = self._current_catalog()
        with self.transaction():
            for (layer, name), columns in catalog.items():
                if layer in LAYERS and "session_key" in columns:
                    self.raw.execute(f"DELETE FROM {layer}.{name} WHERE session_key = {sql_int(session_key)}")

    # -- reads ---------------------------------------------------------------------
    def table_names(self, layer: str) -> list[str]:
        """Tables and views of `layer`, sorted."""
        if self._catalog is not None:
            return sorted(name for schema, name in self._catalog if schema == layer)
        # every layer's names, filtered here: a bound parameter makes DuckDB import pandas (~0.5 s)
        rows = self.raw.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database() "
            "UNION SELECT schema_name, view_name FROM duckdb_views() WHERE database_name = current_database() "
            "ORDER BY 2").fetchall()
        return [name for schema, name in rows if schema == layer]

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
                f"AND schema_name = {sql_text(layer)} AND table_name = {sql_text(name)} ORDER BY column_index").fetchall()
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
        """Every table per layer with its row count: one query, whose Arrow result (unlike a table
        pyarrow builds from Python rows) makes pyarrow import no pandas."""
        names = [(layer, name) for layer in LAYERS for name in self.table_names(layer)]
        counts = [f"SELECT {i} AS i, {sql_text(layer)} AS layer, {sql_text(name)} AS name, count(*) AS n FROM {layer}.{name}"
                  for i, (layer, name) in enumerate(names)] or ["SELECT 0 AS i, '' AS layer, '' AS name, 0 AS n LIMIT 0"]
        return self.raw.execute(f"SELECT layer, name AS \"table\", n::BIGINT AS rows FROM ({' UNION ALL '.join(counts)}) "
                                "ORDER BY i").to_arrow_table()

    def sessions(self) -> pa.Table:
        return self.raw.execute(
            "SELECT session_key, year, meeting_name, session_name, session_type, start_date, source, loaded_at "
            "FROM bronze.sessions ORDER BY year, start_date, session_key"
        ).to_arrow_table()

    def lineage(self, name: str):
        """Where `name` comes from: tables, inputs and raw feeds (see `engine.lineage`)."""
        from ..engine.lineage import lineage

        return lineage(self, name)

    def sql_of(self, name: str, dialect: str | None = None) -> str:
        """The SQL that builds a Silver or Gold table, for this lake's backend."""
        from ..engine.lineage import sql_of

        return sql_of(self, name, dialect)

    def export_parquet(self, root, session_keys: list[int] | None = None) -> dict[str, int]:
        """Write Bronze as Parquet under `root`, partitioned by year and session (see `lake.parquet`)."""
        from .parquet import export_bronze

        return export_bronze(self, root, session_keys)

    def build(self, session_keys: list[int] | None = None, layers=("silver", "gold"), report=None,
              exclude: tuple[str, ...] = (), checkpoint: bool = True):
        """Build Silver and Gold (all sessions when `session_keys` is None; models named in `exclude`
        keep their rows; `report(done, text)` hears of each). `checkpoint`: the built rows go into
        the file as the build commits (`checkpoint_on_commit`), not to the WAL for the close to
        merge (the demo's two-session build then close: 4.0 -> 3.7 s); a live refresh leaves them. That
        checkpoint merges no row groups for sessions new to the layers built (Baku into a lake of
        48 sessions peaked at 418 MB with, 275 MB without; Gold built after Silver merged Silver's
        new rows: the telemetry race's commit 0.18 -> 0.03 s); a rebuild's gives deleted rows' space back."""
        from ..engine.duckdb_build import build_layers, holds_built_rows

        with self.catalog_snapshot():  # one catalogue read for the question below and the build
            merge = checkpoint and (session_keys is None or holds_built_rows(self, session_keys, layers))
            with self.checkpoint_on_commit(vacuum=merge) if checkpoint else nullcontext():
                return build_layers(self, session_keys, layers, exclude=exclude, report=report)

    def check(self, names: list[str] | None = None) -> list[dict]:
        from ..engine.duckdb_build import run_checks

        return run_checks(self, names)

    def session_keys(self) -> list[int]:
        return [r[0] for r in self.raw.execute("SELECT session_key FROM bronze.sessions ORDER BY session_key").fetchall()]

    def sql(self, query: str, write: bool = False, write_hint: str = "pass write=True") -> pa.Table:
        """Run SQL on the lake and return Arrow. Read-only unless `write` (see `lake.user_sql`)."""
        from .user_sql import run_user_sql

        return run_user_sql(self.raw, query, write=write, write_hint=write_hint)
