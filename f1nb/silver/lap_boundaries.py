"""`silver.lap_boundaries`: where each lap of each driver starts and ends on the
session clock — the staging table `silver.laps` is cut from (see `lap_events`)."""

from ..modeling import checks
from ..modeling.model import model
from .common import with_utc
from .lap_events import lap_ends


def race_starts(sessions, session_status):
    """(session_key, race_start_s): the start signal of races (first 'Started')."""
    races = sessions.filter(sessions.session_type == "Race").select("session_key")
    s = session_status.filter(session_status.status == "Started")
    s = s.group_by("session_key").aggregate(race_start_s=s.session_time_s.min())
    return s.join(races, "session_key")


@model(
    "silver.lap_boundaries",
    inputs=["bronze.fields", "bronze.sessions", "silver.session_status"],
    schema={"session_key": "int64", "driver_number": "int32", "lap_number": "int32",
            "window_start_s": "float64", "prev_end_session_s": "float64", "lap_end_session_s": "float64",
            "from_pit_exit": "boolean", "lap_end_utc": "timestamp('UTC', 6)"},
    checks=[checks.unique("session_key", "driver_number", "lap_number"),
            checks.not_null("lap_number", "lap_end_session_s", "window_start_s"),
            checks.expression("lap ends after its window starts",
                              lambda t: t.lap_end_session_s <= t.window_start_s)],
)
def lap_boundaries(fields, sessions, session_status):
    """One row per completed lap: its window on the session clock. `window_start_s`
    is the previous lap's end, the race start for race lap 1, or -1e9 (no start
    known: the first run of a practice session). `lap_end_utc` on the session clock."""
    return with_utc(lap_ends(fields, race_starts(sessions, session_status)), sessions, lap_end_utc="lap_end_session_s")
