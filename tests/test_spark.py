"""f1nb on PySpark: a small demo race weekend goes DuckDB lake -> partitioned Parquet
Bronze -> every Silver and Gold model built by Spark (local[2]) -> Parquet, and every
table equals DuckDB's row for row. The per-model comparison on the real sessions is
the "pyspark" column of tests/test_backends.py."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from f1nb.engine.registry import build_order, registry

from .backend_compare import assert_same, spark_for_tests

pytestmark = [pytest.mark.spark, pytest.mark.slow]

SORT = ("session_key", "year", "abbreviation", "driver_number", "lap_number", "stint", "stop_number", "seq", "utc",
        "message_index", "position")


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    keys = [c for c in SORT if c in df]
    df = df.sort_values(keys + [c for c in df.columns if c not in keys]).reset_index(drop=True)
    for c in df.columns:
        if c == "utc" or c.endswith("_utc"):
            df[c] = pd.to_datetime(df[c], utc=True)
    return df


def _parquet_frame(root, m) -> pd.DataFrame:
    """A Spark-written model table, read back by DuckDB (hive partitions) in the model's column order."""
    from ibis.backends.sql.datatypes import DuckDBType

    cols = ", ".join(f'CAST("{c}" AS {DuckDBType.to_string(t)}) AS "{c}"' for c, t in m.schema.items())
    glob = str(root / m.layer / m.table_name / "**" / "*.parquet")
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    files = con.execute(f"SELECT count(*) FROM glob('{glob}')").fetchone()[0]
    if not files:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in m.schema.names})
    return con.execute(f"SELECT {cols} FROM read_parquet('{glob}', hive_partitioning = true, union_by_name = true)").df()


@pytest.fixture(scope="module")
def spark_built(tmp_path_factory):
    spark = spark_for_tests()
    from f1nb.demo import DemoConfig
    from f1nb.lake.lake import Lake
    from f1nb.engine.spark import SparkLake, build_with_spark
    from f1nb.ingest import Demo, ingest

    root = tmp_path_factory.mktemp("spark-e2e")
    cfg = DemoConfig(drivers=6, race_laps=6, sample_hz=1.0)  # qualifying + race
    lake = Lake(root / "lake.duckdb")
    keys = ingest(Demo(cfg, root / "tree", progress=False), lake).session_keys
    report = build_with_spark(lake, root / "parquet", session=spark)
    spark_lake = SparkLake(root / "parquet", session=spark)
    yield lake, root / "parquet", report, keys, spark_lake
    spark_lake.close()
    lake.close()


def test_bronze_parquet_layout_partitioned_by_season_and_session(spark_built):
    lake, root, _, keys, spark_lake = spark_built
    for key in keys:
        for table in ("messages", "fields", "car_samples", "position_samples", "sessions"):
            files = list((root / "bronze" / table / "year=2099" / f"session_key={key}").glob("*.parquet"))
            assert files, (table, key)
    # Spark sees the same rows per table as the DuckDB lake
    for table in ("sessions", "fields", "car_samples"):
        (n,) = lake.raw.execute(f"SELECT count(*) FROM bronze.{table}").fetchone()
        assert spark_lake.table(f"bronze.{table}").count().to_pyarrow().as_py() == n, table


def test_every_model_built_on_spark_equals_duckdb(spark_built):
    lake, root, report, keys, _ = spark_built
    models = build_order(registry())
    assert set(report.rows) == {m.name for m in models}
    for m in models:
        duck = _sorted(lake.table(m.name).to_pyarrow().to_pandas())
        spark = _sorted(_parquet_frame(root, m))
        assert len(duck) == report.rows[m.name], m.name
        # session-time -> UTC is `t0 + seconds (float)`: DuckDB rounds the microsecond, Spark truncates it
        for c in [c for c in duck.columns if str(duck[c].dtype).startswith("datetime64")]:
            if len(duck) == len(spark) and c in spark:
                diff = (duck[c] - pd.to_datetime(spark[c], utc=True)).abs()
                assert (duck[c].isna() == spark[c].isna()).all() and (diff.dropna() <= pd.Timedelta("1us")).all(), (m.name, c)
                spark[c] = duck[c]
        try:
            assert_same(duck, spark, atol=1e-9)
        except AssertionError as exc:
            raise AssertionError(f"{m.name}: column {exc} differs between DuckDB and Spark") from None


def test_rebuilding_one_session_keeps_the_others(spark_built):
    _, root, report, keys, spark_lake = spark_built
    m = registry()["silver.laps"]
    before = spark_lake.table("silver.laps").count().to_pyarrow().as_py()
    spark_lake.materialise(m, [keys[0]])  # dynamic partition overwrite: only keys[0]'s folder is rewritten
    assert spark_lake.table("silver.laps").count().to_pyarrow().as_py() == before == report.rows["silver.laps"]
    assert {p.name for p in (root / "silver" / "laps").glob("session_key=*")} == {f"session_key={k}" for k in keys}


def test_reexport_is_idempotent(spark_built):
    from f1nb.lake.parquet import export_bronze

    lake, root, _, keys, spark_lake = spark_built
    rows = export_bronze(lake, root, [keys[0]])
    (n,) = lake.raw.execute(f"SELECT count(*) FROM bronze.fields WHERE session_key = {keys[0]}").fetchone()
    assert rows["fields"] == n
    assert not list(root.glob(".staging-*")) and not list((root / "bronze").glob("*/*/.old-*"))
    (total,) = lake.raw.execute("SELECT count(*) FROM bronze.fields").fetchone()
    fresh = spark_lake.spark.read.parquet(str(root / "bronze" / "fields")).count()
    assert fresh == total


def test_missing_session_is_a_clear_error(spark_built, tmp_path):
    from f1nb.errors import LakeError
    from f1nb.lake.parquet import export_bronze
    from f1nb.engine.spark import SparkLake

    lake = spark_built[0]
    with pytest.raises(LakeError, match="not in the lake"):
        export_bronze(lake, tmp_path, [123])
    with pytest.raises(LakeError, match="no Parquet Bronze"):
        SparkLake(tmp_path / "nothing", session=spark_for_tests())
