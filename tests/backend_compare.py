"""Running one model on two Ibis backends from the same Arrow inputs, and comparing."""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd
import pyarrow as pa

from f1nb.lake.models import registry


def M(name):
    return registry()[name]


def to_sqlite(con, name: str, table: pa.Table):
    """Copy an Arrow table into SQLite (timestamps as ISO text, which Ibis reads back)."""
    con.create_table(name, schema=ibis.schema({f.name: ibis.dtype(f.type) for f in table.schema}))
    cols = table.column_names
    rows = [tuple(v.isoformat() if isinstance(v, dt.datetime) else v for v in (r[c] for c in cols))
            for r in table.to_pylist()]
    con.con.executemany(f'INSERT INTO "{name}" VALUES ({", ".join("?" * len(cols))})', rows)
    con.con.commit()
    return con.table(name)


def connect(backend: str):
    return {"duckdb": ibis.duckdb.connect, "sqlite": ibis.sqlite.connect,
            "datafusion": ibis.datafusion.connect}[backend]()


def load_into(backend: str, con, name: str, table: pa.Table):
    if backend == "sqlite":
        return to_sqlite(con, name, table)
    return con.create_table(name, table)


def build_on(backend: str, model_name: str, tables: dict[str, pa.Table]) -> pd.DataFrame:
    """Build the model on `backend` from Arrow inputs; a frame sorted by its keys."""
    con = connect(backend)
    inputs = {full: load_into(backend, con, f"t{i}", t) for i, (full, t) in enumerate(tables.items())}
    df = M(model_name).build(inputs).to_pyarrow().to_pandas()
    keys = [c for c in ("session_key", "driver_number", "lap_number", "stint", "stop_number", "seq", "utc",
                        "message_index", "position") if c in df]
    df = df.sort_values(keys or list(df.columns)).reset_index(drop=True)
    for c in df.columns:
        if c == "utc" or c.endswith("_utc"):
            df[c] = pd.to_datetime(df[c], utc=True)
    return df


def on_both(model_name: str, tables: dict[str, pa.Table], other: str = "sqlite") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Build the model on DuckDB and on `other` from the same Arrow inputs; sorted frames."""
    return build_on("duckdb", model_name, tables), build_on(other, model_name, tables)


def assert_same(a: pd.DataFrame, b: pd.DataFrame, atol: float = 0.0):
    assert list(a.columns) == list(b.columns) and len(a) == len(b)
    for c in a.columns:
        x, y = a[c], b[c]
        assert (x.isna() == y.isna()).all(), c
        x, y = x[x.notna()], y[y.notna()]
        if pd.api.types.is_float_dtype(x) and atol:
            assert ((x.astype(float) - y.astype(float)).abs() <= atol).all(), c
        else:
            assert (x.values == y.values).all(), c


