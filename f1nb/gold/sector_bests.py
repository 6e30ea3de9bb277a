"""`gold.sector_bests`: per driver, best sector times and the ideal lap.

Key: (session_key, driver_number). Each `best_sector_k_s` is the minimum of
`silver.laps.sector_k_s` over the driver's non-deleted laps (sector times of
in- and out-laps are included: a sector is a sector); `best_sector_k_lap`
names the `silver.laps` lap_number it came from (earliest on ties).
`ideal_lap_s` = sum of the three; `best_lap_s` = best timed lap
(`common.timed_laps`); `session_ideal_lap_s` = the sum of the session's best
sectors over all drivers (the same on every row of the session)."""

import ibis

from ..modeling import checks
from ..modeling.model import model
from .common import DRIVER, left_all, timed_laps


@model(
    "gold.sector_bests",
    inputs=["silver.laps", "silver.drivers"],
    schema={"session_key": "int64", "driver_number": "int32", "abbreviation": "string",
            "best_sector_1_s": "float64", "best_sector_1_lap": "int32", "best_sector_2_s": "float64",
            "best_sector_2_lap": "int32", "best_sector_3_s": "float64", "best_sector_3_lap": "int32",
            "ideal_lap_s": "float64", "best_lap_s": "float64", "ideal_gain_s": "float64",
            "session_ideal_lap_s": "float64"},
    checks=[checks.unique("session_key", "driver_number"), checks.not_null("session_key", "driver_number"),
            checks.expression("ideal lap not slower than best lap", lambda t: t.ideal_lap_s > t.best_lap_s + 0.0015),
            checks.in_range("best_sector_1_s", 0.0, 3600.0)],
)
def sector_bests(laps, drivers):
    """One row per driver with any sector time."""
    valid = laps.filter(~laps.deleted.fill_null(False))
    d = ibis.window(group_by=DRIVER)
    valid = valid.mutate(**{f"_m{k}": valid[f"sector_{k}_s"].min().over(d) for k in (1, 2, 3)})
    aggs = {}
    for k in (1, 2, 3):
        col = valid[f"sector_{k}_s"]
        aggs[f"best_sector_{k}_s"] = col.min()
        aggs[f"best_sector_{k}_lap"] = ibis.ifelse(col == valid[f"_m{k}"], valid.lap_number, None).min()
    any_sector = valid.sector_1_s.notnull() | valid.sector_2_s.notnull() | valid.sector_3_s.notnull()
    t = valid.filter(any_sector).group_by(DRIVER).aggregate(**aggs)
    best = timed_laps(laps).group_by(DRIVER).aggregate(best_lap_s=ibis._.lap_time_s.min())
    t = left_all(t, [(best, DRIVER), (drivers.select(*DRIVER, "abbreviation"), DRIVER)])
    s = ibis.window(group_by="session_key")
    ideal = t.best_sector_1_s + t.best_sector_2_s + t.best_sector_3_s
    session_ideal = t.best_sector_1_s.min().over(s) + t.best_sector_2_s.min().over(s) + t.best_sector_3_s.min().over(s)
    return t.mutate(ideal_lap_s=ideal, ideal_gain_s=t.best_lap_s - ideal, session_ideal_lap_s=session_ideal)
