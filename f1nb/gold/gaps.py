"""`gold.gaps`: gap to the leader per driver per lap (races and sprints).

Key: (session_key, driver_number, lap_number), the `silver.laps` row it comes
from. The leader of lap n is the first car to complete it (`gold.lap_chart`
position 1); `gap_to_leader_s` = this car's `lap_end_session_s` − the
leader's `lap_end_session_s` on the same lap (so it is defined for lapped
cars too: they are compared on the lap they completed, and the gap exceeds a
lap time). `interval_s` = gap to the car that completed the same lap just
before."""

import ibis

from ..modeling import checks
from ..modeling.model import model
from .common import RACE_KINDS, left, session_kinds


@model(
    "gold.gaps",
    inputs=["silver.laps", "bronze.sessions", "silver.drivers"],
    schema={"session_key": "int64", "driver_number": "int32", "lap_number": "int32", "abbreviation": "string",
            "position": "int32", "leader_driver_number": "int32", "gap_to_leader_s": "float64",
            "interval_s": "float64"},
    checks=[checks.unique("session_key", "driver_number", "lap_number"),
            checks.not_null("session_key", "driver_number", "lap_number", "gap_to_leader_s"),
            checks.in_range("gap_to_leader_s", 0.0, None), checks.in_range("interval_s", 0.0, None)],
)
def gaps(laps, sessions, drivers):
    """One row per driver per completed race lap."""
    races = session_kinds(sessions).filter(ibis._.session_kind.isin(list(RACE_KINDS))).select("session_key")
    t = laps.join(races, "session_key").select("session_key", "driver_number", "lap_number", "lap_end_session_s")
    order = [t.lap_end_session_s, t.driver_number]
    w = ibis.window(group_by=["session_key", "lap_number"], order_by=order)
    t = t.mutate(position=ibis.row_number().over(w) + 1,
                 leader_end=t.lap_end_session_s.min().over(ibis.window(group_by=["session_key", "lap_number"])),
                 prev_end=t.lap_end_session_s.lag().over(w))
    leader = t.filter(t.position == 1).select("session_key", "lap_number", leader_driver_number=ibis._.driver_number)
    t = left(t, leader, ["session_key", "lap_number"])
    t = t.mutate(gap_to_leader_s=t.lap_end_session_s - t.leader_end,
                 interval_s=ibis.ifelse(t.position == 1, 0.0, t.lap_end_session_s - t.prev_end))
    return left(t, drivers.select("session_key", "driver_number", "abbreviation"), ["session_key", "driver_number"])
