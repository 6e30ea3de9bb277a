"""Arrow schemas of the Bronze tables: the contract between decoders and the lake."""

from __future__ import annotations

import pyarrow as pa

UTC = pa.timestamp("us", tz="UTC")

MESSAGES = pa.schema(
    [
        ("session_key", pa.int64()),
        ("topic", pa.string()),
        ("seq", pa.int64()),  # order of the message within its topic, from 0
        ("offset_ms", pa.int64()),  # stream-clock offset from the archive line; null for live frames
        ("utc", UTC),  # the frame's timestamp (live) or the payload's own top-level Utc
        ("payload", pa.string()),  # as received: JSON text; `.z`: base64 DEFLATE (SQL f1_inflate(payload) gives its JSON)
    ]
)

CAR_SAMPLES = pa.schema(
    [
        ("session_key", pa.int64()),
        ("seq", pa.int64()),  # the CarData.z message it came from (bronze.messages.seq)
        ("utc", UTC),
        ("driver_number", pa.int32()),
        ("rpm", pa.int32()),
        ("speed", pa.int32()),
        ("gear", pa.int32()),
        ("throttle", pa.int32()),
        ("brake", pa.int32()),
        ("drs", pa.int32()),
    ]
)

POSITION_SAMPLES = pa.schema(
    [
        ("session_key", pa.int64()),
        ("seq", pa.int64()),  # the Position.z message it came from
        ("utc", UTC),
        ("driver_number", pa.int32()),
        ("x", pa.int32()),  # decimetres, as F1 sends them
        ("y", pa.int32()),
        ("z", pa.int32()),
        ("status", pa.string()),
    ]
)

FIELDS = pa.schema(
    [
        ("session_key", pa.int64()),
        ("topic", pa.string()),
        ("seq", pa.int64()),  # the message (bronze.messages.seq within topic)
        ("offset_ms", pa.int64()),
        ("utc", UTC),
        ("driver_number", pa.int32()),  # per-driver topics: the racing number
        ("item", pa.int32()),  # element of an append-only list: Messages.<i>, Stints.<i>, ...
        ("field", pa.string()),  # dot path below driver/item, e.g. Sectors.2.Value
        ("value", pa.string()),  # the scalar as text; '' is F1's "cleared"
        ("value_type", pa.string()),  # str | num | bool | null
        ("value_num", pa.float64()),  # value as a number or a duration in seconds, else null
    ]
)

REJECTS = pa.schema(
    [
        ("session_key", pa.int64()),
        ("topic", pa.string()),
        ("line_number", pa.int64()),  # 1-based line in the source file; for samples, the message seq
        ("raw", pa.string()),
        ("reason", pa.string()),
        ("source", pa.string()),
    ]
)

FEEDS = pa.schema(
    [
        ("session_key", pa.int64()),
        ("topic", pa.string()),
        ("status", pa.string()),  # present | absent
        ("bytes", pa.int64()),
        ("sha256", pa.string()),
        ("messages", pa.int64()),
        ("rejects", pa.int64()),
    ]
)

SESSIONS = pa.schema(
    [
        ("session_key", pa.int64()),
        ("year", pa.int32()),
        ("round", pa.int32()),
        ("meeting_key", pa.int64()),
        ("meeting_name", pa.string()),
        ("meeting_official_name", pa.string()),
        ("location", pa.string()),
        ("country", pa.string()),
        ("circuit", pa.string()),
        ("session_name", pa.string()),
        ("session_type", pa.string()),
        ("start_date", pa.string()),  # local time, as in the index
        ("end_date", pa.string()),
        ("gmt_offset", pa.string()),
        ("path", pa.string()),
        ("source", pa.string()),  # archive URL or recording file
        ("t0_utc", UTC),  # wall-clock time of stream offset 0 (bronze/clock.py: from the most precise timed feed)
        ("clock_source", pa.string()),  # the feed t0_utc came from: Heartbeat, CarData.z, …, RaceControlMessages
        ("clock_precision_s", pa.float64()),  # t0_utc is within this many seconds of the stream's clock
        ("feeds_present", pa.string()),  # comma-separated; per-feed detail in bronze.feeds
        ("feeds_absent", pa.string()),
        ("loaded_at", UTC),
    ]
)

TABLES: dict[str, pa.Schema] = {
    "sessions": SESSIONS,
    "feeds": FEEDS,
    "messages": MESSAGES,
    "fields": FIELDS,
    "car_samples": CAR_SAMPLES,
    "position_samples": POSITION_SAMPLES,
    "rejects": REJECTS,
}

# Bronze tables without a `topic` column whose rows all come from one topic: a reload of
# some topics replaces them only when their topic is among those reloaded.
TABLE_TOPIC = {"car_samples": "CarData.z", "position_samples": "Position.z"}


def parquet_schema(name: str) -> pa.Schema:
    """The Bronze table's schema as exported to Parquet (lake/parquet.py): its columns, plus
    `year` (a partition column) if it lacks one. Readers pass it, since hive partitioning
    gives the partition columns back from the path."""
    schema = TABLES[name]
    if "year" not in schema.names:
        schema = schema.append(pa.field("year", pa.int32()))
    return schema
