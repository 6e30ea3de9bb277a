"""`gold.pit_stop_summary`: per driver, pit stops in the session.

Key: (session_key, driver_number). From `silver.pit_stops` (one row per pit
lane entry: session_key, driver_number, stop_number); `pit_in_lap_numbers`
lists the entry laps (`silver.laps` lap_number of each in-lap) comma-separated
in order (the first MAX_LISTED: text, as SQLite has no lists; `stops` is the count); `total_pit_lane_s` sums pit-lane times (entry to exit; a stop with no
exit is not counted), `total_stationary_s` the stationary times F1 sent; both
add the times in whole microseconds, the same bits on every build (`common.exact_sum`).
Drivers of `silver.drivers` (in_timing) with no stop have a row with 0 stops.
In practice a "stop" includes the time in the garage."""

import ibis

from ..modeling import checks
from ..modeling.model import model
from .common import DRIVER, driver_names, exact_sum, left

PER_S = 1e6  # the totals add whole microseconds (module doc)
MAX_LISTED = 12  # stops listed in `pit_in_lap_numbers`; `stops` counts them all (practice can have more garage visits)


@model(
    "gold.pit_stop_summary",
    inputs=["silver.pit_stops", "silver.drivers"],
    schema={"session_key": "int64", "driver_number": "int32", "abbreviation": "string", "team_name": "string",
            "stops": "int32", "pit_in_lap_numbers": "string", "total_pit_lane_s": "float64", "shortest_pit_lane_s": "float64",
            "total_stationary_s": "float64"},
    checks=[checks.unique(*DRIVER), checks.not_null(*DRIVER, "stops"), checks.in_range("stops", 0, 200),
            checks.in_range("total_pit_lane_s", 0.0, None)],
)
def pit_stop_summary(pit_stops, drivers):
    """One row per driver."""
    p = pit_stops
    # an ordered group_concat is not portable (SQLite): pivot the first MAX_LISTED stops, then join them
    listed = {f"_l{k}": ibis.ifelse(p.stop_number == k, p.lap_number, None).max() for k in range(1, MAX_LISTED + 1)}
    g = p.group_by(DRIVER).aggregate(
        stops=p.count(), **listed,
        total_pit_lane_s=exact_sum(p.pit_lane_time_s, PER_S), shortest_pit_lane_s=p.pit_lane_time_s.min(),
        total_stationary_s=exact_sum(p.stationary_time_s, PER_S))
    # one flat CONCAT of all pieces: a 40-deep chain of nested concats makes
    # DataFusion's optimizer exponential (10 s at depth 10, hours at 40)
    pieces = [ibis.ifelse(g[f"_l{k}"].isnull(), "", ibis.literal(",").concat(g[f"_l{k}"].cast("string")))
              for k in range(1, MAX_LISTED + 1)]
    text = ibis.literal("").concat(*pieces)
    g = g.mutate(pit_in_lap_numbers=ibis.ifelse(text == "", None, text.substr(1))).drop(*listed)
    t = left(driver_names(drivers), g, DRIVER)
    return t.mutate(stops=t.stops.fill_null(0))
