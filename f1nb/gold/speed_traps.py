"""`gold.speed_traps`: top speed per driver and trap.

Key: (session_key, driver_number, trap), trap in I1, I2, FL (finish line),
ST (speed trap). `lap_number` is the `silver.laps` lap (session_key,
driver_number, lap_number) where the top speed was set (earliest on ties),
over all the driver's laps (deleted ones included: speed is speed). `rank`
orders drivers per trap (1 = fastest)."""

import ibis

from ..modeling import checks
from ..modeling.model import model
from .checks import positions_contiguous
from .common import DRIVER, first_per, left

TRAPS = {"I1": "speed_i1", "I2": "speed_i2", "FL": "speed_fl", "ST": "speed_st"}


@model(
    "gold.speed_traps",
    inputs=["silver.laps", "silver.drivers"],
    schema={"session_key": "int64", "driver_number": "int32", "abbreviation": "string", "trap": "string",
            "top_speed_kph": "float64", "lap_number": "int32", "rank": "int32", "gap_to_best_kph": "float64"},
    checks=[checks.unique("session_key", "driver_number", "trap"),
            checks.not_null("session_key", "driver_number", "trap", "top_speed_kph"),
            checks.accepted_values("trap", list(TRAPS)), checks.in_range("top_speed_kph", 1, 400),
            positions_contiguous(("session_key", "trap"), col="rank")],
)
def speed_traps(laps, drivers):
    """One row per driver and trap where the driver has a speed."""
    # every trap's speeds in one narrow long table, then one window for the top per trap
    parts = []
    for trap, col in TRAPS.items():
        t = laps.filter(laps[col].notnull() & (laps[col] > 0))
        parts.append(t.select(*DRIVER, "lap_number", trap=ibis.literal(trap), top_speed_kph=t[col]))
    t = ibis.union(*parts)
    t = first_per(t, [*DRIVER, "trap"], [ibis.desc(t.top_speed_kph), t.lap_number])
    w = ibis.window(group_by=["session_key", "trap"], order_by=[ibis.desc(t.top_speed_kph), t.driver_number])
    best = t.top_speed_kph.max().over(ibis.window(group_by=["session_key", "trap"]))
    t = t.mutate(rank=ibis.row_number().over(w) + 1, gap_to_best_kph=best - t.top_speed_kph)
    return left(t, drivers.select(*DRIVER, "abbreviation"), DRIVER)
