"""`silver.session_status`: every SessionStatus change (Started, Aborted, Finished, …)."""

from ..modeling import checks
from ..modeling.model import model
from .common import session_time_s, topic_rows, with_utc


@model(
    "silver.session_status",
    inputs=["bronze.fields", "bronze.sessions"],
    schema={"session_key": "int64", "seq": "int64", "session_time_s": "float64", "utc": "timestamp('UTC', 6)",
            "status": "string"},
    checks=[checks.unique("session_key", "seq"), checks.not_null("session_key", "status"),
            checks.accepted_values("status", ["Inactive", "Started", "Aborted", "Finished", "Finalised", "Ends"])],
)
def session_status(fields, sessions):
    """One row per SessionStatus message; `utc` on the session clock (live: the frame's time)."""
    t = topic_rows(fields, "SessionStatus", text={"status": "Status"})
    t = t.filter(t.status.notnull()).mutate(session_time_s=session_time_s(t))
    return with_utc(t, sessions, utc="session_time_s")
