"""`gold.weather_by_driver_lap`: the weather at the end of every driver's lap, in every
kind of session (gold.weather_by_lap keys the weather by the leader's lap, which
only races and sprints have).

Key: (session_key, driver_number, lap_number), one row per silver.laps lap with
an end time and a silver.weather sample within ±WINDOW_S of it. The sample is
the one nearest in time to the lap's end, before or after (earliest on ties),
found with a portable range join and a ranking, as in gold.weather_by_lap."""

from ..modeling import checks
from ..modeling.model import model
from .common import first_per
from .weather_by_lap import WINDOW_S

WEATHER = ["air_temp_c", "track_temp_c", "humidity_pct", "pressure_mbar", "rainfall", "wind_direction_deg",
           "wind_speed_ms"]


@model(
    "gold.weather_by_driver_lap",
    inputs=["silver.laps", "silver.weather"],
    feeds=("WeatherData",),
    schema={"session_key": "int64", "driver_number": "int32", "lap_number": "int32", "lap_end_session_s": "float64",
            "weather_seq": "int64", "weather_session_s": "float64", "air_temp_c": "float64",
            "track_temp_c": "float64", "humidity_pct": "float64", "pressure_mbar": "float64",
            "rainfall": "boolean", "wind_direction_deg": "float64", "wind_speed_ms": "float64"},
    checks=[checks.unique("session_key", "driver_number", "lap_number"),
            checks.not_null("session_key", "driver_number", "lap_number", "weather_seq"),
            checks.expression("sample within the window",
                              lambda t: (t.weather_session_s - t.lap_end_session_s).abs() > WINDOW_S)],
)
def weather_by_driver_lap(laps, weather):
    """One row per driver lap with a weather sample within WINDOW_S of its end."""
    lp = laps.filter(laps.lap_end_session_s.notnull()).select(
        "session_key", "driver_number", "lap_number", "lap_end_session_s")
    w = weather
    j = lp.join(w, [lp.session_key == w.session_key,
                    w.session_time_s >= lp.lap_end_session_s - WINDOW_S,
                    w.session_time_s <= lp.lap_end_session_s + WINDOW_S])
    j = j.select(lp.session_key, lp.driver_number, lp.lap_number, lp.lap_end_session_s, weather_seq=w.seq,
                 weather_session_s=w.session_time_s, **{c: w[c] for c in WEATHER})
    dist = (j.weather_session_s - j.lap_end_session_s).abs()
    return first_per(j.mutate(_d=dist), ["session_key", "driver_number", "lap_number"],
                     ["_d", "weather_session_s"]).drop("_d")
