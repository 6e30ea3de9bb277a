"""`gold.corners`: the circuit's corners, found in the data (no network: FastF1 asks
MultiViewer for them), from the speed minima of the session's fastest laps.

Key: (session_key, corner_number). The laps: each driver's fastest clean lap
(timed, not deleted, no pit in or out), the FASTEST_LAPS fastest of them. On
each, a corner's apex is a car sample that is the slowest within WINDOW_ROWS
samples on either side (about ±150 m at 4 Hz; so not within that of the line)
and below SLOW_SHARE of the lap's
top speed. Apexes of all laps, in order of distance along the lap, make one
corner until the next is more than SPLIT_M further on; a corner seen on fewer
than half of the laps is dropped, and the rest are numbered 1.. along the lap.
`distance_m` and `x`, `y` (decimetres, as silver.positions) are the mean over
its laps, of the values to 1e-6 (`common.exact_mean`: the same bits on every
build), `min_speed_kph` the lowest speed."""

import ibis

from ..modeling import checks
from ..modeling.model import model
from .common import exact_mean, first_per

FASTEST_LAPS = 5
WINDOW_ROWS = 8
SLOW_SHARE = 0.9
SPLIT_M = 100.0
PER_UNIT = 1e6  # the means add whole micrometres (distance) and 1e-6 dm (x, y)


def fastest_clean_laps(laps):
    """(session_key, driver_number, lap_number): each driver's fastest clean lap, the
    FASTEST_LAPS fastest of them per session."""
    lp = laps.filter(laps.lap_time_s.notnull() & ~laps.deleted.fill_null(False) & laps.pit_in_session_s.isnull()
                     & laps.pit_out_session_s.isnull())
    best = first_per(lp, ["session_key", "driver_number"], ["lap_time_s", "lap_number"])
    rank = ibis.row_number().over(ibis.window(group_by="session_key", order_by=["lap_time_s", "driver_number"]))
    best = best.mutate(_rank=rank)
    return best.filter(best._rank < FASTEST_LAPS).select("session_key", "driver_number", "lap_number")


@model(
    "gold.corners",
    inputs=["silver.laps", "silver.car_telemetry", "bronze.sessions"],
    schema={"session_key": "int64", "circuit": "string", "corner_number": "int32", "distance_m": "float64",
            "x": "float64", "y": "float64", "min_speed_kph": "float64", "laps": "int64"},
    checks=[checks.unique("session_key", "corner_number"), checks.not_null("session_key", "corner_number", "distance_m"),
            checks.in_range("min_speed_kph", 0.0, 400.0), checks.in_range("corner_number", 1, 60)],
)
def corners(laps, car_telemetry, sessions):
    """One row per corner found on the session's fastest laps (module doc)."""
    top = fastest_clean_laps(laps)
    c = car_telemetry.filter(car_telemetry.sample_valid & car_telemetry.distance_m.notnull())
    c = c.join(top, ["session_key", "driver_number", "lap_number"])
    c = c.select("session_key", "driver_number", "utc", "distance_m", "x", "y", speed=c.speed_kph.cast("float64"))
    # utc breaks ties (a car standing still): rows frames over tied keys are not reproducible
    near = ibis.window(group_by=["session_key", "driver_number"], order_by=["distance_m", "utc"],
                       preceding=WINDOW_ROWS, following=WINDOW_ROWS)
    lap = ibis.window(group_by=["session_key", "driver_number"])
    c = c.mutate(_local=c.speed.min().over(near), _seen=c.speed.count().over(near), _top=c.speed.max().over(lap))
    # a full window only: at the lap's ends the speed rising away from the line is no apex
    m = c.filter((c.speed == c._local) & (c._seen == 2 * WINDOW_ROWS + 1) & (c.speed <= SLOW_SHARE * c._top))
    along = ibis.window(group_by="session_key", order_by=["distance_m", "driver_number"])
    m = m.mutate(_gap=m.distance_m - m.distance_m.lag().over(along))
    m = m.mutate(_new=ibis.ifelse(m._gap.isnull() | (m._gap > SPLIT_M), 1, 0))
    upto = ibis.window(group_by="session_key", order_by=["distance_m", "driver_number"], preceding=None, following=0)
    m = m.mutate(_cluster=m._new.sum().over(upto))
    g = m.group_by(["session_key", "_cluster"]).aggregate(
        distance_m=exact_mean(m.distance_m, PER_UNIT), x=exact_mean(m.x, PER_UNIT), y=exact_mean(m.y, PER_UNIT), min_speed_kph=m.speed.min(),
        laps=m.driver_number.nunique())
    n = top.group_by("session_key").aggregate(_n=top.count())
    g = g.join(n, "session_key")
    g = g.filter(g.laps * 2 >= g._n)
    number = ibis.row_number().over(ibis.window(group_by="session_key", order_by=["distance_m"])) + 1
    g = g.mutate(corner_number=number)
    return g.join(sessions.select("session_key", "circuit"), "session_key")
