"""`silver.positions`: one row per Position sample per driver, with session
time and lap.

`x`, `y`, `z` are kept exactly as F1 sends them: integers in **decimetres**
(divide by 10 for metres) in the circuit's own frame. `status` is F1's
`OnTrack` / `OffTrack`. `session_time_s` and `lap_number` follow the same
rules as silver.car_telemetry (utc - t0_utc with millisecond precision; a
range join on [lap start, next lap's start), null outside every lap).
"""

from ..modeling import checks
from ..modeling.model import model
from .car_telemetry import UTC, with_laps


@model(
    "silver.positions",
    inputs=["bronze.position_samples", "bronze.sessions", "silver.laps"],
    schema={"session_key": "int64", "driver_number": "int32", "utc": UTC, "session_time_s": "float64",
            "x": "int32", "y": "int32", "z": "int32", "status": "string", "lap_number": "int32"},
    checks=[checks.unique("session_key", "driver_number", "utc"),
            checks.not_null("session_key", "driver_number", "utc", "session_time_s"),
            checks.accepted_values("status", ["OnTrack", "OffTrack"])],
)
def positions(position_samples, sessions, laps):
    """Position samples (decimetres, as sent) with session time and lap (module doc)."""
    return with_laps(position_samples, sessions, laps)
