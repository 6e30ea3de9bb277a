"""`gold.lap_chart`: the order of the field at the end of every lap (races and sprints).

Key: (session_key, lap_number, position); also unique (session_key,
driver_number, lap_number), which is the `silver.laps` row it comes from.
Position at the end of lap n = rank among the drivers who completed lap n by
the time they crossed the line (`lap_end_session_s`), so a lapped car is
ranked on the lap it actually completed. `feed_position` is the feed's own
Position on that lap (`silver.laps.position`), for comparison."""

import ibis

from ..modeling import checks
from ..modeling.model import model
from .checks import positions_contiguous
from .common import RACE_KINDS, left, session_kinds


@model(
    "gold.lap_chart",
    inputs=["silver.laps", "bronze.sessions", "silver.drivers"],
    schema={"session_key": "int64", "lap_number": "int32", "position": "int32", "driver_number": "int32",
            "abbreviation": "string", "lap_end_session_s": "float64", "feed_position": "int32"},
    checks=[checks.unique("session_key", "lap_number", "position"),
            checks.unique("session_key", "driver_number", "lap_number"),
            checks.not_null("session_key", "lap_number", "position", "driver_number"),
            positions_contiguous(("session_key", "lap_number"))],
)
def lap_chart(laps, sessions, drivers):
    """One row per driver per completed race lap."""
    races = session_kinds(sessions).filter(ibis._.session_kind.isin(list(RACE_KINDS))).select("session_key")
    t = laps.join(races, "session_key")
    w = ibis.window(group_by=["session_key", "lap_number"], order_by=[t.lap_end_session_s, t.driver_number])
    t = t.select("session_key", "lap_number", "driver_number", "lap_end_session_s",
                 feed_position=t.position, position=ibis.row_number().over(w) + 1)
    return left(t, drivers.select("session_key", "driver_number", "abbreviation"), ["session_key", "driver_number"])
