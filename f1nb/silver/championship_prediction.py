"""`silver.championship_prediction`: F1's live championship prediction as it stood at
the end of the feed, drivers and teams.

F1 sends `{"Drivers": {"<n>": {"RacingNumber", "CurrentPosition",
"PredictedPosition", "CurrentPoints", "PredictedPoints"}}, "Teams": {"<team>":
{"TeamName", ...same}}}`. `entry` is the driver's number or the team's name as
F1 keys them; `driver_number` is set for drivers, `team_name` for teams. Empty
where the session has no ChampionshipPrediction (it is sent in races and
sprints only)."""

import ibis

from ..modeling import checks
from ..modeling.model import model
from .feed_state import as_int, latest_values, split_first


@model(
    "silver.championship_prediction",
    inputs=["bronze.fields"],
    feeds=("ChampionshipPrediction",),
    schema={"session_key": "int64", "entry_type": "string", "entry": "string", "driver_number": "int32",
            "team_name": "string", "current_position": "int32", "predicted_position": "int32",
            "current_points": "float64", "predicted_points": "float64"},
    checks=[checks.unique("session_key", "entry_type", "entry"), checks.not_null("session_key", "entry_type", "entry"),
            checks.accepted_values("entry_type", ["driver", "team"]),
            checks.in_range("current_position", 1, 60), checks.in_range("predicted_position", 1, 60),
            checks.in_range("current_points", 0.0, None), checks.in_range("predicted_points", 0.0, None)],
)
def championship_prediction(fields):
    """One row per driver and per team, with the latest values F1 gave."""
    t = fields.filter(fields.topic == "ChampionshipPrediction")
    t = split_first(t, "field", "_group", "_rest")
    t = split_first(t.filter(t._group.isin(["Drivers", "Teams"])), "_rest", "entry", "_leaf")
    t = t.mutate(entry_type=ibis.ifelse(t._group == "Drivers", "driver", "team"))
    t = latest_values(t.filter(t.entry.notnull()), ["session_key", "entry_type", "entry"], "_leaf",
                      text={"team_text": "TeamName"},
                      num={"current_position": "CurrentPosition", "predicted_position": "PredictedPosition",
                           "current_points": "CurrentPoints", "predicted_points": "PredictedPoints"})
    return t.mutate(driver_number=ibis.ifelse(t.entry_type == "driver", as_int(t.entry), None),
                    team_name=ibis.ifelse(t.entry_type == "team", t.team_text.fill_null(t.entry), None))
