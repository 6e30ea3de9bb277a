"""`silver.race_control_messages`: every race-control message, typed."""

import ibis

from ..modeling import checks
from ..modeling.model import model
from .common import session_time_s, topic_rows


@model(
    "silver.race_control_messages",
    inputs=["bronze.fields"],
    schema={"session_key": "int64", "message_index": "int32", "seq": "int64", "session_time_s": "float64",
            "utc": "timestamp('UTC', 6)", "lap_number": "int32", "category": "string", "flag": "string",
            "scope": "string", "sector": "int32", "driver_number": "int32", "status": "string",
            "mode": "string", "message": "string"},
    checks=[checks.unique("session_key", "message_index"), checks.not_null("message", "category")],
)
def race_control_messages(fields):
    """One row per message (`message_index` is F1's index in its list); `utc` is
    the message's own Utc (F1 writes it without a zone: it is UTC)."""
    t = topic_rows(fields, "RaceControlMessages",
                   text={"utc_text": "Utc", "category": "Category", "flag": "Flag", "scope": "Scope",
                         "status": "Status", "mode": "Mode", "message": "Message", "racing_number": "RacingNumber"},
                   num={"lap_number": "Lap", "sector": "Sector", "racing_number_num": "RacingNumber"})
    t = t.filter(t.item.notnull())
    t = t.group_by(["session_key", "item"]).aggregate(
        seq=t.seq.min(), offset_ms=t.offset_ms.min(), utc_text=t.utc_text.max(), category=t.category.max(),
        flag=t.flag.max(), scope=t.scope.max(), status=t.status.max(), mode=t.mode.max(),
        message=t.message.max(), lap_number=t.lap_number.max(), sector=t.sector.max(), driver_number=t.racing_number_num.max())
    return t.mutate(message_index=t.item, session_time_s=session_time_s(t),
                    utc=_utc(t.utc_text))


# A well-formed F1 timestamp; anything else (a corrupted recording) becomes null
# instead of failing the cast for the whole table.
_ISO = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,7})?Z?$"


def _utc(text):
    return ibis.ifelse(text.re_search(_ISO), text, None).cast("timestamp").cast("timestamp('UTC', 6)")
