"""`gold.stint_summary`: per driver and stint, tyre and pace figures.

Key: (session_key, driver_number, stint), the stints of `silver.stints`.
Trace to `silver.laps` with (session_key, driver_number) and lap_number in
[start_lap, end_lap] (`silver.laps.stint` carries the same stint number).

- `clean_laps`: laps of the stint that pass `clean_laps.clean_laps`; mean and
  median clean-lap time over them.
- `degradation_s_per_lap`: least-squares slope of clean lap time (y) against
  tyre age in laps (x), computed in the engine from sums:
  slope = (n Σxy − Σx Σy) / (n Σx² − (Σx)²); null with fewer than 5 clean
  laps or a single tyre age.
- `fuel_corrected_degradation_s_per_lap`: the same slope after adding back the
  time fuel burn gives away. Simple model: each lap burns fuel worth
  FUEL_EFFECT_S_PER_LAP = 0.03 s of lap time, so lap time would grow by that
  much per lap at constant fuel; within a stint tyre age and lap number rise
  together, so the corrected slope is the raw slope + 0.03 s/lap.

The mean and the sums Σy, Σxy add lap times in whole microseconds (they are
whole milliseconds): a float sum's last bits depend on the order the engine
adds in, and these give the same bits on every build (`common.exact_sum`).
"""

import ibis

from ..modeling import checks
from ..modeling.model import model
from .clean_laps import clean_laps
from .common import exact_mean, exact_sum, left_all, median_by

FUEL_EFFECT_S_PER_LAP = 0.03
MIN_LAPS_FOR_SLOPE = 5
KEY = ["session_key", "driver_number", "stint"]
PER_S = 1e6  # sums of lap times add whole microseconds: the same bits on every build (module doc)


@model(
    "gold.stint_summary",
    inputs=["silver.stints", "silver.laps", "silver.drivers"],
    schema={"session_key": "int64", "driver_number": "int32", "abbreviation": "string", "stint": "int32",
            "compound": "string", "fresh_tyre": "boolean", "start_lap": "int32", "end_lap": "int32",
            "laps": "int32", "tyre_age_at_start_laps": "int32", "clean_laps": "int32",
            "mean_clean_lap_s": "float64", "median_clean_lap_s": "float64", "best_clean_lap_s": "float64",
            "degradation_s_per_lap": "float64", "fuel_corrected_degradation_s_per_lap": "float64"},
    checks=[checks.unique(*KEY), checks.not_null(*KEY, "laps", "clean_laps"),
            checks.expression("clean laps within stint laps", lambda t: t.clean_laps > t.laps),
            checks.in_range("degradation_s_per_lap", -10.0, 10.0)],
)
def stint_summary(stints, laps, drivers):
    """One row per stint of silver.stints."""
    c = clean_laps(laps)
    c = c.filter(c.stint.notnull()).mutate(x=c.tyre_age_laps.cast("float64"), y=c.lap_time_s)
    g = c.group_by(KEY).aggregate(
        clean_laps=c.count(), mean_clean_lap_s=exact_mean(c.y, PER_S), best_clean_lap_s=c.y.min(),
        # x is a whole number of laps: sx and sxx add whole numbers, exact as they are
        sx=c.x.sum(), sy=exact_sum(c.y, PER_S), sxy=exact_sum(c.x * c.y, PER_S), sxx=(c.x * c.x).sum(),
        x_min=c.x.min(), x_max=c.x.max())
    n = g.clean_laps.cast("float64")
    denom = n * g.sxx - g.sx * g.sx
    two_ages = g.x_max > g.x_min  # at least two tyre ages (a min and a max: no distinct count)
    slope = ibis.ifelse((g.clean_laps >= MIN_LAPS_FOR_SLOPE) & two_ages & (denom > 0), (n * g.sxy - g.sx * g.sy) / denom, None)
    g = g.mutate(degradation_s_per_lap=slope,
                 fuel_corrected_degradation_s_per_lap=slope + FUEL_EFFECT_S_PER_LAP)
    g = g.drop("sx", "sy", "sxy", "sxx", "x_min", "x_max")
    g = left_all(g, [(median_by(c, KEY, "y", "median_clean_lap_s"), KEY)])
    t = left_all(stints, [(g, KEY),
                          (drivers.select("session_key", "driver_number", "abbreviation"), ["session_key", "driver_number"])])
    return t.mutate(clean_laps=t.clean_laps.fill_null(0))
