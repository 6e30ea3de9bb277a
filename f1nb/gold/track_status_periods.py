"""`gold.track_status_periods`: safety car, VSC, red flag and yellow periods.

Key: (session_key, seq), the `silver.track_status` message that opened the
period (status 2 yellow, 4 safety car, 5 red, 6 VSC, 7 VSC ending; green '1'
periods are left out). `end_session_s` is when the next status came (null if
still open at the end of the feed). `start_lap`/`end_lap` are the leader's
lap at those moments: the lap being driven by the car that led the race
(`gold`-style: the lap after the highest lap any car had completed by then,
from `silver.laps.lap_end_session_s`), null outside races. Trace to
`silver.laps` with session_key and lap_number = start_lap..end_lap."""

import ibis

from ..modeling import checks
from ..modeling.model import model

SHOWN = ["2", "4", "5", "6", "7"]


def _leader_lap(periods, laps, time_col, name):
    done = laps.select("session_key", "lap_number", "lap_end_session_s")
    j = periods.left_join(done, [periods.session_key == done.session_key, done.lap_end_session_s <= periods[time_col]])
    j = j.select(periods.session_key, periods.seq, done.lap_number)
    g = j.group_by(["session_key", "seq"]).aggregate(**{name: (j.lap_number.max().fill_null(0) + 1)})
    return g


@model(
    "gold.track_status_periods",
    inputs=["silver.track_status", "silver.laps", "bronze.sessions"],
    schema={"session_key": "int64", "seq": "int64", "status": "string", "label": "string",
            "start_session_s": "float64", "end_session_s": "float64", "duration_s": "float64",
            "start_lap": "int32", "end_lap": "int32"},
    checks=[checks.unique("session_key", "seq"), checks.not_null("session_key", "seq", "status", "start_session_s"),
            checks.accepted_values("status", SHOWN), checks.in_range("duration_s", 0.0, None),
            checks.expression("end lap not before start lap", lambda t: t.end_lap < t.start_lap)],
)
def track_status_periods(track_status, laps, sessions):
    """One row per non-green track-status period."""
    p = track_status.filter(track_status.status.isin(SHOWN))
    p = p.select("session_key", "seq", "status", "label", "start_session_s", "end_session_s",
                 duration_s=p.end_session_s - p.start_session_s)
    races = sessions.filter(sessions.session_type == "Race").select("session_key")
    race_laps = laps.join(races, "session_key")
    pe = p.mutate(_end=p.end_session_s.fill_null(1.0e9))
    start = _leader_lap(p, race_laps, "start_session_s", "start_lap")
    end = _leader_lap(pe, race_laps, "_end", "end_lap")
    last = race_laps.group_by("session_key").aggregate(_max=race_laps.lap_number.max())
    t = p.left_join(start, ["session_key", "seq"]).drop("session_key_right", "seq_right")
    t = t.left_join(end, ["session_key", "seq"]).drop("session_key_right", "seq_right")
    t = t.left_join(last, "session_key").drop("session_key_right")
    in_race = t._max.notnull()
    return t.mutate(start_lap=ibis.ifelse(in_race, ibis.least(t.start_lap, t._max), None),
                    end_lap=ibis.ifelse(in_race, ibis.least(t.end_lap, t._max), None))
