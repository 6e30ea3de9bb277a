"""Every Gold model (and silver.timing_final, which Gold needs) gives identical
results on DuckDB and SQLite: the inputs are copied from the real lake into an
in-memory SQLite database and `model.build(...)` runs on both.

tests/test_backends.py already runs every model on SQLite (and DataFusion and
Spark) for the 2018 Baku race and the 2019 Monza qualifying. This file runs only
what that leaves out: the four other real sessions (three practices and a
sprint qualifying), so no case runs twice. The race and qualifying
models, empty on those sessions, are left to test_backends.py."""

from __future__ import annotations

import sqlite3

import ibis
import pandas as pd
import pytest

from f1nb.engine.registry import registry

from .test_backends import KEYS as COVERED_BY_TEST_BACKENDS

# gold.car_ahead and gold.corners read car telemetry, which no real session here has (they are
# compared across engines in tests/test_backends.py and checked on the demo in
# tests/test_car_ahead.py and tests/test_silver_tables.py)
TELEMETRY = {"gold.car_ahead", "gold.corners"}
# models of races (and of full qualifying): no rows on the sessions below; their cases on the race
# and the qualifying are in test_backends.py
RACE_OR_QUALI_ONLY = {"gold.gaps", "gold.lap_chart", "gold.weather_by_lap", "gold.quali_head_to_head"}
GOLD = sorted(n for n in registry() if n.startswith("gold.") and n not in TELEMETRY | RACE_OR_QUALI_ONLY)
MODELS = GOLD + ["silver.timing_final"]
# bronze.fields is big: timing_final only reads these fields
FIELDS = ["Position", "GridPos", "Stopped", "Retired", "KnockedOut", "SessionPart"]
# silver.timing_final's stopped_utc adds milliseconds to the session clock: Ibis does sub-second
# interval arithmetic on SQLite only from 3.42
XFAIL: dict[str, str] = ({} if sqlite3.sqlite_version_info >= (3, 42) else
                         {"silver.timing_final": f"SQLite {sqlite3.sqlite_version}: no sub-second timestamp arithmetic"})


def _sqlite_name(full: str) -> str:
    return full.replace(".", "__")


@pytest.fixture(scope="module")
def backends(real_lake):
    needed = sorted({i for n in MODELS for i in registry()[n].inputs})
    sqlite = ibis.sqlite.connect()
    duck = {}
    for full in needed:
        t = real_lake.table(full)
        if "session_key" in t.columns:
            t = t.filter(~t.session_key.isin(COVERED_BY_TEST_BACKENDS))
        if full == "bronze.fields":
            t = t.filter(t.field.isin(FIELDS))
        # SQLite keeps timestamps as text: no Gold model reads them, so leave them out of both sides
        keep = [c for c, ty in t.schema().items() if not ty.is_timestamp()]
        t = t.select(*keep)
        sqlite.create_table(_sqlite_name(full), t.to_pyarrow())
        duck[full] = t
    lite = {full: sqlite.table(_sqlite_name(full)) for full in needed}
    yield duck, lite
    sqlite.disconnect()


def _frame(expr) -> pd.DataFrame:
    df = expr.to_pandas()
    for c in df.columns:
        if df[c].dtype == object:
            df[c] = df[c].astype("string")
    df = df.sort_values(list(df.columns), na_position="last").reset_index(drop=True)
    return df


@pytest.mark.parametrize("name", MODELS)
def test_same_on_duckdb_and_sqlite(backends, name):
    if name in XFAIL:
        pytest.xfail(XFAIL[name])
    duck, lite = backends
    m = registry()[name]
    a = _frame(m.build(duck))
    b = _frame(m.build(lite))
    assert len(a) > 0, name
    pd.testing.assert_frame_equal(a, b, check_dtype=False, check_exact=False, rtol=1e-9, atol=1e-9)
