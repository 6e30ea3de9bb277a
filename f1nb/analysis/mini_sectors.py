"""Who was faster in each mini-sector of two laps, computed in the engine (an Ibis
expression over silver.car_telemetry and silver.laps), not in pandas.

Mini-sector k (1..N) of a lap runs from (k-1)/N to k/N of the lap's length.
A lap's length is silver.car_telemetry's `distance_m` at its last sample plus
the way to the line at that sample's speed (car data comes at ~4 Hz: the last
sample is up to a quarter second before the line), so both laps are cut at the
same share of their own length (two laps' integrated distances differ by a
few metres; cutting at absolute metres would leave the shorter lap's last
mini-sector short).

The time a car reaches boundary j (1..N-1) is interpolated between its two
points around it: the lap's line crossing (0 m at `lap_start_session_s`), its
samples, and the line at the end (the length at start + `lap_time_s`). So
boundary 0 is the lap's start and boundary N its end, and a lap's mini-sector
times add up to its lap time exactly (as in `lap_delta`).

The faster driver of a mini-sector took less time across it; equal times are
a tie (`faster_driver` null).
"""

from __future__ import annotations

import ibis
import pandas as pd

from ..errors import F1nbError
from .lap_delta import lap_row

MINI_SECTORS = 25
KEY = ["driver_number", "lap_number"]


def check_count(n) -> int:
    try:
        n = int(n)
    except (TypeError, ValueError):
        n = 0
    if not 2 <= n <= 200:
        raise F1nbError(f"the number of mini-sectors must be 2-200, not {n!r}")
    return n


def _picked(t, picks: list[tuple[int, int]]):
    """Rows of `t` on the (driver_number, lap_number) laps picked."""
    return ibis.or_(*[(t.driver_number == d) & (t.lap_number == lap) for d, lap in picks])


def lap_points(car_telemetry, laps, picks: list[tuple[int, int]]):
    """Ibis: (driver_number, lap_number, d, t, length_m): each picked lap's points in time order:
    (0 m, its start), its samples' (distance_m, session_time_s), and (length_m, its end); the
    lap's length as in the module doc. Laps without a time or samples have none."""
    lp = laps.filter(_picked(laps, picks) & laps.lap_start_session_s.notnull() & laps.lap_time_s.notnull())
    lp = lp.select(*KEY, _start=lp.lap_start_session_s.cast("float64"),
                   _end=(lp.lap_start_session_s + lp.lap_time_s).cast("float64"))
    ct = car_telemetry.filter(_picked(car_telemetry, picks) & car_telemetry.distance_m.notnull())
    s = ct.select(*KEY, d=ct.distance_m.cast("float64"), t=ct.session_time_s.cast("float64"),
                  v=ct.speed_kph.cast("float64"))
    s = s.join(lp, KEY)
    s = s.filter((s.t > s._start) & (s.t < s._end))
    last = s.group_by(KEY).aggregate(_d=s.d.max(), _t=s.t.max(), _v=s.v.argmax(s.t))
    ends = lp.join(last, KEY)
    ends = ends.mutate(length_m=ends._d + (ends._end - ends._t) * ibis.greatest(ends._v.fill_null(0.0), 0.0) / 3.6)
    ends = ends.select(*KEY, "_start", "_end", "length_m")
    inside = s.join(ends.select(*KEY, "length_m"), KEY).select(*KEY, "d", "t", "length_m")
    first = ends.select(*KEY, d=ibis.literal(0.0, "float64"), t=ends._start, length_m=ends.length_m)
    final = ends.select(*KEY, d=ends.length_m, t=ends._end, length_m=ends.length_m)
    return first.union(inside).union(final)


def boundary_times(car_telemetry, laps, picks: list[tuple[int, int]], n: int):
    """Ibis: (driver_number, lap_number, boundary 0..n, at_s): the session time each picked lap
    reaches each mini-sector boundary (module doc)."""
    pts = lap_points(car_telemetry, laps, picks)
    pts = pts.mutate(k=pts.d / pts.length_m * n)  # the position in mini-sectors, 0..n
    w = ibis.window(group_by=KEY, order_by=["t", "d"])
    seg = pts.mutate(k0=pts.k.lag().over(w), t0=pts.t.lag().over(w))
    seg = seg.filter(seg.k0.notnull() & (seg.k > seg.k0))
    every = ibis.memtable({"boundary": list(range(n + 1))}, schema={"boundary": "int32"})
    b = every.boundary.cast("float64")
    # boundary 0 is the first point itself: its segment is the one that starts there
    j = seg.join(every, [(b > seg.k0) | ((b == 0.0) & (seg.k0 == 0.0)), b <= seg.k])
    at = j.t0 + (j.t - j.t0) * (j.boundary.cast("float64") - j.k0) / (j.k - j.k0)
    return j.group_by([*KEY, "boundary"]).aggregate(at_s=at.min())


