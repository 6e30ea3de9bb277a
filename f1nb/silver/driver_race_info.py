"""`silver.driver_race_info`: DriverRaceInfo, F1's per-driver race ticker, as it changed.

F1 sends `{"<n>": {"Position", "Gap", "Interval", "PitStops", "Catching",
"OvertakeState", "IsOut"}}` and later only what changed. One row per message
and driver; `position`, `pit_stops` and `is_out` carry the last value forward
(each message sends only what changed), the gap texts are as sent in that
message (null where it sent none). `utc` is on the session clock. Empty where
the session has no DriverRaceInfo."""

import ibis

from ..modeling import checks
from ..modeling.model import model
from .common import ffill, session_time_s, topic_rows, with_utc

CARRIED = ["position", "pit_stops", "out_text"]


@model(
    "silver.driver_race_info",
    inputs=["bronze.fields", "bronze.sessions"],
    feeds=("DriverRaceInfo",),
    schema={"session_key": "int64", "driver_number": "int32", "seq": "int64", "session_time_s": "float64",
            "utc": "timestamp('UTC', 6)", "position": "int32", "gap_text": "string", "interval_text": "string",
            "pit_stops": "int32", "catching": "int32", "overtake_state": "int32", "is_out": "boolean"},
    checks=[checks.unique("session_key", "driver_number", "seq"), checks.not_null("session_key", "driver_number"),
            checks.in_range("position", 1, 40), checks.in_range("pit_stops", 0, 20)],
)
def driver_race_info(fields, sessions):
    """One row per DriverRaceInfo message and driver."""
    t = topic_rows(fields, "DriverRaceInfo", text={"gap_text": "Gap", "interval_text": "Interval", "out_text": "IsOut"},
                   num={"position": "Position", "pit_stops": "PitStops", "catching": "Catching",
                        "overtake_state": "OvertakeState"})
    t = t.filter(t.driver_number.notnull())
    t = ffill(t, CARRIED, by=["session_key", "driver_number"], order=["seq"])
    t = t.mutate(session_time_s=session_time_s(t),
                 is_out=ibis.cases((t.out_text == "true", True), (t.out_text == "false", False), else_=None))
    return with_utc(t, sessions, utc="session_time_s")
