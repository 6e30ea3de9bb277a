"""`silver.top_three`: the top-three banner (TopThree) as it stood at the end of the feed.

F1 sends `Lines` as a list of three slots and patches them by index; Bronze spells
a slot's index where a driver's number would be (`Lines.<i>`), so here
`driver_number` of bronze.fields is the slot and the driver comes from
`RacingNumber`. Gaps are seconds where F1 wrote a number ("+0.214") and null for
"LAP 57" or "". Empty where the session has no TopThree."""

import ibis

from ..modeling import checks
from ..modeling.model import model
from .feed_state import latest_values


@model(
    "silver.top_three",
    inputs=["bronze.fields"],
    feeds=("TopThree",),
    schema={"session_key": "int64", "position": "int32", "driver_number": "int32", "abbreviation": "string",
            "team_name": "string", "lap_time_s": "float64", "diff_to_ahead_s": "float64",
            "diff_to_leader_s": "float64", "overall_fastest": "boolean", "personal_fastest": "boolean"},
    checks=[checks.unique("session_key", "position"), checks.not_null("session_key", "position"),
            checks.in_range("position", 1, 3), checks.in_range("lap_time_s", 20.0, 600.0)],
)
def top_three(fields):
    """One row per banner slot (1-3) with the driver in it and their lap and gaps."""
    t = fields.filter((fields.topic == "TopThree") & fields.driver_number.notnull()).mutate(slot=ibis._.driver_number)
    t = latest_values(t, ["session_key", "slot"], "field",
                      text={"abbreviation": "Tla", "team_name": "Team", "overall": "OverallFastest",
                            "personal": "PersonalFastest"},
                      num={"racing_number": "RacingNumber", "lap_time_s": "LapTime", "ahead": "DiffToAhead",
                           "leader": "DiffToLeader"})
    return t.mutate(position=t.slot + 1, driver_number=t.racing_number,
                    diff_to_ahead_s=ibis.ifelse(t.slot == 0, 0.0, t.ahead),
                    diff_to_leader_s=ibis.ifelse(t.slot == 0, 0.0, t.leader),
                    overall_fastest=t.overall == "true", personal_fastest=t.personal == "true")