def mini_sector_times(car_telemetry, laps, picks: list[tuple[int, int]], n: int):
    """Ibis: (driver_number, lap_number, mini_sector 1..n, time_s) for each picked lap; a
    mini-sector whose start or end the samples do not reach has no row."""
    b = boundary_times(car_telemetry, laps, picks, n)
    nxt = b.at_s.lead().over(ibis.window(group_by=KEY, order_by="boundary"))
    nb = b.boundary.lead().over(ibis.window(group_by=KEY, order_by="boundary"))
    t = b.mutate(_next=nxt, _nb=nb)
    t = t.filter((t._nb == t.boundary + 1) & (t.boundary < n))
    return t.select(*KEY, mini_sector=(t.boundary + 1).cast("int32"), time_s=t._next - t.at_s)


def compare_mini_sectors(session, driver_a, driver_b, lap_a="fastest", lap_b="fastest",
                         n: int = MINI_SECTORS) -> pd.DataFrame:
    """One row per mini-sector: `mini_sector`, `time_a_s`, `time_b_s`, `delta_s` (b − a) and
    `faster_driver` (the racing number of the one who took less time; null on a tie or where a
    lap has no time). `attrs` name the drivers and laps."""
    n = check_count(n)
    na, nb = session.driver_number(driver_a), session.driver_number(driver_b)
    if na == nb:
        raise F1nbError("compare two different drivers (one lap each)")
    la, lb = int(lap_row(session, na, lap_a).lap_number), int(lap_row(session, nb, lap_b).lap_number)
    times = mini_sector_times(session.table("silver.car_telemetry"), session.table("silver.laps"),
                              [(na, la), (nb, lb)], n).to_pandas()
    if times.empty:
        raise F1nbError(f"{session.label}: no car telemetry on these laps (loaded with --no-telemetry, "
                        "or a session without car data)")
    wide = times.pivot_table(index="mini_sector", columns="driver_number", values="time_s", aggfunc="first")
    out = pd.DataFrame({"mini_sector": range(1, n + 1)})
    out["time_a_s"] = out.mini_sector.map(wide[na] if na in wide else {})
    out["time_b_s"] = out.mini_sector.map(wide[nb] if nb in wide else {})
    out["delta_s"] = out.time_b_s - out.time_a_s
    winner = pd.Series(pd.NA, index=out.index, dtype="Int64")
    winner[out.delta_s > 0] = na
    winner[out.delta_s < 0] = nb
    out["faster_driver"] = winner
    out.attrs.update(a_driver_number=na, b_driver_number=nb, a_lap_number=la, b_lap_number=lb, mini_sectors=n)
    return out


def mini_sector_track(session, driver, lap: int, n: int = MINI_SECTORS) -> pd.DataFrame:
    """(session_time_s, x, y in decimetres, mini_sector) of one lap's car samples in time order,
    cut as in `boundary_times` (a sample on a boundary is in the mini-sector it ends);
    samples without a position left out."""
    n = check_count(n)
    number = session.driver_number(driver)
    ct, laps = session.table("silver.car_telemetry"), session.table("silver.laps")
    pts = lap_points(ct, laps, [(number, int(lap))])
    length = pts.select("length_m").distinct()
    t = ct.filter((ct.driver_number == number) & (ct.lap_number == int(lap)) & ct.distance_m.notnull()
                  & ct.x.notnull() & ct.y.notnull())
    t = t.cross_join(length)
    k = ibis.least(ibis.greatest((t.distance_m / t.length_m * n).ceil().cast("int32"), 1), n)
    t = t.select("session_time_s", "x", "y", mini_sector=k)
    return t.order_by("session_time_s").to_pandas()


__all__ = ["MINI_SECTORS", "boundary_times", "lap_points", "compare_mini_sectors", "mini_sector_times", "mini_sector_track"]
