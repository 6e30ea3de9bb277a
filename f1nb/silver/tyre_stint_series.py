"""`silver.tyre_stint_series`: each driver's tyre stints as F1's TyreStintSeries gives them.

F1 sends `{"Stints": {"<n>": [{"Compound", "New", "TyresNotChanged", "TotalLaps",
"StartLaps"}, ...]}}` and patches stints by index. Bronze spells the driver as
the `Stints` item and `<i>.Compound` as the field. `stint` is 1-based (F1's
index + 1), as in silver.stints, which reads the same stints from TimingAppData:
tests check that the two agree on compound, newness and tyre age where a session
has both. Empty where the session has no TyreStintSeries."""

import ibis

from ..modeling import checks
from ..modeling.model import model
from .feed_state import as_int, latest_values, split_first


@model(
    "silver.tyre_stint_series",
    inputs=["bronze.fields"],
    feeds=("TyreStintSeries",),
    schema={"session_key": "int64", "driver_number": "int32", "stint": "int32", "compound": "string",
            "fresh_tyre": "boolean", "tyres_not_changed": "boolean", "tyre_age_at_start_laps": "int32",
            "total_tyre_laps": "int32"},
    checks=[checks.unique("session_key", "driver_number", "stint"),
            checks.not_null("session_key", "driver_number", "stint"), checks.in_range("stint", 1, 100),
            checks.in_range("tyre_age_at_start_laps", 0, 200), checks.in_range("total_tyre_laps", 0, 200)],
)
def tyre_stint_series(fields):
    """One row per driver and stint: the latest value F1 gave for each of its fields."""
    t = fields.filter((fields.topic == "TyreStintSeries") & fields.item.notnull())
    t = split_first(t, "field", "_index", "_leaf")
    t = t.mutate(driver_number=t.item, stint=as_int(t._index) + 1)
    t = latest_values(t.filter(t.stint.notnull()), ["session_key", "driver_number", "stint"], "_leaf",
                      text={"compound_text": "Compound", "new": "New", "not_changed": "TyresNotChanged"},
                      num={"tyre_age_at_start_laps": "StartLaps", "total_tyre_laps": "TotalLaps"})
    return t.mutate(
        compound=ibis.ifelse(t.compound_text.strip() != "", t.compound_text.strip().upper(), None),
        fresh_tyre=ibis.cases((t.new.lower() == "true", True), (t.new.lower() == "false", False), else_=None),
        tyres_not_changed=ibis.cases((t.not_changed.isin(["1", "true"]), True), (t.not_changed.isin(["0", "false"]), False),
                                     else_=None))
