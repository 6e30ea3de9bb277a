"""`silver.track_status`: one row per track-status period, with its start and end."""

import ibis

from ..lake import checks
from ..lake.models import model
from .common import next_value, session_time_s, topic_rows

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
    inputs=["bronze.fields"],
    schema={"session_key": "int64", "seq": "int64", "status": "string", "label": "string", "message": "string",
            "start_session_s": "float64", "end_session_s": "float64", "utc": "timestamp('UTC', 6)"},
    checks=[checks.unique("session_key", "seq"), checks.not_null("status", "start_session_s"),
            checks.expression("end after start", lambda t: t.end_session_s < t.start_session_s)],
)
def track_status(fields):
    """Each TrackStatus message opens a period that lasts until the next one
    (`end_session_s` is null for the period still open at the end of the feed).
    Codes: 1 green, 2 yellow, 4 safety car, 5 red, 6 VSC, 7 VSC ending."""
    t = topic_rows(fields, "TrackStatus", text={"status": "Status", "message": "Message"})
    t = t.filter(t.status.notnull())
    start = session_time_s(t)
    t = t.mutate(start_session_s=start, label=status_label(t.status))
    return t.mutate(end_session_s=next_value(t.start_session_s, by=["session_key"], order=["seq"]))
