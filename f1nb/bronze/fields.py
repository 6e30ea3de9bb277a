"""`bronze.fields`: every leaf value of every JSON message, one row each.

This is the typed, still-unopinionated copy of the feeds that Silver reads,
so Silver needs no JSON functions (which Ibis supports only on DuckDB).
A message is flattened into (driver_number, item, field, value):

- per-driver topics (`Lines.<n>.…`, and DriverList's top-level `<n>.…`) give
  `driver_number`;
- elements of F1's growing lists (`Messages.<i>`, `Captures.<i>`, a driver's
  `Stints.<i>`) give `item`, whether the list arrived as a JSON list or was
  later patched as an index-keyed dict — both spell the same path;
- `field` is the dot-joined path below that, list indices included
  (`Sectors.2.Value`, `Speeds.I1.Value`, `BestLapTimes.0.Value`);
- `value` is the JSON scalar as text (strings unquoted, `true`/`false`,
  numbers as sent), `value_type` says which (`str`, `num`, `bool`, `null`);
  an empty string (F1's "cleared") stays an empty string. `value_num` is the
  same value as a float where it is a number or a duration (`1:23.456` ->
  83.456), so Silver never has to cast text (SQLite has no TRY_CAST).
`.z` topics are not flattened: their samples are in the typed sample tables.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from itertools import repeat

import re

import numpy as np
import orjson
import pyarrow as pa

from ..decode.jsonstream import is_compressed_topic
from ..decode.limits import check_depth, number_key
from ..errors import DecodeError
from ..decode.messages import Message, Reject
from .messages import message_utc
from .schema import FIELDS

DRIVER_KEYED_TOPICS = {"DriverList", "LapSeries", "DriverRaceInfo"}  # top-level keys are racing numbers
ITEM_LISTS = {"Messages", "Captures", "Stints", "Series"}  # F1's append-only lists


def _walk(value, path: tuple[str, ...], out: list, number) -> None:
    """Append (path, value text, value_type, number) for every leaf below `value`; `number(text)`
    is `_string_number`, remembered per text (see `fields_table`)."""
    if isinstance(value, dict):
        if not value:
            out.append((path, None, "null", None))  # an empty object still says something (e.g. {} patch)
        for key, child in value.items():  # parsed JSON: keys are str already
            if type(child) is str:  # most leaves, and most of the rest one object above them: no call
                out.append((path + (key,), child, "str", number(child)))
            elif type(child) is dict and child:
                below = path + (key,)
                for key2, child2 in child.items():
                    if type(child2) is str:
                        out.append((below + (key2,), child2, "str", number(child2)))
                    else:
                        _walk(child2, below + (key2,), out, number)
            else:
                _walk(child, path + (key,), out, number)
    elif isinstance(value, list):
        if not value:
            out.append((path, "[]", "str", None))
        for i, child in enumerate(value):
            _walk(child, path + (str(i),), out, number)
    elif isinstance(value, str):
        out.append((path, value, "str", number(value)))
    elif isinstance(value, bool):
        out.append((path, "true" if value else "false", "bool", None))
    elif isinstance(value, int):
        out.append((path, str(value), "num", float(value)))
    elif isinstance(value, float):
        out.append((path, orjson.dumps(value).decode(), "num", value))
    elif value is None:
        out.append((path, None, "null", None))
    else:
        out.append((path, str(value), "str", None))


_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")
_DURATION = re.compile(r"(?:(\d+):)?(\d+):(\d{1,2}(?:\.\d+)?)")


def as_number(value: str | None, kind: str) -> float | None:
    """The value as a float where it is a number ("+1.234", "31.456", 7) or a
    duration ("1:23.456", "01:02:03") in seconds; None otherwise."""
    if value is None or kind == "bool":
        return None
    if kind == "num":
        return float(value)
    return _string_number(value)


_NUMERIC_START = frozenset("+-0123456789")


def _string_number(value: str) -> float | None:
    if not value or value[0] not in _NUMERIC_START:  # most strings: spare both regexes
        return None
    if _NUMBER.fullmatch(value):
        return float(value)
    m = _DURATION.fullmatch(value)
    if m:
        hours, minutes, seconds = m.groups()
        return int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
    return None


def _split(topic: str, path: tuple[str, ...]) -> tuple[int | None, int | None, str]:
    """(driver_number, item, field) for one leaf path."""
    driver = None
    rest = path
    # a key that is not a plain number fitting int32 ('²', '3000000000') stays in the field path
    if len(rest) >= 2 and rest[0] == "Lines" and number_key(rest[1]) is not None:
        driver, rest = number_key(rest[1]), rest[2:]
    elif topic in DRIVER_KEYED_TOPICS and rest and number_key(rest[0]) is not None:
        driver, rest = number_key(rest[0]), rest[1:]
    item = None
    if len(rest) >= 2 and rest[0] in ITEM_LISTS and number_key(rest[1]) is not None:
        item, rest = number_key(rest[1]), rest[2:]
    return driver, item, ".".join(rest)


def fields_table(session_key: int, messages: Sequence[Message], values: Sequence | None = None,
                 utc: pa.Array | None = None) -> tuple[pa.Table, list[Reject]]:
    """`values`, if given: each message's payload as the decoder parsed and depth-checked it
    (`parse_jsonstream`), None where it did not (parsed here). `utc`: each message's
    `message_utc`, as bronze.messages has it already."""
    # Every leaf is one (path, value, kind, number) tuple in one list, its path starting with the
    # topic, so each distinct path is split once (paths repeat thousands of times) and the
    # message's own columns are repeated per leaf by Arrow (`take`) rather than list by list:
    # per message the loop does a walk (and a parse where the decoder's value is not at hand).
    leaves: list = []
    kept: list[int] = []  # index of each message with at least one leaf, and how many each has
    counts: list[int] = []
    rejects: list[Reject] = []
    # half a race's string leaves repeat a text seen before ("0", "", a gap), and the number
    # regexes were two thirds of the walk: each text's number worked out once (Baku: 128 -> 83 ms)
    number = functools.cache(_string_number)
    for i, (msg, body) in enumerate(zip(messages, values if values is not None else repeat(None))):
        if is_compressed_topic(msg.topic):
            continue
        if body is None:
            try:
                body = _parse(msg)
            except DecodeError as exc:
                rejects.append(Reject(msg.topic, msg.seq, msg.payload[:10_000], str(exc)))
                continue
        before = len(leaves)
        _walk(body, (msg.topic,), leaves, number)
        if len(leaves) > before:
            kept.append(i)
            counts.append(len(leaves) - before)
    kept_utc = None
    if utc is not None:
        utc = utc.combine_chunks() if isinstance(utc, pa.ChunkedArray) else utc
        kept_utc = utc.take(pa.array(kept, pa.int64()))
    return _fields_columns(session_key, leaves, [messages[i] for i in kept], counts, kept_utc), rejects


def _parse(msg: Message):
    """The message's payload parsed, or DecodeError. The decoders validate JSON and its depth
    already; messages made by other code must not crash the walk."""
    try:
        body = orjson.loads(msg.payload)
    except orjson.JSONDecodeError as exc:
        raise DecodeError(f"invalid JSON: {exc}") from None
    check_depth(body, msg.payload)
    return body


def _fields_columns(session_key: int, leaves: list, kept: list[Message], counts: list[int],
                    utc: pa.Array | None = None) -> pa.Table:
    """The table of `leaves` (of the messages `kept`, `counts[i]` leaves each). `utc`: each kept
    message's utc, where the caller has it already (`message_utc` otherwise)."""
    paths, values, kinds, numbers = zip(*leaves) if leaves else ((), (), (), ())
    # Paths repeat thousands of times: each distinct one is split once and the leaves take their
    # driver, item and field by code (a tuple's hash is not cached: one dict pass, not three).
    code_of: dict = {}
    codes = pa.array([code_of.setdefault(path, len(code_of)) for path in paths], pa.int32())
    splits = [_split(path[0], path[1:]) for path in code_of]
    drivers, items, field_names = zip(*splits) if splits else ((), (), ())
    per_leaf = pa.array(np.repeat(np.arange(len(kept), dtype=np.int64), counts))  # each leaf's message
    of_message = {"topic": [m.topic for m in kept], "seq": [m.seq for m in kept],
                  "offset_ms": [m.offset_ms for m in kept],
                  "utc": utc if utc is not None else [message_utc(m) for m in kept]}
    of_path = {"driver_number": drivers, "item": items, "field": field_names}
    of_leaf = {"value": values, "value_type": kinds, "value_num": numbers}
    data = {"session_key": pa.array(np.full(len(paths), session_key, dtype=np.int64))}
    for name in FIELDS.names[1:]:
        kind = FIELDS.field(name).type
        if name in of_message:
            column = of_message[name]  # a list, or the caller's utc already in Arrow (pa.array would walk it in Python)
            column = column.cast(kind) if isinstance(column, pa.Array) else pa.array(column, kind)
            data[name] = column.take(per_leaf)
        elif name in of_path:
            data[name] = pa.array(of_path[name], kind).take(codes)
        else:
            data[name] = pa.array(of_leaf[name], kind)
    return pa.table(data, schema=FIELDS)
