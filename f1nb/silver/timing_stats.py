"""`silver.timing_stats`: each driver's personal bests and their ranks, from TimingStats
(F1's "best" screen): the lap and its rank, each sector, each speed trap.

Key (session_key, driver_number); the final state of the feed: each value is the
latest one F1 sent for it (a cleared "" gives null). Ranks are F1's `Position`
among the drivers of the session. Empty where the session has no TimingStats."""

from ..modeling import checks
from ..modeling.model import model
from .feed_state import latest_values

SECTORS = {f"best_sector_{i + 1}_s": f"BestSectors.{i}.Value" for i in range(3)}
SECTOR_RANKS = {f"best_sector_{i + 1}_rank": f"BestSectors.{i}.Position" for i in range(3)}
TRAPS = ("I1", "I2", "FL", "ST")
SPEEDS = {f"best_speed_{k.lower()}_kph": f"BestSpeeds.{k}.Value" for k in TRAPS}
SPEED_RANKS = {f"best_speed_{k.lower()}_rank": f"BestSpeeds.{k}.Position" for k in TRAPS}
LAP = {"personal_best_lap_time_s": "PersonalBestLapTime.Value", "personal_best_lap_number": "PersonalBestLapTime.Lap",
       "personal_best_lap_rank": "PersonalBestLapTime.Position"}
RANKS = ["personal_best_lap_rank", *SECTOR_RANKS, *SPEED_RANKS]


@model(
    "silver.timing_stats",
    inputs=["bronze.fields"],
    feeds=("TimingStats",),
    schema={"session_key": "int64", "driver_number": "int32", "personal_best_lap_time_s": "float64",
            "personal_best_lap_number": "int32", "personal_best_lap_rank": "int32",
            **{c: "float64" for c in SECTORS}, **{c: "int32" for c in SECTOR_RANKS},
            **{c: "float64" for c in SPEEDS}, **{c: "int32" for c in SPEED_RANKS}},
    checks=[checks.unique("session_key", "driver_number"), checks.not_null("session_key", "driver_number"),
            checks.in_range("personal_best_lap_time_s", 20.0, 600.0),
            *(checks.in_range(c, 1, 40) for c in RANKS), *(checks.in_range(c, 0.0, 400.0) for c in SPEEDS),
            *(checks.in_range(c, 1.0, 300.0) for c in SECTORS)],
)
def timing_stats(fields):
    """One row per driver TimingStats lists, with the latest value of each best and rank."""
    t = fields.filter((fields.topic == "TimingStats") & fields.driver_number.notnull())
    return latest_values(t, ["session_key", "driver_number"], "field",
                         num={**LAP, **SECTORS, **SECTOR_RANKS, **SPEEDS, **SPEED_RANKS})
