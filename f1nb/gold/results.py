"""`gold.results`: the classification of every session from the feeds alone.

Key: (session_key, position); also unique (session_key, driver_number). One
row per driver of `silver.drivers` with `in_timing`. Trace a row back to
`silver.laps` with (session_key, driver_number): `laps_completed` counts its
laps, `total_time_s`/`gap_s` come from `lap_end_session_s` of its last lap,
`best_lap_s`/`q1_s`..`q3_s` are minima of its non-deleted `lap_time_s`;
`penalty_s` (races and sprints) sums its time penalties in `gold.penalties`
that were added after the flag.

Races and sprints: see `results_race` (status finished / lapped / dnf / dsq,
grid from TimingAppData GridPos, points by `points`). Qualifying, sprint
shootouts and practice: see `results_timed`. `feed_position` is the timing
feed's own last `Position`, kept as a cross-check of `position`: where a
race's or sprint's classified finisher has another, the check
`position_matches_feed` counts it (`f1nb check` shows it). Columns that
do not apply to a session kind are null.
"""

from __future__ import annotations

import ibis

from ..modeling import checks
from ..modeling.model import model
from .checks import (
    all_timed_drivers_present,
    points_total,
    position_matches_feed,
    positions_contiguous,
)
from .common import session_kinds
from .results_race import race_results
from .results_timed import timed_results

SCHEMA = {
    "session_key": "int64", "year": "int32", "session_kind": "string", "position": "int32",
    "driver_number": "int32", "abbreviation": "string", "team_name": "string", "status": "string",
    "classified": "boolean", "laps_completed": "int32", "total_time_s": "float64", "gap_s": "float64", "line_gap_s": "float64",
    "laps_behind": "int32", "dnf_lap": "int32", "grid_position": "int32", "points": "float64",
    "fastest_lap": "boolean", "best_lap_s": "float64", "gap_to_fastest_s": "float64",
    "q1_s": "float64", "q2_s": "float64", "q3_s": "float64", "knocked_out_part": "int32",
    "feed_position": "int32", "penalty_s": "float64",
}


def _conform(t):
    return t.select(*(t[c].cast(ty).name(c) if c in t.columns else ibis.null(ty).name(c)
                      for c, ty in SCHEMA.items()))


@model(
    "gold.results",
    inputs=["bronze.sessions", "silver.laps", "silver.drivers", "silver.timing_final",
            "silver.race_control_messages", "silver.intervals", "gold.penalties"],
    schema=SCHEMA,
    checks=[
        checks.unique("session_key", "position"), checks.unique("session_key", "driver_number"),
        checks.not_null("session_key", "position", "driver_number", "abbreviation", "status", "session_kind"),
        checks.accepted_values("status", ["finished", "lapped", "dnf", "dsq", "timed", "no_time"]),
        positions_contiguous(), points_total(), all_timed_drivers_present(), position_matches_feed(),
        checks.in_range("points", 0, 26), checks.in_range("knocked_out_part", 1, 3),
    ],
)
def results(sessions, laps, drivers, timing_final, race_control_messages, intervals, penalties):
    """One row per driver per session: the classification."""
    kinds = session_kinds(sessions)
    race = race_results(kinds, laps, drivers, timing_final, race_control_messages, intervals, penalties)
    timed = timed_results(kinds, laps, drivers, timing_final)
    return _conform(race).union(_conform(timed))
