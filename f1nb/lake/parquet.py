"""Bronze as Parquet, partitioned by season and session, for engines other than DuckDB.

    export_bronze(lake, "out/")       # every session of a DuckDB lake
    export_bronze(lake, "out/", [5090])

writes `out/bronze/<table>/year=YYYY/session_key=K/*.parquet` with DuckDB's
`COPY ... (FORMAT PARQUET, PARTITION_BY (year, session_key))`. Spark and DuckDB
both read the layout (hive partitioning); the partition columns come back from
the path, so readers pass the Bronze schema explicitly (`bronze.schema.parquet_schema`).

A session's export is atomic per table partition and all-or-nothing in practice:
every table of the session is first written into a staging folder (the slow
part); only then is each `year=/session_key=` folder swapped in by `rename`.
A crash while staging leaves the previous export untouched; a re-run completes it.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path


from ..bronze.schema import TABLES as BRONZE_TABLES
from ..errors import LakeError

PARTITIONS = ("year", "session_key")


def partition_dir(root: str | os.PathLike, table: str, year: int, session_key: int) -> Path:
    return Path(root) / "bronze" / table / f"year={year}" / f"session_key={session_key}"


def _sql_str(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def export_bronze(lake, root: str | os.PathLike, session_keys: list[int] | None = None,
                  tables: list[str] | None = None) -> dict[str, int]:
    """Write the Bronze tables of `session_keys` (all sessions when None) as partitioned Parquet under `root`.

    Returns {table: rows written}. Existing partitions of the same sessions are replaced.
    """
    root = Path(root)
    raw = lake.raw
    sessions = dict(raw.execute("SELECT session_key, year FROM bronze.sessions").fetchall())
    keys = list(sessions) if session_keys is None else list(session_keys)
    missing = [k for k in keys if k not in sessions]
    if missing:
        raise LakeError(f"sessions {missing} are not in the lake; `f1nb tables` and `f1nb sql` show what is there")
    names = tables or list(BRONZE_TABLES)
    rows = {n: 0 for n in names}
    for name in names:  # every table folder exists, even when empty, so readers never fail on a missing path
        (root / "bronze" / name).mkdir(parents=True, exist_ok=True)
    for key in keys:
        year = sessions[key]
        staging = root / f".staging-{key}-{uuid.uuid4().hex[:8]}"
        try:
            for name in names:
                cols = ", ".join(f't."{c}"' for c in BRONZE_TABLES[name].names if c not in PARTITIONS)
                query = (f"SELECT {cols}, {int(year)}::INTEGER AS year, t.session_key FROM bronze.{name} t "
                         f"WHERE t.session_key = {int(key)}")
                (n,) = raw.execute(f"SELECT count(*) FROM ({query})").fetchone()
                rows[name] += n
                target = staging / name
                target.mkdir(parents=True)
                if n:
                    raw.execute(f"COPY ({query}) TO {_sql_str(target)} "
                                "(FORMAT PARQUET, PARTITION_BY (year, session_key), COMPRESSION ZSTD)")
            for name in names:  # swap in: one rename per table partition
                staged = staging / name / f"year={year}" / f"session_key={key}"
                final = partition_dir(root, name, year, key)
                old = final.with_name(f".old-{final.name}-{uuid.uuid4().hex[:8]}")
                if final.exists():
                    final.rename(old)
                if staged.exists():
                    final.parent.mkdir(parents=True, exist_ok=True)
                    staged.rename(final)
                shutil.rmtree(old, ignore_errors=True)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return rows


def duckdb_bronze_views(con, root: str | os.PathLike, schema: str = "bronze") -> list[str]:
    """Create DuckDB views `schema.<table>` over an exported Parquet Bronze (for queries without the lake file)."""
    root = Path(root)
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    made = []
    for name, arrow in BRONZE_TABLES.items():
        files = list((root / "bronze" / name).glob("*/*/*.parquet"))
        if not files:
            continue
        from ibis.backends.sql.datatypes import DuckDBType
        import ibis

        cols = ", ".join(f'CAST("{f.name}" AS {DuckDBType.to_string(ibis.dtype(f.type))}) AS "{f.name}"' for f in arrow)
        glob = _sql_str(root / "bronze" / name / "*" / "*" / "*.parquet")
        con.execute(f"CREATE OR REPLACE VIEW {schema}.{name} AS SELECT {cols} "
                    f"FROM read_parquet({glob}, hive_partitioning = true)")
        made.append(name)
    return made


__all__ = ["export_bronze", "partition_dir", "duckdb_bronze_views"]
