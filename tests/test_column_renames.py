"""Issue 15 item 4, the column renames of docs/columns.md's "Known inconsistencies": the compiled
plan has the new names and none of the old, and a lake built by an older f1nb (a table with the
old column) neither crashes nor misleads: `check` says to rebuild, and a Session rebuilds it on
first use, to the same rows under the new name."""

from __future__ import annotations

import pytest

# (table, old name, new name)
RENAMES = [
    ("silver.car_telemetry", "speed", "speed_kph"),
    ("silver.laps", "speed_i1", "speed_i1_kph"),
    ("silver.laps", "speed_st", "speed_st_kph"),
    ("silver.timing_final", "knocked_out_part", "knocked_out_qualifying_part"),
    ("gold.results", "knocked_out_part", "knocked_out_qualifying_part"),
    ("gold.teammate_head_to_head", "quali_part", "compared_qualifying_part"),
    ("gold.teammate_head_to_head", "quali_delta_s", "qualifying_delta_s"),
    ("gold.pit_stop_summary", "laps", "pit_in_lap_numbers"),
]


@pytest.mark.parametrize("table,old,new", RENAMES)
def test_the_plan_has_the_new_names_only(table, old, new):
    from f1nb.engine.compiled import plan

    (step,) = [s for s in plan() if s.name == table]
    names = [c for c, _ in step.columns]
    assert new in names and old not in names


@pytest.fixture(scope="module")
def race_lake(tmp_path_factory):
    from f1nb.demo import DemoConfig
    from f1nb.ingest import Demo, ingest
    from f1nb.lake.lake import Lake

    root = tmp_path_factory.mktemp("renames")
    lake = Lake(root / "lake.duckdb")
    ingest(Demo(DemoConfig(drivers=4, race_laps=3, rounds=1, sessions=("Race",)), root / "tree", progress=False),
           lake)
    yield lake
    lake.close()


@pytest.mark.parametrize("table,old,new", RENAMES)
def test_a_lake_with_the_old_name_is_rebuilt_on_first_use(race_lake, table, old, new):
    from f1nb.engine.duckdb_build import outdated_tables
    from f1nb.errors import LakeError
    from f1nb.session_lookup import session_from_lake

    lake = race_lake
    query = f"SELECT * EXCLUDE ({new}), {new} FROM {table} ORDER BY ALL"
    current = lake.raw.execute(query).fetchall()
    lake.raw.execute(f"ALTER TABLE {table} RENAME COLUMN {new} TO {old}")  # as an older f1nb built it
    assert outdated_tables(lake) == [table]
    with pytest.raises(LakeError, match=f"{table} was built by an older f1nb.*f1nb build"):
        lake.check()
    (key,) = lake.session_keys()
    session = session_from_lake(key, lake)
    assert not session.is_built
    session.get_laps()  # the first read rebuilds
    assert outdated_tables(lake) == [] and new in lake.columns(*table.split("."))
    assert lake.raw.execute(query).fetchall() == current
    assert all(r["violations"] == 0 for r in lake.check([table]))


def test_a_build_that_excludes_an_outdated_table_rebuilds_it_anyway(race_lake):
    """The live sink's refreshes exclude the heavy telemetry tables; on a lake built before the
    renames, the models after them would read columns that are not there yet."""
    from f1nb.engine.duckdb_build import build_layers, outdated_tables

    lake = race_lake
    lake.raw.execute("ALTER TABLE silver.car_telemetry RENAME COLUMN speed_kph TO speed")
    build_layers(lake, exclude=("silver.car_telemetry", "silver.positions"))
    assert outdated_tables(lake) == []


# One session kind: the plots ask the Gold layer's rule (gold.common.session_kind) instead of
# deriving their own three categories. The six real sessions, by key.
REAL_KINDS = {5090: "race", 5502: "qualifying", 5778: "practice", 6271: "practice", 9668: "sprint_shootout",
              9551: "practice"}


def test_plots_and_gold_share_one_session_kind(real_lake):
    from f1nb.plots.common import session_kind
    from f1nb.session_lookup import session_from_lake

    gold = dict(real_lake.raw.execute("SELECT DISTINCT session_key, session_kind FROM gold.results").fetchall())
    got = {key: session_kind(session_from_lake(key, real_lake)) for key in real_lake.session_keys()}
    assert got == {k: v for k, v in REAL_KINDS.items() if k in got} and len(got) == len(REAL_KINDS)
    assert all(gold[k] == v for k, v in got.items() if k in gold)
