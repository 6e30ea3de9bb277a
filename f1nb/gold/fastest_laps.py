"""`gold.fastest_laps`: each driver's best lap of the session.

Key: (session_key, driver_number); `lap_number` points at the row of
`silver.laps` (session_key, driver_number, lap_number) it came from. The lap
is the fastest of `common.timed_laps` (non-deleted, not an in-lap timed to the
pit entry), the earliest on ties; `rank` orders drivers by it (1 = fastest of
the session) and `gap_to_fastest_s` is the gap to that lap."""

import ibis

from ..modeling import checks
from ..modeling.model import model
from .checks import positions_contiguous
from .common import DRIVER, first_per, timed_laps


@model(
    "gold.fastest_laps",
    inputs=["silver.laps", "silver.drivers"],
    schema={"session_key": "int64", "driver_number": "int32", "abbreviation": "string", "team_name": "string",
            "rank": "int32", "lap_number": "int32", "lap_time_s": "float64", "gap_to_fastest_s": "float64",
            "sector_1_s": "float64", "sector_2_s": "float64", "sector_3_s": "float64",
            "compound": "string", "tyre_age_laps": "int32", "stint": "int32", "track_status": "string",
            "lap_end_session_s": "float64"},
    checks=[checks.unique("session_key", "driver_number"), checks.not_null("session_key", "driver_number",
            "lap_number", "lap_time_s", "rank"), positions_contiguous(col="rank"),
            checks.in_range("gap_to_fastest_s", 0.0, None)],
)
def fastest_laps(laps, drivers):
    """One row per driver with a timed lap."""
    t = first_per(timed_laps(laps), DRIVER, ["lap_time_s", "lap_end_session_s"])
    d = drivers.select(*DRIVER, "abbreviation", "team_name")
    t = t.left_join(d, DRIVER).drop("session_key_right", "driver_number_right")
    w = ibis.window(group_by="session_key", order_by=[t.lap_time_s, t.lap_end_session_s, t.driver_number])
    return t.mutate(rank=(ibis.row_number().over(w) + 1),
                    gap_to_fastest_s=t.lap_time_s - t.lap_time_s.min().over(ibis.window(group_by="session_key")))
