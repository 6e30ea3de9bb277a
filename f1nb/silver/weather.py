"""`silver.weather`: one row per WeatherData sample (F1 sends one a minute)."""

from ..modeling import checks
from ..modeling.model import model
from .common import session_time_s, topic_rows, with_utc


@model(
    "silver.weather",
    inputs=["bronze.fields", "bronze.sessions"],
    feeds=("WeatherData",),
    schema={"session_key": "int64", "seq": "int64", "session_time_s": "float64", "utc": "timestamp('UTC', 6)",
            "air_temp_c": "float64", "track_temp_c": "float64", "humidity_pct": "float64",
            "pressure_mbar": "float64", "rainfall": "boolean", "wind_direction_deg": "float64",
            "wind_speed_ms": "float64"},
    checks=[checks.unique("session_key", "seq"), checks.in_range("air_temp_c", -20, 60),
            checks.in_range("track_temp_c", -20, 80), checks.in_range("humidity_pct", 0, 100),
            checks.in_range("wind_direction_deg", 0, 360)],
)
def weather(fields, sessions):
    """Typed WeatherData samples; rainfall is true when F1 reports a non-zero value.
    `utc` is the live frame's time, else the session clock's time of the sample."""
    t = topic_rows(fields, "WeatherData", num={
        "air_temp_c": "AirTemp", "track_temp_c": "TrackTemp", "humidity_pct": "Humidity",
        "pressure_mbar": "Pressure", "rain": "Rainfall", "wind_direction_deg": "WindDirection",
        "wind_speed_ms": "WindSpeed"})
    t = t.filter(t.air_temp_c.notnull() | t.track_temp_c.notnull())
    return with_utc(t.mutate(session_time_s=session_time_s(t), rainfall=t.rain > 0), sessions, utc="session_time_s")
