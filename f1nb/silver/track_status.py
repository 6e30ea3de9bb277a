"""`silver.track_status`: one row per track-status period, with its start and end."""

import ibis

from ..modeling import checks
from ..modeling.model import model
from .common import next_value, session_time_s, topic_rows, with_utc

TRACK_STATUS_LABELS = {
    "1": "green",
    "2": "yellow",
    "3": "unknown_3",
    "4": "safety_car",
    "5": "red",
    "6": "vsc",
    "7": "vsc_ending",
}


def status_label(code):
    return ibis.cases(*((code == k, v) for k, v in TRACK_STATUS_LABELS.items()), else_="other")


@model(
    "silver.track_status",
    inputs=["bronze.fields", "bronze.sessions"],
    schema={"session_key": "int64", "seq": "int64", "status": "string", "label": "string", "message": "string",
            "start_session_s": "float64", "end_session_s": "float64", "utc": "timestamp('UTC', 6)"},
    checks=[checks.unique("session_key", "seq"), checks.not_null("status", "start_session_s"),
            checks.expression("end after start", lambda t: t.end_session_s < t.start_session_s)],
)
def track_status(fields, sessions):
    """Each TrackStatus message opens a period that lasts until the next one
    (`end_session_s` is null for the period still open at the end of the feed).
    Codes: 1 green, 2 yellow, 4 safety car, 5 red, 6 VSC, 7 VSC ending. `utc`: the start on
    the session clock (live: the frame's time)."""
    t = topic_rows(fields, "TrackStatus", text={"status": "Status", "message": "Message"})
    t = t.filter(t.status.notnull())
    start = session_time_s(t)
    t = t.mutate(start_session_s=start, label=status_label(t.status))
    t = t.mutate(end_session_s=next_value(t.start_session_s, by=["session_key"], order=["seq"]))
    return with_utc(t, sessions, utc="start_session_s")
