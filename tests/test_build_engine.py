"""The DuckDB build's mechanics: new tables made by CREATE TABLE AS with the declared
types, DuckDB's thread setting per model and restored afterwards (also after a failure)."""

from __future__ import annotations

import pytest

from f1nb.demo import DemoConfig
from f1nb.engine.compiled import plan
from f1nb.engine.duckdb_build import sample_models
from f1nb.errors import LakeError
from f1nb.lake.lake import Lake

from .conftest import bronze_only_lake

SMALL = DemoConfig(drivers=3, race_laps=3, quali_minutes=(3.0, 2.0, 2.0))


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """A lake with the small demo's Bronze only (each test builds a copy)."""
    return bronze_only_lake(tmp_path_factory.mktemp("build_engine"), SMALL)


def _copy(loaded, tmp_path):
    path = tmp_path / "lake.duckdb"
    path.write_bytes(loaded.read_bytes())
    return Lake(path)


def test_new_tables_have_the_declared_types_and_threads_come_back(loaded, tmp_path):
    with _copy(loaded, tmp_path) as lake:
        lake.raw.execute("SET threads = 3")
        lake.build()
        assert lake.raw.execute("SELECT current_setting('threads')").fetchone()[0] == 3
        for step in plan():
            lake.raw.execute("CREATE OR REPLACE TEMP TABLE _declared (" +
                             ", ".join(f'"{c}" {t}' for c, t in step.columns) + ")")
            declared = lake.raw.execute("SELECT column_name, column_type FROM (DESCRIBE _declared)").fetchall()
            built = lake.raw.execute(f"SELECT column_name, column_type FROM (DESCRIBE {step.name})").fetchall()
            assert built == declared, step.name
        assert lake.raw.execute("SELECT count(*) FROM silver.car_telemetry").fetchone()[0] > 0
        # a second build rebuilds in place (DELETE + INSERT) to the same rows
        lake.raw.execute("CREATE TEMP TABLE _first AS SELECT * FROM silver.car_telemetry")
        lake.build()
        for a, b in (("silver.car_telemetry", "_first"), ("_first", "silver.car_telemetry")):
            assert lake.raw.execute(f"SELECT count(*) FROM (FROM {a} EXCEPT ALL FROM {b})").fetchone() == (0,)


def test_a_failed_build_restores_threads_and_changes_nothing(loaded, tmp_path):
    with _copy(loaded, tmp_path) as lake:
        lake.raw.execute("SET threads = 2")
        lake.raw.execute("ALTER TABLE bronze.car_samples RENAME COLUMN speed TO speed_gone")
        with pytest.raises(LakeError, match="building silver.car_telemetry failed"):
            lake.build()
        assert lake.raw.execute("SELECT current_setting('threads')").fetchone()[0] == 2
        assert lake.table_names("silver") == []


def test_models_on_the_samples_are_the_telemetry_models():
    assert sample_models(plan()) == {"silver.car_telemetry", "silver.positions", "gold.car_ahead", "gold.corners"}


def _count(lake, sql: str) -> int:
    return lake.raw.execute(f"SELECT count(*) FROM ({sql})").fetchone()[0]


def test_sessions_without_samples_skip_the_sample_models(loaded, tmp_path):
    """A session without car or position samples gets no rows from the four models over them
    (their SQL is not run); other sessions keep theirs, and a lake without any samples gets
    the tables empty, with their declared columns."""
    telemetry = sorted(sample_models(plan()))
    with _copy(loaded, tmp_path) as lake:
        lake.build()
        quali, race = lake.session_keys()
        for name in telemetry:
            lake.raw.execute(f"CREATE TEMP TABLE \"{name}\" AS SELECT * FROM {name} WHERE session_key = {race}")
            assert _count(lake, f'FROM "{name}"') > 0, name
        for table in ("bronze.car_samples", "bronze.position_samples"):
            lake.raw.execute(f"DELETE FROM {table} WHERE session_key = {quali}")
        lake.build([quali])
        for name in telemetry:
            assert _count(lake, f"FROM {name} WHERE session_key = {quali}") == 0, name
            assert _count(lake, f'FROM {name} EXCEPT ALL FROM "{name}"') == 0, name
            assert _count(lake, f'FROM "{name}" EXCEPT ALL FROM {name}') == 0, name
    (tmp_path / "none").mkdir()
    with _copy(loaded, tmp_path / "none") as lake:
        for table in ("bronze.car_samples", "bronze.position_samples"):
            lake.raw.execute(f"DELETE FROM {table}")
        lake.build()
        for step in plan():
            if step.name in telemetry:
                assert lake.columns(step.layer, step.table_name) == [c for c, _ in step.columns]
                assert _count(lake, f"FROM {step.name}") == 0
