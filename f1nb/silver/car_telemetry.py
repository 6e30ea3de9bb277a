"""`silver.car_telemetry`: one row per CarData sample per driver, with its
session time, lap and distance along the lap.

- `session_time_s` = `utc` - `bronze.sessions.t0_utc`, from whole days plus
  clock times to the millisecond (`_sample_times`: portable, and safe past
  2038 where Ibis' int32 epoch seconds overflow).
- `lap_number`: the silver.laps lap whose [`lap_start_session_s`, next lap's
  start) holds the sample (a portable range join; the last lap ends at its
  own `lap_end_session_s`, or a large sentinel when that is null). Samples
  outside every lap (before the first, after the last, or in the garage
  between laps where silver.laps has a gap) get a null lap and distance.
- `distance_m`: distance along the lap, integrated per driver in time order:
  each step adds Δt × mean of the two speeds (km/h -> m/s), summed from the
  lap's start. The step that crosses the lap start counts only its part
  after the start. Speeds outside 0-400 km/h add nothing. Each step is rounded
  to the micrometre before the sum (`common.exact_sum`): the sum of whole
  micrometres is exact, so a rebuild gives the same bits (a float sum's last
  bits depend on the order the engine adds in).
- `x`, `y`, `z`: the car's position at the sample's time, in decimetres as in
  silver.positions, interpolated between the driver's position samples around
  it; `relative_distance`: distance_m over the lap's greatest distance_m
  (silver/merge_position.py: FastF1's merge_channels and add_relative_distance).
- `speed_kph`: the CarData speed channel in km/h (`bronze.car_samples.speed`,
  named as sent there).
- `sample_valid` is false where throttle or brake read 104 (a stopped car
  reports it) or any of them is outside 0-100, speed outside 0-400, gear
  outside 0-8 or rpm outside 0-20000. The raw values are kept as sent.
"""

import ibis

from ..modeling import checks
from ..modeling.model import model
from .common import whole_units
from .merge_position import with_xyz

KEY = ["session_key", "driver_number"]
SENTINEL_S = 1.0e9  # "no next lap": portable instead of NULL in range joins
BUCKET_S = 64.0  # time bucket of the lap join (with_laps); must stay a power of two
UTC = "timestamp('UTC', 6)"
STEP_PER_M = 1e6  # distance steps are summed in whole micrometres (module doc)


def _clock_s(ts):
    return (ts.hour() * 3600 + ts.minute() * 60 + ts.second()).cast("float64") + ts.millisecond().cast("float64") / 1000.0


def _sample_times(samples, sessions):
    """One row per (session_key, utc) of `samples`: `session_time_s` = utc - the session's t0_utc
    in seconds with milliseconds, and `_bucket`, its bucket for the lap join (`with_laps`).

    Portable: whole days from the dates plus the clock times. (`epoch_seconds` returns int32 in
    Ibis 12 and overflows after 2038, e.g. the demo's 2099 season; SQLite has no timestamp
    difference.) SQLite stores times to the millisecond, rounded; DuckDB's millisecond()
    truncates: the two can differ by 1 ms.

    Per distinct utc, not per sample: all cars of a CarData or Position frame share its utc,
    so a race has 20 times fewer of them. t0's day and clock are worked out once per session.
    Each utc is cast to a naive timestamp (UTC on every engine f1nb connects) once, in its
    own step: DuckDB converts a zoned timestamp through its time-zone calendar on every date
    or field extraction, five per time otherwise."""
    t0 = sessions.t0_utc.cast("timestamp")
    s = sessions.select("session_key", _t0_day=t0.date(), _t0_clock=_clock_s(t0))
    u = samples.select("session_key", "utc").distinct()
    u = u.mutate(_naive=u.utc.cast("timestamp")).join(s, "session_key")
    days = u._naive.date().delta(u._t0_day, unit="day").cast("float64")
    u = u.select("session_key", "utc", session_time_s=days * 86400.0 + _clock_s(u._naive) - u._t0_clock)
    return u.mutate(_bucket=(u.session_time_s / BUCKET_S).floor())


def lap_periods(laps):
    """(session_key, driver_number, lap_number, lap_start_session_s, lap_upper_s): each lap from its
    start to the next lap's start (the last one to its own end, or the sentinel)."""
    l = laps.filter(laps.lap_start_session_s.notnull())
    nxt = l.lap_start_session_s.lead().over(ibis.window(group_by=KEY, order_by=["lap_number"]))
    upper = ibis.coalesce(nxt, l.lap_end_session_s, ibis.literal(SENTINEL_S))
    return l.select(*KEY, "lap_number", "lap_start_session_s", lap_upper_s=upper)


