"""`gold.weather_by_lap`: the weather at the end of each lap of the leader (races and sprints).

Key: (session_key, lap_number). The leader's lap n ends when the first car
completes it (min `silver.laps.lap_end_session_s` over drivers for that
lap_number: trace with session_key, lap_number); the weather is the
`silver.weather` sample (key session_key, seq) nearest in time to that
moment, before or after (earliest on ties), found with a portable range join
on a window of ±WINDOW_S around the lap end and a ranking, not an as-of join."""

import ibis

from ..modeling import checks
from ..modeling.model import model
from .common import RACE_KINDS, first_per, session_kinds

WINDOW_S = 600.0


@model(
    "gold.weather_by_lap",
    inputs=["silver.laps", "silver.weather", "bronze.sessions"],
    feeds=("WeatherData",),
    schema={"session_key": "int64", "lap_number": "int32", "lap_end_session_s": "float64",
            "weather_seq": "int64", "weather_session_s": "float64", "air_temp_c": "float64",
            "track_temp_c": "float64", "humidity_pct": "float64", "pressure_mbar": "float64",
            "rainfall": "boolean", "wind_direction_deg": "float64", "wind_speed_ms": "float64"},
    checks=[checks.unique("session_key", "lap_number"), checks.not_null("session_key", "lap_number", "weather_seq"),
            checks.expression("sample within the window",
                              lambda t: (t.weather_session_s - t.lap_end_session_s).abs() > WINDOW_S)],
)
def weather_by_lap(laps, weather, sessions):
    """One row per leader lap with a weather sample within WINDOW_S."""
    races = session_kinds(sessions).filter(ibis._.session_kind.isin(list(RACE_KINDS))).select("session_key")
    lp = laps.join(races, "session_key")
    ends = lp.group_by(["session_key", "lap_number"]).aggregate(lap_end_session_s=lp.lap_end_session_s.min())
    w = weather
    j = ends.join(w, [ends.session_key == w.session_key,
                      w.session_time_s >= ends.lap_end_session_s - WINDOW_S,
                      w.session_time_s <= ends.lap_end_session_s + WINDOW_S])
    j = j.select(ends.session_key, ends.lap_number, ends.lap_end_session_s, weather_seq=w.seq,
                 weather_session_s=w.session_time_s, air_temp_c=w.air_temp_c, track_temp_c=w.track_temp_c,
                 humidity_pct=w.humidity_pct, pressure_mbar=w.pressure_mbar, rainfall=w.rainfall,
                 wind_direction_deg=w.wind_direction_deg, wind_speed_ms=w.wind_speed_ms)
    dist = (j.weather_session_s - j.lap_end_session_s).abs()
    return first_per(j.mutate(_d=dist), ["session_key", "lap_number"], ["_d", "weather_session_s"]).drop("_d")
