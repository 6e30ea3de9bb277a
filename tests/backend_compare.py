"""Running one model on two Ibis backends from the same Arrow inputs, and comparing."""

from __future__ import annotations

import datetime as dt
import sqlite3

import ibis
import pandas as pd
import pyarrow as pa

from f1nb.engine.registry import registry


def M(name):
    return registry()[name]


# SQLite before 3.42 has no sub-second timestamp arithmetic (Ibis refuses it): the models
# with UTC columns on the session clock are compared with DataFusion instead.
SUBSECOND_ENGINE = "sqlite" if sqlite3.sqlite_version_info >= (3, 42) else "datafusion"


def one_session(session_key: int = 1, t0_utc: dt.datetime | None = None) -> pa.Table:
    """bronze.sessions with one row: the session's key and its clock's t0."""
    from f1nb.bronze.schema import SESSIONS

    row = {n: None for n in SESSIONS.names}
    row.update(session_key=session_key, t0_utc=t0_utc)
    return pa.Table.from_pylist([row], schema=SESSIONS)


def to_sqlite(con, name: str, table: pa.Table):
    """Copy an Arrow table into SQLite (timestamps as ISO text, which Ibis reads back)."""
    con.create_table(name, schema=ibis.schema({f.name: ibis.dtype(f.type) for f in table.schema}))
    cols = table.column_names
    rows = [tuple(v.isoformat() if isinstance(v, dt.datetime) else v for v in (r[c] for c in cols))
            for r in table.to_pylist()]
    con.con.executemany(f'INSERT INTO "{name}" VALUES ({", ".join("?" * len(cols))})', rows)
    con.con.commit()
    return con.table(name)


_SPARK = []


def spark_for_tests():
    """One local SparkSession for the whole test run (starting one takes ~5 s); stopped at exit."""
    if not _SPARK:
        import atexit

        import pytest

        pytest.importorskip("pyspark", reason="PySpark not installed: pip install -e '.[spark]' (and Java 17)")
        from f1nb.engine.spark import spark_session

        _SPARK.append(spark_session("local[2]"))
        atexit.register(_SPARK[0].stop)
    return _SPARK[0]


def connect(backend: str):
    if backend == "pyspark":
        return ibis.pyspark.connect(spark_for_tests())
    return {"duckdb": ibis.duckdb.connect, "sqlite": ibis.sqlite.connect,
            "datafusion": ibis.datafusion.connect}[backend]()


def to_spark(con, name: str, table: pa.Table):
    """Register an Arrow table as a Spark view (the PySpark backend has no temporary tables)."""
    key = (str(table.schema), table.num_rows, table.nbytes, hash(table.slice(0, 50).to_string()))
    if key not in _SPARK_FRAMES:  # the same inputs feed many models: convert each once per run
        _SPARK_FRAMES[key] = con._session.createDataFrame(table).cache()  # pyspark 4 takes Arrow directly
    _SPARK_FRAMES[key].createOrReplaceTempView(name)
    return con.table(name)


_SPARK_FRAMES: dict = {}


def load_into(backend: str, con, name: str, table: pa.Table):
    if backend == "pyspark":
        return to_spark(con, f"f1nb_in_{name}", table)  # not t0, t1: Ibis aliases its subqueries so
    if backend == "sqlite":
        return to_sqlite(con, name, table)
    return con.create_table(name, table)


def load_all(backend: str, tables: dict[str, pa.Table]):
    """(connection, {full name: Ibis table}) with every Arrow input loaded into `backend`."""
    con = connect(backend)
    # not t0, t1…: Ibis names its own subqueries that way, and a copied input would shadow one
    return con, {full: load_into(backend, con, f"input_{i}", t) for i, (full, t) in enumerate(tables.items())}


def build_loaded(backend: str, con, inputs: dict, model_name: str) -> pd.DataFrame:
    """Build the model from already-loaded inputs; a frame sorted by its keys."""
    model = M(model_name)
    expr = model.build({full: inputs[full] for full in model.inputs})
    if backend == "pyspark":  # through f1nb's Spark SQL compile (see f1nb.engine.spark.spark_sql)
        from f1nb.engine.spark import to_arrow

        df = to_arrow(con, expr).to_pandas()
    else:
        df = expr.to_pyarrow().to_pandas()
    # utc before lap_number: samples are keyed by time, and a sample within 1 ms of a lap
    # start may get either lap on engines that round differently (see test_silver_tables)
    keys = [c for c in ("session_key", "driver_number", "utc", "lap_number", "stint", "stop_number", "seq",
                        "message_index", "position") if c in df]
    # keys first, then every other column: a total order even where the keys do not cover the row
    df = df.sort_values(keys + [c for c in df.columns if c not in keys]).reset_index(drop=True)
    for c in df.columns:
        if c == "utc" or c.endswith("_utc"):
            df[c] = pd.to_datetime(df[c], utc=True)
    return df


def build_on(backend: str, model_name: str, tables: dict[str, pa.Table]) -> pd.DataFrame:
    """Build the model on `backend` from Arrow inputs; a frame sorted by its keys."""
    con, inputs = load_all(backend, tables)
    return build_loaded(backend, con, inputs, model_name)


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


