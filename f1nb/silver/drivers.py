"""`silver.drivers`: one row per driver in DriverList, support-race drivers flagged."""

import ibis

from ..modeling import checks
from ..modeling.model import model

TEXT_FIELDS = {
    "abbreviation": "Tla", "first_name": "FirstName", "last_name": "LastName", "full_name": "FullName",
    "broadcast_name": "BroadcastName", "team_name": "TeamName", "team_colour_hex": "TeamColour",
    "country_code": "CountryCode", "headshot_url": "HeadshotUrl", "reference": "Reference",
}


@model(
    "silver.drivers",
    inputs=["bronze.fields"],
    schema={"session_key": "int64", "driver_number": "int32", "abbreviation": "string", "first_name": "string",
            "last_name": "string", "full_name": "string", "broadcast_name": "string", "team_name": "string",
            "team_colour": "string", "country_code": "string", "headshot_url": "string", "reference": "string",
            "line": "int32", "in_timing": "boolean"},
    checks=[checks.unique("session_key", "driver_number"), checks.not_null("driver_number", "abbreviation")],
)
def drivers(fields):
    """The last value DriverList gave for each field. `in_timing` is false for
    drivers that never appear in TimingData (support-race entries F1 sometimes
    lists), so they can be kept out of results without being lost."""
    # Long format first: the latest message that carried each field (one narrow
    # window), then one pivot, instead of a row per message forward-filled field by field.
    paths = {**TEXT_FIELDS, "line": "Line"}
    d = fields.filter((fields.topic == "DriverList") & fields.driver_number.notnull()
                      & fields.field.isin(list(paths.values())))
    d = d.filter(ibis.ifelse(d.field == "Line", d.value_num.notnull(), d.value.notnull()))
    latest = ibis.row_number().over(
        ibis.window(group_by=["session_key", "driver_number", "field"], order_by=ibis.desc("seq")))
    d = d.mutate(_last=latest).filter(ibis._._last == 0)
    aggs = {name: ibis.ifelse(d.field == path, d.value, None).max() for name, path in TEXT_FIELDS.items()}
    aggs["line"] = ibis.ifelse(d.field == "Line", d.value_num, None).max()
    t = d.group_by(["session_key", "driver_number"]).aggregate(**aggs)
    timed = fields.filter((fields.topic == "TimingData") & fields.driver_number.notnull())
    timed = timed.select("session_key", "driver_number").distinct().mutate(in_timing=True)
    t = t.left_join(timed, ["session_key", "driver_number"]).drop("session_key_right", "driver_number_right")
    return t.mutate(
        team_colour=ibis.ifelse(t.team_colour_hex.notnull() & (t.team_colour_hex != ""), "#" + t.team_colour_hex, None),
        in_timing=t.in_timing.fill_null(False),
    ).filter(t.abbreviation.notnull())
