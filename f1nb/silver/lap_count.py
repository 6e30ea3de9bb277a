"""`silver.lap_count`: the race's lap counter as it changed, with the scheduled total."""



from ..modeling import checks
from ..modeling.model import model
from .common import ffill, session_time_s, topic_rows, with_utc


@model(
    "silver.lap_count",
    inputs=["bronze.fields", "bronze.sessions"],
    schema={"session_key": "int64", "seq": "int64", "session_time_s": "float64", "current_lap": "int32",
            "total_laps": "int32", "utc": "timestamp('UTC', 6)"},
    checks=[checks.unique("session_key", "seq"), checks.in_range("current_lap", 0, 200)],
)
def lap_count(fields, sessions):
    """One row per LapCount message; total_laps carried forward from the last time it was sent."""
    t = topic_rows(fields, "LapCount", num={"current_lap": "CurrentLap", "total_laps": "TotalLaps"})
    t = ffill(t, ["current_lap", "total_laps"], by=["session_key"], order=["seq"])
    t = t.filter(t.current_lap.notnull()).mutate(session_time_s=session_time_s(t))
    return with_utc(t, sessions, utc="session_time_s")



