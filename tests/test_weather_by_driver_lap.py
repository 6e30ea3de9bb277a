"""gold.weather_by_driver_lap: weather per lap in every kind of session (gold.weather_by_lap
has races and sprints only), checked against a brute-force nearest sample."""

from __future__ import annotations

import numpy as np

from f1nb.engine.duckdb_build import run_checks


def test_every_lap_of_practice_and_qualifying_gets_the_nearest_sample(real_lake):
    kinds = dict(real_lake.sql("SELECT session_key, session_type FROM bronze.sessions").to_pandas().itertuples(index=False))
    with_weather = sorted(real_lake.sql("SELECT DISTINCT session_key k FROM silver.weather").to_pandas().k)
    assert {kinds[k] for k in with_weather} == {"Practice", "Qualifying"}
    for key in with_weather:
        laps = real_lake.sql(f"SELECT driver_number, lap_number, lap_end_session_s FROM silver.laps "
                             f"WHERE session_key = {key} AND lap_end_session_s IS NOT NULL").to_pandas()
        w = real_lake.sql(f"SELECT seq, session_time_s, air_temp_c FROM silver.weather WHERE session_key = {key} "
                          f"ORDER BY session_time_s, seq").to_pandas()
        got = real_lake.sql(f"SELECT * FROM gold.weather_by_driver_lap WHERE session_key = {key}").to_pandas()
        assert len(got) == len(laps) > 200
        got = got.merge(laps, on=["driver_number", "lap_number", "lap_end_session_s"])
        nearest = np.abs(w.session_time_s.values[None, :] - got.lap_end_session_s.values[:, None]).argmin(axis=1)
        assert (got.weather_seq.values == w.seq.values[nearest]).all()
        assert (got.air_temp_c.values == w.air_temp_c.values[nearest]).all()
    assert real_lake.sql("SELECT count(*) n FROM gold.weather_by_driver_lap WHERE session_key NOT IN "
                         "(SELECT session_key FROM silver.weather)").to_pylist()[0]["n"] == 0
    assert all(r["violations"] == 0 for r in run_checks(real_lake, names=["gold.weather_by_driver_lap"]))
