"""`gold.race_pace`: per driver, median clean-lap time and the gap to the best.

Key: (session_key, driver_number). Computed over the driver's clean laps
(`clean_laps.clean_laps`; trace to `silver.laps` by session_key,
driver_number and those laps). `rank` 1 is the lowest median;
`gap_to_best_s` = median − the session's lowest median. All session kinds
(in practice it is the long-run pace mixed with short runs: read with care).
`mean_clean_lap_s` adds the times in whole microseconds (lap
times are whole milliseconds), so it has the same bits on every build.
Drivers with no clean lap have no row."""

import ibis

from ..modeling import checks
from ..modeling.model import model
from .checks import positions_contiguous
from .clean_laps import clean_laps
from .common import DRIVER, exact_mean, left, median_by

PER_S = 1e6  # the mean adds whole microseconds: the same bits on every build (common.exact_mean)


@model(
    "gold.race_pace",
    inputs=["silver.laps", "silver.drivers"],
    schema={"session_key": "int64", "driver_number": "int32", "abbreviation": "string", "team_name": "string",
            "clean_laps": "int32", "median_clean_lap_s": "float64", "mean_clean_lap_s": "float64",
            "rank": "int32", "gap_to_best_s": "float64"},
    checks=[checks.unique("session_key", "driver_number"), checks.not_null("median_clean_lap_s", "rank"),
            positions_contiguous(col="rank"), checks.in_range("gap_to_best_s", 0.0, None)],
)
def race_pace(laps, drivers):
    """One row per driver with at least one clean lap."""
    c = clean_laps(laps)
    g = c.group_by(DRIVER).aggregate(clean_laps=c.count(), mean_clean_lap_s=exact_mean(c.lap_time_s, PER_S))
    g = g.join(median_by(c, DRIVER, "lap_time_s", "median_clean_lap_s"), DRIVER)
    w = ibis.window(group_by="session_key", order_by=[g.median_clean_lap_s, g.driver_number])
    g = g.mutate(rank=ibis.row_number().over(w) + 1,
                 gap_to_best_s=g.median_clean_lap_s - g.median_clean_lap_s.min().over(ibis.window(group_by="session_key")))
    return left(g, drivers.select(*DRIVER, "abbreviation", "team_name"), DRIVER)
