"""gold.car_ahead on a demo race: the car ahead, the distance and the time to it at each car
sample, checked against the timing feed's own IntervalToPositionAhead (silver.intervals) at
every line crossing (the time gap, and who the car ahead is)."""

from __future__ import annotations

import pytest


CAR_AHEAD_AT_THE_LINE = """
WITH ends AS (SELECT session_key, driver_number, lap_number, lap_end_session_s, position,
                     pit_in_session_s IS NOT NULL OR pit_out_session_s IS NOT NULL AS pit
              FROM silver.laps WHERE lap_end_session_s IS NOT NULL AND position IS NOT NULL),
iv AS (SELECT e.*, (SELECT i.interval_s FROM silver.intervals i WHERE i.session_key = e.session_key
         AND i.driver_number = e.driver_number AND i.session_time_s BETWEEN e.lap_end_session_s - 0.5
         AND e.lap_end_session_s + 3 AND i.interval_s IS NOT NULL ORDER BY i.session_time_s LIMIT 1) interval_s
       FROM ends e),
ca AS (SELECT iv.*, a.time_to_driver_ahead_s AS est, a.driver_ahead
       FROM iv ASOF JOIN gold.car_ahead a ON a.session_key = iv.session_key AND a.driver_number = iv.driver_number
         AND a.session_time_s >= iv.lap_end_session_s)
SELECT ca.*, (SELECT e2.driver_number FROM ends e2 WHERE e2.session_key = ca.session_key
              AND e2.lap_number = ca.lap_number AND e2.position = ca.position - 1) AS timing_ahead
FROM ca WHERE interval_s IS NOT NULL AND est IS NOT NULL AND NOT pit"""


def car_ahead_agreement(lake) -> dict:
    """gold.car_ahead against the timing feed's IntervalToPositionAhead (silver.intervals) at
    each line crossing without a pit stop: the time to the car ahead, and who it is."""
    df = lake.sql(CAR_AHEAD_AT_THE_LINE).to_pandas()
    err = (df.est - df.interval_s).abs()
    named = df[df.timing_ahead.notna()]
    return {"crossings": len(df), "median_error_s": float(err.median()), "within_0_1_s": float((err < 0.1).mean()),
            "within_0_5_s": float((err < 0.5).mean()),
            "same_driver": float((named.driver_ahead == named.timing_ahead).mean())}


@pytest.fixture(scope="module")
def race_lake(tmp_path_factory):
    demo = pytest.importorskip("f1nb.demo")
    from f1nb.lake.lake import Lake
    from f1nb.ingest import Demo, ingest

    root = tmp_path_factory.mktemp("car-ahead")
    lake = Lake(root / "lake.duckdb")
    ingest(Demo(demo.DemoConfig(drivers=12, race_laps=10, rounds=1, sessions=("Race",)), root / "tree",
                progress=False), lake)
    yield lake
    lake.close()


def test_demo_car_ahead_agrees_with_the_timing_feed_at_the_line(race_lake):
    from f1nb.engine.duckdb_build import run_checks

    lake = race_lake
    got = car_ahead_agreement(lake)
    print("\ncar ahead vs IntervalToPositionAhead at the line:", got)
    assert got["crossings"] >= 10
    assert got["median_error_s"] < 0.05 and got["within_0_5_s"] >= 0.85 and got["same_driver"] >= 0.9
    assert all(r["violations"] == 0 for r in run_checks(lake, names=["gold.car_ahead"]))
