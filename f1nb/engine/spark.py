"""The same Silver and Gold models on PySpark, over a Parquet lake.

    from f1nb.lake.lake import Lake
    from f1nb.engine.spark import SparkLake, build_with_spark

    build_with_spark(Lake("lake.duckdb"), "sparklake/")       # export Bronze, build Silver/Gold on Spark
    with SparkLake("sparklake/") as sl:                      # local[2], or $F1NB_SPARK_MASTER / master=
        sl.table("gold.results").to_pandas()

Layout under the lake folder (Parquet, hive-partitioned, read by Spark and DuckDB):

    bronze/<table>/year=YYYY/session_key=K/*.parquet    (Lake.export_parquet)
    silver/<model>/session_key=K/*.parquet              (per-session models)
    gold/<model>/*.parquet                              (cross-session models: not partitioned)

Every table is registered in the Spark session as a view over its Parquet
folder, named `<layer>_<table>` (`silver_laps`): the Ibis backend for PySpark
supports no temporary tables, and views keep the data in the files. Models run
unchanged, in build order; each result is written as Parquet and read back as
the input of later models, so the plan of one model never grows with the
depth of the DAG. A build of some sessions rewrites only their partitions
(Spark's dynamic partition overwrite); cross-session models are rewritten whole.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import ibis
import pyarrow as pa

from ..bronze.schema import TABLES as BRONZE_TABLES
from ..bronze.schema import parquet_schema
from ..errors import LakeError
from ..modeling.model import Model, session_scope
from .duckdb_build import BuildReport
from .lake_api import LakeAPI
from .registry import build_order, registry

MASTER_ENV = "F1NB_SPARK_MASTER"
LAYERS = ("bronze", "silver", "gold")

# Settings the models need (UTC, Arrow) and settings that make small data fast on one machine.
SPARK_CONF = {
    # without Arrow, integer columns with nulls come back all null through toPandas (measured on pyspark 4.0.5)
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.shuffle.partitions": "4",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    "spark.sql.sources.partitionOverwriteMode": "dynamic",
    "spark.driver.extraJavaOptions": "-Duser.timezone=UTC",
    "spark.executor.extraJavaOptions": "-Duser.timezone=UTC",
}


# On one machine the models' inputs are small and their plans deep (dozens of stages): code
# generation and adaptive re-planning cost more than they save (measured: lap_boundaries on a
# small demo 6.2 s -> 2.1 s). A cluster keeps Spark's defaults.
LOCAL_CONF = {
    "spark.sql.shuffle.partitions": "2",
    "spark.sql.adaptive.enabled": "false",
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.codegen.factoryMode": "NO_CODEGEN",
}


def spark_session(master: str | None = None, conf: dict | None = None):
    """A SparkSession for f1nb: `master` or $F1NB_SPARK_MASTER or local[2]."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise LakeError("PySpark is not installed: pip install 'f1nb[spark]' (pyspark>=4.0,<4.1 and Java 17)") from None
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    master = master or os.environ.get(MASTER_ENV) or "local[2]"
    builder = SparkSession.builder.master(master).appName("f1nb")
    local = LOCAL_CONF if master.startswith("local") else {}
    for key, value in {**SPARK_CONF, **local, **(conf or {})}.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def spark_type(dtype) -> str:
    """Spark SQL type name for an Ibis type (the types f1nb's schemas use)."""
    dtype = ibis.dtype(dtype)
    if dtype.is_int64():
        return "BIGINT"
    if dtype.is_int32():
        return "INT"
    if dtype.is_int16():
        return "SMALLINT"
    if dtype.is_int8():
        return "TINYINT"
    if dtype.is_float64():
        return "DOUBLE"
    if dtype.is_float32():
        return "FLOAT"
    if dtype.is_boolean():
        return "BOOLEAN"
    if dtype.is_string():
        return "STRING"
    if dtype.is_timestamp():
        return "TIMESTAMP"
    if dtype.is_date():
        return "DATE"
    raise LakeError(f"no Spark type for {dtype}")


def _ddl(schema: ibis.Schema) -> str:
    return ", ".join(f"`{c}` {spark_type(t)}" for c, t in schema.items())


