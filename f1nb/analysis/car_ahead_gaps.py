"""The gap to the car ahead over a race, per driver, computed in the engine (Ibis).

Two sources, the first that the session has:
- `gold.car_ahead` (sessions with car data): `time_to_driver_ahead_s` at every car
  sample, averaged over each tenth of a lap (BINS_PER_LAP; a sample's share of the
  lap from silver.car_telemetry's `relative_distance`), plotted at the bin's middle.
- `silver.intervals` (every session, car data or not: all archive sessions before
  the car data, and every session in ../shared/realdata): F1's own
  `IntervalToPositionAhead` at each line crossing, the first interval the feed sent
  within LINE_WINDOW_S of the lap's end (the feed updates it at the line and at
  each timing loop, every ~5 s; measured on 2018 Baku, the line's update arrives
  0.1 s before to 3 s after silver.laps' lap end). A lapped car's interval in laps
  (`1L`) has no seconds and no point.

The choice is per session, not per driver: a race's car data covers every car or none.
"""

from __future__ import annotations

import ibis
import pandas as pd

from ..errors import F1nbError

BINS_PER_LAP = 10
LINE_WINDOW_S = (-1.0, 3.0)
CAR_AHEAD = "gold.car_ahead"
INTERVALS = "silver.intervals"
SOURCES = {CAR_AHEAD: "gold.car_ahead, every car sample averaged per tenth of a lap",
           INTERVALS: "silver.intervals, F1's interval at each line crossing (no car data)"}


def from_car_ahead(car_ahead, car_telemetry, numbers: list[int]):
    """Ibis: (driver_number, lap, gap_s) from gold.car_ahead; `lap` counts race laps (2.55 =
    the middle of the 6th tenth of lap 3)."""
    ca = car_ahead.filter(car_ahead.driver_number.isin(numbers) & car_ahead.time_to_driver_ahead_s.notnull())
    ct = car_telemetry.filter(car_telemetry.driver_number.isin(numbers))
    ct = ct.select("session_key", "driver_number", "utc", "relative_distance")
    j = ca.join(ct, ["session_key", "driver_number", "utc"])
    j = j.mutate(_bin=ibis.least((j.relative_distance * BINS_PER_LAP).floor().cast("int32"), BINS_PER_LAP - 1))
    g = j.group_by(["driver_number", "lap_number", "_bin"]).aggregate(gap_s=j.time_to_driver_ahead_s.mean())
    lap = (g.lap_number - 1).cast("float64") + (g._bin.cast("float64") + 0.5) / BINS_PER_LAP
    return g.select("driver_number", lap=lap, gap_s=g.gap_s)


def from_intervals(intervals, laps, numbers: list[int]):
    """Ibis: (driver_number, lap, gap_s): F1's interval to the car ahead at each line crossing."""
    lo, hi = LINE_WINDOW_S
    e = laps.filter(laps.driver_number.isin(numbers) & laps.lap_end_session_s.notnull())
    e = e.select("session_key", "driver_number", "lap_number", "lap_end_session_s")
    i = intervals.filter(intervals.driver_number.isin(numbers) & intervals.interval_s.notnull())
    i = i.select("session_key", "driver_number", "session_time_s", "interval_s")
    j = e.join(i, [e.session_key == i.session_key, e.driver_number == i.driver_number,
                   i.session_time_s >= e.lap_end_session_s + lo, i.session_time_s <= e.lap_end_session_s + hi])
    j = j.select(e.driver_number, e.lap_number, i.session_time_s, i.interval_s)
    first = ibis.row_number().over(ibis.window(group_by=["driver_number", "lap_number"], order_by="session_time_s"))
    j = j.mutate(_rn=first).filter(ibis._._rn == 0)
    return j.select("driver_number", lap=j.lap_number.cast("float64"), gap_s=j.interval_s)


def has_rows(session, name: str) -> bool:
    layer, table = name.split(".")
    if table not in session.lake.table_names(layer):
        return False
    return int(session.table(name).count().to_pyarrow().as_py()) > 0


def car_ahead_gaps(session, drivers: list) -> pd.DataFrame:
    """(driver_number, lap, gap_s) for `drivers` (numbers or abbreviations), sorted; `attrs["source"]`
    is the table used (module doc)."""
    numbers = [session.driver_number(d) for d in drivers]
    if not numbers:
        raise F1nbError("name at least one driver")
    if has_rows(session, CAR_AHEAD):
        source = CAR_AHEAD
        expr = from_car_ahead(session.table(CAR_AHEAD), session.table("silver.car_telemetry"), numbers)
    else:
        source = INTERVALS
        expr = from_intervals(session.table(INTERVALS), session.table("silver.laps"), numbers)
    df = expr.order_by(["driver_number", "lap"]).to_pandas()
    df.attrs["source"] = source
    return df


__all__ = ["BINS_PER_LAP", "LINE_WINDOW_S", "SOURCES", "car_ahead_gaps", "from_car_ahead", "from_intervals"]
