"""`bronze.car_samples` and `bronze.position_samples`: every value of CarData.z and
Position.z as typed columns, with no interpretation (a 104 throttle stays 104)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

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
        data.update({k: pa.array(v, schema.field(k).type) for k, v in self.cols.items()})
        return pa.table(data, schema=schema)


def _utc_cache() -> callable:
    cache: dict[str, datetime] = {}

    def get(text: str) -> datetime:
        value = cache.get(text)
        if value is None:
            value = cache[text] = parse_utc(text)
        return value

    return get


def _car_rows(cols: _Columns, msg: Message, utc_of) -> None:
    body = orjson.loads(msg.payload)
    for entry in body["Entries"]:
        utc = utc_of(entry["Utc"])
        for number, car in entry["Cars"].items():
            channels = car["Channels"]
            cols.cols["seq"].append(msg.seq)
            cols.cols["utc"].append(utc)
            cols.cols["driver_number"].append(int(number))
            for channel, name in CAR_CHANNELS.items():
                cols.cols[name].append(_int(channels.get(channel)))


def _position_rows(cols: _Columns, msg: Message, utc_of) -> None:
    body = orjson.loads(msg.payload)
    for frame in body["Position"]:
        utc = utc_of(frame["Timestamp"])
        for number, pos in frame["Entries"].items():
            cols.cols["seq"].append(msg.seq)
            cols.cols["utc"].append(utc)
            cols.cols["driver_number"].append(int(number))
            cols.cols["x"].append(_int(pos.get("X")))
            cols.cols["y"].append(_int(pos.get("Y")))
            cols.cols["z"].append(_int(pos.get("Z")))
            cols.cols["status"].append(pos.get("Status"))


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