def _spark_fixes(node):
    """Two fixes of ibis 12's Spark SQL, applied to its sqlglot tree.

    1. `ts.second()` compiles to EXTRACT(SECOND FROM ts), which Spark answers with the fraction.
    2. sqlglot's QUALIFY elimination for Spark (which has no QUALIFY) wraps the query as `(...) AS _t`
    but leaves the outer WHERE's columns qualified by the inner alias (`t19.value_num`), which
    Spark cannot resolve. Eliminate it here and unqualify those columns: they name `_t`'s outputs."""
    import sqlglot.expressions as sge
    from sqlglot.transforms import eliminate_qualify

    if isinstance(node, sge.Extract) and node.this.name.upper() == "SECOND":
        # Spark's EXTRACT(SECOND ...) is DECIMAL(8,6) *with* the fraction; Ibis means whole seconds.
        return sge.Anonymous(this="SECOND", expressions=[node.expression])
    if not (isinstance(node, sge.Select) and node.args.get("qualify")):
        return node
    out = eliminate_qualify(node)
    where = out.args.get("where")
    if where is not None:
        for col in where.find_all(sge.Column):
            col.set("table", None)
    return out


def spark_sql(con, expr) -> str:
    """Spark SQL for an Ibis expression on the PySpark backend `con` (ibis 12's own `compile`
    emits unresolvable columns for filters on window functions; see `_spark_fixes`)."""
    import sqlglot as sg

    query = con.compiler.to_sqlglot(expr)
    query = query.transform(_spark_fixes, copy=False)
    return query.sql(dialect=con.dialect, copy=False, unsupported_level=sg.ErrorLevel.RAISE)


def to_arrow(con, expr) -> pa.Table:
    """Execute on Spark (through `spark_sql`) and return Arrow typed by the expression's schema."""
    from ibis.formats.pyarrow import PyArrowData

    df = con._session.sql(spark_sql(con, expr)).toPandas()
    return PyArrowData.convert_table(pa.Table.from_pandas(df, preserve_index=False), expr.as_table().schema())


def view_name(full: str) -> str:
    return full.replace(".", "_")


