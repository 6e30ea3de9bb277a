"""`gold.car_ahead`: at each car sample of a race or sprint, the car ahead on the road in
race distance, how far ahead it is and an estimate of the time to it — for the whole
session at once, in the engine (FastF1's add_driver_ahead works on one lap in Python).

Key: (session_key, driver_number, utc). A car's race distance is
(lap_number - 1 + relative_distance) × the track length, where the track length
is the mean over the session's clean laps of their distance (silver.car_telemetry
integrates each lap from the line, so relative_distance is exact at both ends of
every lap). All cars of a CarData frame share its utc: per utc, the cars are
ordered by race distance and each one's car ahead is the next one up (one window,
no self-join). A lapped car's car ahead is the car just ahead of it in race
distance, as in the timing feed's IntervalToPositionAhead. `time_to_driver_ahead_s`
is how long ago the car ahead was where this car is now, as the timing feed
measures its interval at the line: the car ahead's time at this race distance,
interpolated between its two samples around it (a range join that also meets on
a BUCKET_M bucket of race distance, as silver.car_telemetry's position merge);
null where the car ahead has no samples around that distance less than SEGMENT_M
apart. Samples outside a lap (null lap or distance) have no row; the leader has
a null car ahead."""

import ibis

from ..modeling import checks
from ..modeling.model import model
from ..silver.common import under_buckets
from .common import RACE_KINDS, exact_mean, session_kinds

SEGMENT_M = 128.0  # longest stretch between two samples interpolated across
# The range join's bucket: a power of two, so rd / BUCKET_M is exact. Finer than SEGMENT_M so
# a sample meets about one segment of the car ahead instead of six (a segment is listed under
# every bucket it spans): the join measured 30 % cheaper at 32 m than at 128 m.
BUCKET_M = 32.0


def track_length(car_telemetry, laps):
    """(session_key, track_length_m): the mean distance of the session's clean laps (SQLite has no median)."""
    clean = laps.filter(laps.lap_time_s.notnull() & laps.pit_in_session_s.isnull() & laps.pit_out_session_s.isnull()
                        & (laps.lap_number > 1))
    per_lap = car_telemetry.group_by(["session_key", "driver_number", "lap_number"]).aggregate(
        lap_m=car_telemetry.distance_m.max())
    per_lap = per_lap.join(clean.select("session_key", "driver_number", "lap_number"),
                           ["session_key", "driver_number", "lap_number"])
    # a float sum's last bits depend on the order it adds in: exact_mean adds whole micrometres
    return per_lap.group_by("session_key").aggregate(track_length_m=exact_mean(per_lap.lap_m, 1e6).round(3))


@model(
    "gold.car_ahead",
    inputs=["silver.car_telemetry", "silver.laps", "bronze.sessions"],
    schema={"session_key": "int64", "driver_number": "int32", "utc": "timestamp('UTC', 6)",
            "session_time_s": "float64", "lap_number": "int32", "race_distance_m": "float64",
            "driver_ahead": "int32", "distance_to_driver_ahead_m": "float64", "time_to_driver_ahead_s": "float64"},
    checks=[checks.unique("session_key", "driver_number", "utc"),
            checks.not_null("session_key", "driver_number", "utc", "race_distance_m"),
            checks.in_range("distance_to_driver_ahead_m", 0.0, None),
            checks.expression("not its own car ahead", lambda t: t.driver_ahead == t.driver_number)],
)
def car_ahead(car_telemetry, laps, sessions):
    """One row per car sample on a lap in a race or sprint (module doc)."""
    races = session_kinds(sessions).filter(ibis._.session_kind.isin(list(RACE_KINDS))).select("session_key")
    c = car_telemetry.join(races, "session_key")
    c = c.filter(c.lap_number.notnull() & c.relative_distance.notnull())
    c = c.join(track_length(c, laps), "session_key")
    c = c.select("session_key", "driver_number", "utc", "session_time_s", "lap_number",
                 race_distance_m=(((c.lap_number - 1).cast("float64") + c.relative_distance) * c.track_length_m).round(3))
    # the passages read the rows before the car-ahead window: built from its output, the
    # engine evaluates that window a second time for them (DuckDB does not prune it)
    seg = _passages(c)
    up = ibis.window(group_by=["session_key", "utc"], order_by=[ibis.desc("race_distance_m"), "driver_number"])
    c = c.mutate(driver_ahead=c.driver_number.lag().over(up), _ahead_m=c.race_distance_m.lag().over(up))
    c = c.mutate(distance_to_driver_ahead_m=c._ahead_m - c.race_distance_m).drop("_ahead_m")
    return _with_time_to_ahead(c, seg)


def _passages(c):
    """(session_key, driver_ahead, _bucket, _d0, _d1, _t0, _t1): each car's consecutive samples
    as race-distance segments, under each bucket they span; segments over SEGMENT_M dropped."""
    # utc, not session_time_s (to the ms): a unique order, the same passages on every build
    w = ibis.window(group_by=["session_key", "driver_number"], order_by=["utc"])
    p = c.select("session_key", driver_ahead=c.driver_number, _d0=c.race_distance_m,
                 _d1=c.race_distance_m.lead().over(w), _t0=c.session_time_s, _t1=c.session_time_s.lead().over(w))
    p = p.filter((p._d1 > p._d0) & (p._d1 - p._d0 <= SEGMENT_M))
    return under_buckets(p, "_d0", "_d1", BUCKET_M, SEGMENT_M)


def _with_time_to_ahead(c, seg):
    """`c` with time_to_driver_ahead_s: session time now minus the car ahead's session time at
    this race distance (module doc), from the car ahead's passages `seg`."""
    c = c.mutate(_bucket=(c.race_distance_m / BUCKET_M).floor())
    j = c.left_join(seg, [c.session_key == seg.session_key, c.driver_ahead == seg.driver_ahead,
                          c._bucket == seg._bucket, c.race_distance_m >= seg._d0, c.race_distance_m < seg._d1])
    then = seg._t0 + (seg._t1 - seg._t0) * (c.race_distance_m - seg._d0) / (seg._d1 - seg._d0)
    return j.select(*[c[x] for x in c.columns if x != "_bucket"], time_to_driver_ahead_s=c.session_time_s - then)
