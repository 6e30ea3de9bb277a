"""`silver.lap_series`: each driver's race position per lap, from LapSeries.

F1 sends `{"<n>": {"RacingNumber": "<n>", "LapPosition": ["1", "2", ...]}}` and
patches the list by index. `lap_number` is F1's index: entry n is the position
at the end of lap n, with entry 0 the order at the start (as undercut-f1 and
F1's own graphics read it; not checked against real data, which has no
LapSeries here). Empty where the session has no LapSeries (races and sprints
only)."""

import ibis

from ..modeling import checks
from ..modeling.model import model
from .feed_state import as_int, latest_values, split_first


@model(
    "silver.lap_series",
    inputs=["bronze.fields"],
    feeds=("LapSeries",),
    schema={"session_key": "int64", "driver_number": "int32", "lap_number": "int32", "position": "int32"},
    checks=[checks.unique("session_key", "driver_number", "lap_number"),
            checks.not_null("session_key", "driver_number", "lap_number", "position"),
            checks.in_range("position", 1, 40), checks.in_range("lap_number", 0, 200)],
)
def lap_series(fields):
    """One row per driver and lap: the latest position F1 gave for that lap."""
    t = fields.filter((fields.topic == "LapSeries") & fields.driver_number.notnull())
    t = split_first(t, "field", "_list", "_index")
    t = t.filter(t._list == "LapPosition").mutate(lap_number=as_int(t._index), _leaf=ibis.literal("LapPosition"))
    t = latest_values(t.filter(t.lap_number.notnull()), ["session_key", "driver_number", "lap_number"], "_leaf",
                      num={"position": "LapPosition"})
    return t.filter(t.position.notnull())