class SparkLake(LakeAPI):
    """A Parquet lake folder, opened in a Spark session through Ibis. Use as a context manager or `close()`."""

    def __init__(self, root: str | os.PathLike, master: str | None = None, session=None):
        self.root = Path(root)
        if not (self.root / "bronze").is_dir():
            raise LakeError(f"{self.root} holds no Parquet Bronze; export one with `f1nb export-parquet {self.root}`")
        self._own_session = session is None
        self.spark = session if session is not None else spark_session(master)
        self.con = ibis.pyspark.connect(self.spark)
        self._views: dict[str, ibis.Schema] = {}
        for name in BRONZE_TABLES:
            self._register("bronze", name, ibis.Schema.from_pyarrow(BRONZE_TABLES[name]),
                           ibis.Schema.from_pyarrow(parquet_schema(name)))
        for m in build_order(registry()):
            if self._path(m.name).is_dir():
                self._register(m.layer, m.table_name, m.schema)

    # -- lifecycle (`with SparkLake(...) as sl:` comes from LakeAPI) -------------------------
    def close(self) -> None:
        for full in list(self._views):
            self.spark.catalog.dropTempView(view_name(full))
        self._views.clear()
        if self._own_session:
            self.spark.stop()

    def __repr__(self) -> str:
        return f"SparkLake({str(self.root)!r}, master={self.spark.sparkContext.master!r})"

    # -- tables --------------------------------------------------------------------
    def _path(self, full: str) -> Path:
        layer, name = full.split(".")
        return self.root / layer / name

    def _register(self, layer: str, name: str, schema: ibis.Schema, stored: ibis.Schema | None = None) -> None:
        """(Re)create the view `<layer>_<name>` over the table's Parquet folder, typed by `schema`."""
        full = f"{layer}.{name}"
        path = self._path(full)
        path.mkdir(parents=True, exist_ok=True)
        stored = stored or schema
        df = self.spark.read.schema(_ddl(stored)).parquet(str(path))
        df = df.selectExpr(*(f"CAST(`{c}` AS {spark_type(t)}) AS `{c}`" for c, t in schema.items()))
        df.createOrReplaceTempView(view_name(full))
        self._views[full] = schema

    def table_names(self, layer: str) -> list[str]:
        return sorted(full.split(".")[1] for full in self._views if full.startswith(layer + "."))

    def table(self, name: str, layer: str | None = None):
        """The Ibis table `layer.name` (or a unique bare name), on Spark."""
        if "." not in name:
            hits = [full for full in self._views if full.split(".")[1] == name and (layer is None or full.startswith(layer))]
            if not hits:
                raise LakeError(f"no table {name!r} in the Spark lake; build it first (`SparkLake.build`)")
            name = hits[-1]
        elif name not in self._views:
            raise LakeError(f"no table {name!r} in the Spark lake; build it first (`SparkLake.build`)")
        return self.con.table(view_name(name))

    def session_keys(self) -> list[int]:
        rows = self.spark.sql("SELECT DISTINCT session_key FROM bronze_sessions ORDER BY session_key").collect()
        return [r[0] for r in rows]

    def sql(self, query: str) -> pa.Table:
        """Spark SQL on the lake's views (`bronze_sessions`, `silver_laps`, `gold_results`, ...), as Arrow."""
        return pa.Table.from_pandas(self.spark.sql(query).toPandas(), preserve_index=False)

    # -- building ------------------------------------------------------------------
    def _inputs(self, m: Model, keys: list[int] | None) -> dict:
        tables = {}
        for full in m.inputs:
            t = self.table(full)
            scope = session_scope(m.per_session, keys, t.columns)
            if scope is not None:
                t = t.filter(t.session_key.isin(scope))
            tables[full] = t
        return tables

    def materialise(self, m: Model, keys: list[int] | None) -> int:
        expr = m.build(self._inputs(m, keys))
        df = self.spark.sql(spark_sql(self.con, expr))
        # Pin the stored types to the model's schema: Spark types a literal like 25.0 as DECIMAL, and
        # Ibis omits casts it thinks are no-ops; a DECIMAL file read back as DOUBLE is wrong by 10^scale.
        df = df.selectExpr(*(f"CAST(`{c}` AS {spark_type(t)}) AS `{c}`" for c, t in m.schema.items()))
        path = str(self._path(m.name))
        partitioned = m.per_session and "session_key" in m.schema.names
        if partitioned:
            # one file per session; with `keys`, only their partitions are replaced (dynamic overwrite)
            mode = "dynamic" if keys is not None else "static"
            (df.repartition("session_key").write.mode("overwrite").option("partitionOverwriteMode", mode)
               .partitionBy("session_key").parquet(path))
        else:
            df.coalesce(1).write.mode("overwrite").parquet(path)
        self._register(m.layer, m.table_name, m.schema)
        return self.spark.read.parquet(path).count() if not partitioned else self.spark.table(view_name(m.name)).count()

    def build(self, session_keys: list[int] | None = None, layers=("silver", "gold")) -> BuildReport:
        """Build every model of `layers` in order: for `session_keys`, or every session in Bronze when None."""
        models = [m for m in build_order(registry()) if m.layer in layers]
        report = BuildReport()
        keys = None if session_keys is None else list(session_keys)
        for m in models:
            started = time.perf_counter()
            try:
                report.rows[m.name] = self.materialise(m, keys)
            except Exception as exc:
                raise LakeError(f"building {m.name} on Spark failed: {str(exc).strip().splitlines()[0]}") from exc
            report.seconds[m.name] = time.perf_counter() - started
        return report


def build_with_spark(lake, root: str | os.PathLike, session_keys: list[int] | None = None,
                     master: str | None = None, session=None, layers=("silver", "gold")) -> BuildReport:
    """Export a DuckDB lake's Bronze to Parquet under `root` (`Lake.export_parquet`), then build
    Silver and Gold there on Spark."""
    lake.export_parquet(root, session_keys)
    spark_lake = SparkLake(root, master=master, session=session)
    try:
        return spark_lake.build(session_keys, layers)
    finally:
        spark_lake.close()


__all__ = ["SparkLake", "spark_session", "build_with_spark", "spark_sql", "to_arrow", "SPARK_CONF", "MASTER_ENV", "view_name"]
