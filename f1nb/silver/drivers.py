"""`silver.drivers`: one row per driver in DriverList, support-race drivers flagged."""

import ibis

from ..lake import checks
from ..lake.models import model
from .common import ffill, topic_rows

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
    t = topic_rows(fields, "DriverList", text=TEXT_FIELDS, num={"line": "Line"})
    t = t.filter(t.driver_number.notnull())
    cols = list(TEXT_FIELDS) + ["line"]
    t = ffill(t, cols, by=["session_key", "driver_number"], order=["seq"])
    last = ibis.row_number().over(ibis.window(group_by=["session_key", "driver_number"], order_by=ibis.desc("seq")))
    t = t.mutate(_last=last).filter(ibis._._last == 0)
    timed = fields.filter((fields.topic == "TimingData") & fields.driver_number.notnull())
    timed = timed.select("session_key", "driver_number").distinct().mutate(in_timing=True)
    t = t.left_join(timed, ["session_key", "driver_number"]).drop("session_key_right", "driver_number_right")
    return t.mutate(
        team_colour=ibis.ifelse(t.team_colour_hex.notnull() & (t.team_colour_hex != ""), "#" + t.team_colour_hex, None),
        in_timing=t.in_timing.fill_null(False),
    ).filter(t.abbreviation.notnull())