def with_laps(samples, sessions, laps):
    """`samples` with `session_time_s`, and `lap_number` and `lap_start_session_s` by a range join
    (module doc). Samples of a session missing from `sessions` are dropped (so would be one
    without a utc: Bronze never holds one).

    Joined on the driver alone, each sample would be tested against every lap of the driver
    (57 in a race: most of the model's time). So samples and laps also meet on a time bucket:
    a lap is listed under each bucket its period overlaps (the buckets come from the sample
    times, a few per lap), and a sample is tested against its bucket's one or two laps. The
    bucket width is a power of two, so t / width and bucket * width are exact in floating
    point: a lap that holds a sample always overlaps the sample's bucket, and the result is
    the plain range join's, row for row (overlapping laps included)."""
    u = _sample_times(samples, sessions)
    t = samples.join(u, ["session_key", "utc"])
    p = lap_periods(laps)
    b = u.select("session_key", "_bucket").distinct()
    bp = b.join(p, [b.session_key == p.session_key,
                    p.lap_start_session_s < (b._bucket + 1).cast("float64") * BUCKET_S,
                    p.lap_upper_s > b._bucket.cast("float64") * BUCKET_S])
    bp = bp.select(p.session_key, p.driver_number, b._bucket, p.lap_number, p.lap_start_session_s, p.lap_upper_s)
    j = t.left_join(bp, [t.session_key == bp.session_key, t.driver_number == bp.driver_number,
                         t._bucket == bp._bucket, t.session_time_s >= bp.lap_start_session_s,
                         t.session_time_s < bp.lap_upper_s])
    return j.select(*[t[c] for c in t.columns if c != "_bucket"], lap_number=bp.lap_number,
                    lap_start_session_s=bp.lap_start_session_s)


def distance_along_lap(t):
    """`t` (per-driver samples with lap_number, lap_start_session_s, speed) with `distance_m` and
    `relative_distance` (distance_m over the lap's whole distance, FastF1's add_relative_distance).

    Every step's time is `least(t - lap start, t - previous t)`: where the previous sample is
    on the same lap, it is at or after the lap's start, so `t - previous t` is the lesser (in
    floating point too: rounding keeps subtraction monotone). So the previous sample's lap is
    never needed: one column fewer through the lag window's sort."""
    w = ibis.window(group_by=KEY, order_by=["utc", "seq"])
    v = ibis.ifelse((t.speed >= 0) & (t.speed <= 400), t.speed.cast("float64"), None)
    t = t.mutate(_v=v)
    t = t.mutate(_prev_t=t.session_time_s.lag().over(w), _prev_v=t._v.lag().over(w))
    mean_ms = (t._v + t._prev_v) / 2.0 / 3.6
    dt = ibis.least(t.session_time_s - t.lap_start_session_s, t.session_time_s - t._prev_t)
    step = ibis.cases((t.lap_number.isnull(), None), (t._prev_t.isnull(), 0.0), else_=dt * mean_ms)
    t = t.mutate(_step=whole_units(step, STEP_PER_M))
    run = ibis.window(group_by=[*KEY, "lap_number"], order_by=["utc", "seq"], preceding=None, following=0)
    dist = ibis.ifelse(t.lap_number.isnull(), None, (t._step.sum().over(run) / STEP_PER_M).fill_null(0.0))
    # the lap's whole distance: a sum of whole micrometres is exact in any order, so this window
    # needs no order: DuckDB sums each partition as it lies instead of over the sorted frame
    # (the model's CPU 0.69 -> 0.56 s on a race, same bits)
    lap = ibis.window(group_by=[*KEY, "lap_number"])
    t = t.mutate(distance_m=dist, _lap_m=(t._step.sum().over(lap) / STEP_PER_M).fill_null(0.0))
    share = ibis.ifelse(t.lap_number.notnull() & (t._lap_m > 0), ibis.least(t.distance_m / t._lap_m, 1.0), None)
    return t.mutate(relative_distance=share).drop("_v", "_prev_t", "_prev_v", "_step", "_lap_m")


def _valid_sample(t):
    def within(col, lo, hi):
        return (col >= lo) & (col <= hi)

    return (within(t.throttle, 0, 100) & within(t.brake, 0, 100) & (t.throttle != 104) & (t.brake != 104)
            & within(t.speed, 0, 400) & within(t.gear, 0, 8) & within(t.rpm, 0, 20000)).fill_null(False)


@model(
    "silver.car_telemetry",
    inputs=["bronze.car_samples", "bronze.sessions", "silver.laps", "silver.positions"],
    schema={"session_key": "int64", "driver_number": "int32", "utc": UTC, "session_time_s": "float64",
            "rpm": "int32", "speed_kph": "int32", "gear": "int32", "throttle": "int32", "brake": "int32",
            "drs": "int32", "lap_number": "int32", "distance_m": "float64", "sample_valid": "boolean",
            "x": "float64", "y": "float64", "z": "float64", "relative_distance": "float64"},
    checks=[checks.unique("session_key", "driver_number", "utc"),
            checks.not_null("session_key", "driver_number", "utc", "session_time_s", "sample_valid"),
            checks.expression("valid samples: speed 0-400",
                              lambda t: t.sample_valid & ((t.speed_kph < 0) | (t.speed_kph > 400))),
            checks.expression("valid samples: gear 0-8", lambda t: t.sample_valid & ((t.gear < 0) | (t.gear > 8))),
            checks.expression("valid samples: throttle 0-100",
                              lambda t: t.sample_valid & ((t.throttle < 0) | (t.throttle > 100))),
            checks.expression("valid samples: rpm 0-20000", lambda t: t.sample_valid & ((t.rpm < 0) | (t.rpm > 20000))),
            checks.in_range("distance_m", 0.0, 50000.0), checks.in_range("relative_distance", 0.0, 1.0)],
)
def car_telemetry(car_samples, sessions, laps, positions):
    """CarData samples with session time, lap, distance along the lap, a validity flag and
    the position at the sample's time (module doc)."""
    t = distance_along_lap(with_laps(car_samples, sessions, laps))
    # after the windows: x, y, z through their sorts would cost more than the join
    t = with_xyz(t.mutate(sample_valid=_valid_sample(t)), positions)
    return t.rename(speed_kph="speed")  # Bronze keeps the channel's name; Silver says its unit
