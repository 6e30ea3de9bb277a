"""`bronze.car_samples` and `bronze.position_samples`: every value of CarData.z and
Position.z as typed columns, with no interpretation (a 104 throttle stays 104)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone

import orjson
import pyarrow as pa

from ..decode.messages import Message, Reject
from ..decode.timeparse import parse_utc
from ..errors import DecodeError
from .schema import CAR_SAMPLES, POSITION_SAMPLES

# F1's CarData channel numbers -> column names
CAR_CHANNELS = {"0": "rpm", "2": "speed", "3": "gear", "4": "throttle", "5": "brake", "45": "drs"}


def _int(value) -> int | None:
    if value is None or value == "":
        return None
    return int(value)


class _Columns:
    def __init__(self, names: Sequence[str]):
        self.cols: dict[str, list] = {name: [] for name in names}

    def table(self, session_key: int, schema: pa.Schema) -> pa.Table:
        n = len(self.cols["seq"])
        data = {"session_key": pa.array([session_key] * n, pa.int64())}
        data.update({k: _typed(v, schema.field(k).type) for k, v in self.cols.items()})
        return pa.table(data, schema=schema)


def _typed(values: list, dtype: pa.DataType) -> pa.Array:
    """Values as F1 sent them (ints, or numbers as strings, '' for none) -> a typed array."""
    try:
        if pa.types.is_timestamp(dtype):
            return pa.array(values, pa.int64()).cast(dtype)
        return pa.array(values, dtype)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        pass
    if pa.types.is_integer(dtype):
        try:  # numbers sent as strings (racing numbers are dict keys): let Arrow parse them
            return pa.array(values, pa.string()).cast(dtype)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            return pa.array([_int(v) for v in values], dtype)
    return pa.array([None if v is None else str(v) for v in values], dtype)


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_US = timedelta(microseconds=1)


def _utc_cache() -> callable:
    """Utc text -> microseconds since the epoch (ints build Arrow columns ~10x faster than datetimes)."""
    cache: dict[str, int] = {}

    def get(text: str) -> int:
        value = cache.get(text)
        if value is None:
            value = cache[text] = (parse_utc(text) - _EPOCH) // _US
        return value

    return get


def _car_rows(cols: _Columns, msg: Message, utc_of) -> None:
    body = orjson.loads(msg.payload)
    c = cols.cols
    for entry in body["Entries"]:
        utc = utc_of(entry["Utc"])
        cars = entry["Cars"]
        channels = [car["Channels"] for car in cars.values()]
        c["seq"].extend([msg.seq] * len(cars))
        c["utc"].extend([utc] * len(cars))
        c["driver_number"].extend(cars.keys())
        for channel, name in CAR_CHANNELS.items():
            c[name].extend([ch.get(channel) for ch in channels])


def _position_rows(cols: _Columns, msg: Message, utc_of) -> None:
    body = orjson.loads(msg.payload)
    c = cols.cols
    for frame in body["Position"]:
        utc = utc_of(frame["Timestamp"])
        entries = frame["Entries"]
        c["seq"].extend([msg.seq] * len(entries))
        c["utc"].extend([utc] * len(entries))
        c["driver_number"].extend(entries.keys())
        values = list(entries.values())
        for key, name in (("X", "x"), ("Y", "y"), ("Z", "z"), ("Status", "status")):
            c[name].extend([v.get(key) for v in values])


def _decode(
    session_key: int, messages: Sequence[Message], schema: pa.Schema, rows, source: str
) -> tuple[pa.Table, list[Reject]]:
    names = [f.name for f in schema if f.name != "session_key"]
    cols, rejects, utc_of = _Columns(names), [], _utc_cache()
    for msg in messages:
        before = len(cols.cols["seq"])
        try:
            rows(cols, msg, utc_of)
        except (KeyError, TypeError, ValueError, AttributeError, DecodeError, orjson.JSONDecodeError) as exc:
            for values in cols.cols.values():  # drop the half-decoded message
                del values[before:]
            reason = f"unexpected {msg.topic} shape: {type(exc).__name__}: {exc}"
            rejects.append(Reject(msg.topic, msg.seq, msg.payload[:10_000], reason))
    return cols.table(session_key, schema), rejects


def car_samples_table(session_key: int, messages: Sequence[Message]) -> tuple[pa.Table, list[Reject]]:
    return _decode(session_key, messages, CAR_SAMPLES, _car_rows, "CarData.z")


def position_samples_table(session_key: int, messages: Sequence[Message]) -> tuple[pa.Table, list[Reject]]:
    return _decode(session_key, messages, POSITION_SAMPLES, _position_rows, "Position.z")
