"""`bronze.messages`: one row per message of every topic, unknown topics included."""

from __future__ import annotations

from collections.abc import Sequence

import orjson
import pyarrow as pa

from ..decode.jsonstream import is_compressed_topic
from ..decode.messages import Message
from ..decode.timeparse import parse_utc
from ..errors import DecodeError
from .schema import MESSAGES


def _payload_utc(payload: str):
    """The payload's own top-level `Utc` (Heartbeat, ExtrapolatedClock), if any."""
    if '"Utc"' not in payload[:64]:
        return None
    try:
        value = orjson.loads(payload)
        return parse_utc(value["Utc"]) if isinstance(value, dict) and "Utc" in value else None
    except (orjson.JSONDecodeError, DecodeError, TypeError):
        return None


def message_utc(m: Message):
    """The frame's utc (live), else the payload's own top-level Utc. `.z` payloads
    have none at the top (their Utc is per entry), and parsing them all to find
    that out took longer than decoding their samples."""
    if m.utc is not None or is_compressed_topic(m.topic):
        return m.utc
    return _payload_utc(m.payload)


def messages_table(session_key: int, messages: Sequence[Message]) -> pa.Table:
    return pa.table(
        {
            "session_key": pa.array([session_key] * len(messages), pa.int64()),
            "topic": [m.topic for m in messages],
            "seq": pa.array([m.seq for m in messages], pa.int64()),
            "offset_ms": pa.array([m.offset_ms for m in messages], pa.int64()),
            "utc": pa.array([message_utc(m) for m in messages], MESSAGES.field("utc").type),
            "payload": [m.payload for m in messages],
        },
        schema=MESSAGES,
    )
