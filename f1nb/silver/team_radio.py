"""`silver.team_radio`: the team-radio captures F1 published, one row per clip.

`capture_index` is F1's index in its `Captures` list; `utc` the capture's own
time (F1 writes 0-7 fractional digits and a Z); `path` the clip's path below the
session's archive folder, and `url` the full address where the session's path is
known. Empty where the session has no TeamRadio."""

import ibis

from ..modeling import checks
from ..modeling.model import model
from .common import topic_rows

ARCHIVE_URL = "https://livetiming.formula1.com/static/"
_ISO = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,7})?Z?$"


def utc_of(text):
    """F1's ISO time as a UTC timestamp, to the microsecond; null where malformed."""
    plain = text.replace("Z", "").substr(0, 26)
    return ibis.ifelse(text.re_search(_ISO), plain, None).cast("timestamp").cast("timestamp('UTC', 6)")


@model(
    "silver.team_radio",
    inputs=["bronze.fields", "bronze.sessions"],
    feeds=("TeamRadio",),
    schema={"session_key": "int64", "capture_index": "int32", "seq": "int64", "utc": "timestamp('UTC', 6)",
            "driver_number": "int32", "path": "string", "url": "string"},
    checks=[checks.unique("session_key", "capture_index"), checks.not_null("session_key", "capture_index", "path"),
            checks.in_range("driver_number", 1, 99)],
)
def team_radio(fields, sessions):
    """One row per capture: its driver, time and clip path."""
    t = topic_rows(fields, "TeamRadio", text={"utc_text": "Utc", "path": "Path"}, num={"racing_number": "RacingNumber"})
    t = t.filter(t.item.notnull())
    t = t.group_by(["session_key", "item"]).aggregate(
        seq=t.seq.min(), utc_text=t.utc_text.max(), path=t.path.max(), driver_number=t.racing_number.max())
    t = t.filter(t.path.notnull() & (t.path != ""))
    s = sessions.select("session_key", _folder=sessions.path)
    t = t.left_join(s, "session_key").drop("session_key_right")
    return t.mutate(capture_index=t.item, utc=utc_of(t.utc_text),
                    url=ibis.ifelse(t._folder.notnull(), ARCHIVE_URL + t._folder + t.path, None))
