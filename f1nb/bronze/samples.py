"""`bronze.car_samples` and `bronze.position_samples`: every value of CarData.z and
Position.z as typed columns, with no interpretation (a 104 throttle stays 104)."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from ..decode.messages import Message, Reject
from ..decode.timeparse import parse_utc
from ..decode.zpayload import InflateBudget, inflate
from ..errors import DecodeError
from .schema import CAR_SAMPLES, POSITION_SAMPLES
from .scratch import render, scratch, utc_sql

# F1's CarData channel numbers -> column names
CAR_CHANNELS = {"0": "rpm", "2": "speed", "3": "gear", "4": "throttle", "5": "brake", "45": "drs"}


_WHOLE_TEXT = re.compile(r"\s*[+-]?[0-9]+\s*")


def _whole(name: str, value) -> int | None:
    """A number as F1 sends it -> int, None for none (null or ''). F1 sends whole numbers,
    some as text: anything else (2.5, true, 'abc', '٣') is no value of an integer column
    and raises, so its message is rejected rather than rounded, guessed or nulled."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and _WHOLE_TEXT.fullmatch(value):
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():  # 2.0: the JSON spelling of a whole number
        return int(value)
    raise ValueError(f"{name} {value!r} is not a whole number")


def _text(name: str, value) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise ValueError(f"{name} {value!r} is not text")


class _Columns:
    def __init__(self, names: Sequence[str]):
        self.cols: dict[str, list] = {name: [] for name in names}

    def table(self, session_key: int, schema: pa.Schema) -> pa.Table:
        n = len(self.cols["seq"])
        data = {"session_key": pa.array([session_key] * n, pa.int64())}
        data.update({k: _typed(k, v, schema.field(k).type) for k, v in self.cols.items()})
        return pa.table(data, schema=schema)


def _typed(name: str, values: list, dtype: pa.DataType) -> pa.Array:
    """Values as F1 sent them (ints, or numbers as strings, '' for none) -> a typed array,
    by the rule of `_whole` and `_text`, which the SQL below defers to where it is unsure."""
    try:
        if pa.types.is_timestamp(dtype):  # utc: microseconds the decoder computed
            return pa.array(values, pa.int64()).cast(dtype)
        if pa.types.is_integer(dtype):
            try:
                inferred = pa.array(values)  # all ints (or none): Arrow's own checked cast
            except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
                inferred = None
            if inferred is not None and (pa.types.is_integer(inferred.type) or pa.types.is_null(inferred.type)):
                return inferred.cast(dtype)
            return pa.array([_whole(name, v) for v in values], dtype)
        return pa.array([_text(name, v) for v in values], dtype)
    except (pa.ArrowInvalid, OverflowError) as exc:  # out of the column type's range
        raise ValueError(f"{name}: {exc}") from exc


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
    """The Python decoder: the reference for the SQL below and the path for the messages
    it leaves out. A message that cannot be decoded whole is rejected with the reason."""
    names = [f.name for f in schema if f.name != "session_key"]
    cols, rejects, utc_of = _Columns(names), [], _utc_cache()
    for msg in messages:
        before = len(cols.cols["seq"])
        try:
            rows(cols, msg, utc_of)
        except (KeyError, TypeError, ValueError, AttributeError, DecodeError, orjson.JSONDecodeError) as exc:
            for values in cols.cols.values():  # drop the half-decoded message
                del values[before:]
            rejects.append(_reject(msg, exc))
    try:
        return cols.table(session_key, schema), rejects
    except (ValueError, TypeError, OverflowError, pa.ArrowException) as exc:  # a value no column type takes: find its message
        if len(messages) == 1:
            return schema.empty_table(), rejects + [_reject(messages[0], exc)]
        parts = [_decode(session_key, [msg], schema, rows, source) for msg in messages]
        return pa.concat_tables([t for t, _ in parts]), [r for _, bad in parts for r in bad]


_NOT_JSON = "payload is not JSON"


def _reject(msg: Message, exc: BaseException) -> Reject:
    if isinstance(exc, orjson.JSONDecodeError):  # parse_jsonstream leaves this check to us
        return Reject(msg.topic, msg.seq, msg.payload[:10_000], f"{msg.topic} {_NOT_JSON}: {exc}")
    return Reject(msg.topic, msg.seq, msg.payload[:10_000], f"unexpected {msg.topic} shape: {type(exc).__name__}: {exc}")


def not_json(reject: Reject) -> bool:
    """True for a sample message rejected because its payload is not JSON: it stays
    out of `bronze.messages`, whose `.z` payloads all inflate to JSON."""
    return reject.reason.startswith(f"{reject.topic} {_NOT_JSON}")


def _whole_sql(expr: str, name: str) -> tuple[str, str]:
    """(the column, its doubt) for a whole number read from JSON text: DuckDB's TRY_CAST
    rounds '2.5' and nulls 'abc' where `_whole` rejects them, so a value that does not read
    back as the same text is left to the Python decoder ('007' and '2.0' too, which it takes)."""
    value = f"TRY_CAST({expr} AS INTEGER)"
    return f"{value} AS {name}", f"CAST({value} AS VARCHAR) IS DISTINCT FROM NULLIF({expr}, '')"


def _samples_sql(frames: str, time_key: str, entries: str, entry_type: str, value: str, odd: str,
                 wholes: dict[str, str], texts: dict[str, tuple[str, tuple[str, ...]]]) -> str:
    """SQL decoding `{frames: [{time_key, entries: {driver: <entry_type>}}]}` payloads.

    DuckDB unnests the payloads. Every row carries `_bad`: its message has a frame
    or entry without the expected shape, or a value the SQL might read otherwise than the
    Python decoder (`odd` names one more misfit). `_decode_slice`
    keeps the rows of messages with no bad row; the others (and empty ones, which
    give no row) go through `_decode`, which decodes them the same way or rejects
    them with the reason. `value` is the entry's part the columns read, as `v`;
    `wholes` maps each integer column to the JSON text (VARCHAR) it reads; `texts` each text
    column to its JSON text and the values F1 sends: the text of a JSON 1 or true is '1' or
    'true', as a string's would be, so any other value is left to the Python decoder, which
    takes strings only (a JSON type test was a tenth of the Position query).

    One pass over the payloads: the bad messages were once a second query over the
    same CTEs, which DuckDB inlines, so each payload was parsed twice (0.64 s of CPU
    for a race's samples, against 0.39 s). The time is checked per frame, before
    the entries are unnested (20 times fewer regex matches). Rows come in the payload's own
    order, as the Python decoder gives them, checked by `_in_payload_order` rather than asked
    of an ORDER BY (whose sort was a quarter of the decode).
    """
    shape = f'{{"{frames}": [{{"{time_key}": "VARCHAR", "{entries}": "MAP(VARCHAR, {entry_type})"}}]}}'
    read = [_whole_sql(expr, name) for name, expr in wholes.items()]
    for name, (expr, known) in texts.items():  # F1's own words: plain letters, no quoting needed
        listed = ", ".join(f"'{word}'" for word in known)
        read.append((f"{expr} AS {name}", f"NOT coalesce({expr} IN ({listed}), true)"))
    driver, driver_doubt = _whole_sql("key", "driver_number")
    columns = ", ".join(column for column, _ in read)
    doubts = " OR ".join(doubt for _, doubt in read)
    return f"""
WITH body AS (
    SELECT ord, seq, TRY(from_json(payload, '{shape}'))."{frames}" AS frames FROM messages
), frame AS (
    SELECT ord, seq, len(list_filter(frames, f -> f IS NULL OR f."{entries}" IS NULL)) > 0 AS frame_bad,
           unnest(frames) AS f, unnest(range(len(frames)::BIGINT)) AS i
    FROM body
), timed AS (
    SELECT ord, seq, frame_bad, i, {utc_sql(f'f."{time_key}"')} AS utc, f."{entries}" AS e FROM frame
), entry AS (
    SELECT ord, seq, frame_bad, i, utc, unnest(map_entries(e)) AS kv, unnest(range(cardinality(e)::BIGINT)) AS j
    FROM timed
), rows AS (
    SELECT ord, seq, frame_bad, i, j, utc, kv.key AS key, {value} AS v FROM entry
)
SELECT {{session_key}}::BIGINT AS session_key, ord, seq, utc, {driver}, {columns},
       frame_bad OR utc IS NULL OR key IS NULL OR {driver_doubt} OR v IS NULL OR ({odd}) OR {doubts}
       AS _bad, i AS _i, j AS _j
FROM rows
"""


# Channels as a struct of the six channels f1nb keeps (others are ignored, as the Python decoder
# ignores them): a map of every channel cost a fifth more of the query (a race: 0.50-0.73 ->
# 0.42-0.47 s of CPU). A non-object parses as a struct of nulls, as `{}` does: the Python
# decoder tells them apart.
_CHANNELS = ", ".join(f'\\"{channel}\\" VARCHAR' for channel in CAR_CHANNELS)  # quoted inside the JSON shape
_CAR_SQL = _samples_sql(
    "Entries", "Utc", "Cars", f"STRUCT(Channels STRUCT({_CHANNELS}))", "kv.value.Channels",
    " AND ".join(f'v."{channel}" IS NULL' for channel in CAR_CHANNELS),
    {name: f'v."{channel}"' for channel, name in CAR_CHANNELS.items()}, {})

# a non-object entry parses as a struct of nulls: let the Python decoder judge it
_POSITION_SQL = _samples_sql(
    "Position", "Timestamp", "Entries", "STRUCT(X VARCHAR, Y VARCHAR, Z VARCHAR, Status VARCHAR)", "kv.value",
    "v.X IS NULL AND v.Y IS NULL AND v.Z IS NULL AND v.Status IS NULL",
    {"x": "v.X", "y": "v.Y", "z": "v.Z"}, {"status": ("v.Status", ("OnTrack", "OffTrack"))})


# each slice is one DuckDB query, planned anew: 1 MiB cost a race's load ~0.15 s more, 4 MiB was
# no faster than 2 MiB and held ~55 MB more (README, Memory)
_SLICE_BYTES = 2 << 20


@dataclass
class SamplesPart:
    """The samples of one slice of a topic's messages: rows, the messages rejected, and
    the seqs of those whose payload is unusable (they stay out of `bronze.messages`)."""

    table: pa.Table
    rejects: list[Reject]
    unusable: set[int]


def _inflated_slices(messages: Sequence[Message], budget: InflateBudget | None):
    """(messages with their payload inflated, rejects) in consecutive slices of about
    `_SLICE_BYTES` of inflated JSON: only one slice of inflated text is held at a time."""
    part, rejects, size = [], [], 0
    for msg in messages:
        try:
            text = inflate(msg.payload, budget=budget)  # a `.z` payload: base64 DEFLATE as received
        except DecodeError as exc:
            rejects.append(Reject(msg.topic, msg.seq, msg.payload[:10_000], str(exc)))
            continue
        part.append(Message(msg.topic, msg.seq, msg.offset_ms, msg.utc, text))
        size += len(text)
        if size >= _SLICE_BYTES:
            yield part, rejects
            part, rejects, size = [], [], 0
    if part or rejects:
        yield part, rejects


def _decode_slice(con, query: str, session_key: int, messages: list[Message], spec) -> tuple[pa.Table, list[Reject]]:
    """DuckDB decodes the slice; the Python decoder takes the messages it leaves out."""
    sql, schema, rows, topic = spec
    if not messages:
        return schema.empty_table(), []
    frame = pa.table({"ord": pa.array(range(len(messages)), pa.int64()),
                      "seq": pa.array([m.seq for m in messages], pa.int64()),
                      "payload": pa.array([m.payload for m in messages], pa.string())})
    con.register("messages", frame)
    try:
        fast = _in_payload_order(con.execute(query).to_arrow_table())
    finally:
        con.unregister("messages")
    bad = pc.unique(pc.filter(fast["ord"], fast["_bad"]))
    if len(bad):
        fast = fast.filter(pc.invert(pc.is_in(fast["ord"], bad)))
    repeated = _repeated_cars(fast)
    if len(repeated):
        fast = fast.filter(pc.invert(pc.is_in(fast["ord"], pa.array(repeated))))
    kept = set(pc.unique(fast["ord"]).to_pylist())
    left = [m for i, m in enumerate(messages) if i not in kept]
    fast = fast.select(schema.names).cast(schema)
    if not left:
        return fast, []
    slow, rejects = _decode(session_key, left, schema, rows, topic)
    # back in message order (a stable sort: each message's rows keep their payload order)
    return pa.concat_tables([fast, slow]).sort_by("seq"), rejects


def _repeated_cars(rows: pa.Table) -> np.ndarray:
    """The `ord` of each message where a frame names a car twice (rows in payload order).
    DuckDB's map keeps both entries where orjson keeps the last: the Python decoder judges."""
    if rows.num_rows < 2:
        return np.empty(0, np.int64)
    ords, frames = rows["ord"].to_numpy(), rows["_i"].to_numpy()
    frame = np.cumsum(np.r_[True, (np.diff(ords) != 0) | (np.diff(frames) != 0)])  # frames lie together
    key = (frame.astype(np.int64) << 32) | (rows["driver_number"].to_numpy().astype(np.int64) & 0xFFFFFFFF)
    order = np.argsort(key, kind="stable")
    twice = order[1:][key[order[1:]] == key[order[:-1]]]
    return np.unique(ords[twice])


_ORDER = ["ord", "_i", "_j"]  # message, frame in it, entry in the frame: the payload's own order


def _in_payload_order(rows: pa.Table) -> pa.Table:
    """`rows` sorted by message, frame and entry. DuckDB's unnest keeps its input's order in
    practice, but its documentation promises it for plain scans, filters and projections only:
    the order is checked (vectorised: each row's key above the one before), and the rows
    sorted where it does not hold."""
    if rows.num_rows < 2:
        return rows
    later = np.zeros(rows.num_rows - 1, dtype=bool)  # row k+1 after row k on the keys compared so far
    tied = np.ones(rows.num_rows - 1, dtype=bool)
    for name in _ORDER:
        step = np.diff(rows[name].to_numpy())
        later |= tied & (step > 0)
        tied &= step == 0
    if later.all():
        return rows
    return rows.sort_by([(name, "ascending") for name in _ORDER])


_IN_FLIGHT = 2  # slices decoding at once: one per scratch thread (scratch.py gives each half the cores)


def iter_session_samples(session_key: int, topics: Sequence[tuple[str, Sequence[Message]]],
                         budget: InflateBudget | None = None) -> Iterator[tuple[str, SamplesPart]]:
    """(topic, part) for the samples of each (topic, messages) in `topics` (CarData.z,
    Position.z), slice by slice, in message order.

    Each slice holds about `_SLICE_BYTES` of inflated JSON: DuckDB's parsed
    intermediate is many times the text, and a caller that writes the parts as they
    come (`bronze.build.write_bronze`, about a row group at a time) holds a bounded
    part of a session's samples, however long the session. This thread inflates
    (zlib releases the GIL), in order, so `budget` (what all payloads may inflate
    to together) runs out at the same message every time; `_IN_FLIGHT` slices
    decode at once on their own DuckDB cursors, and come out in order.
    """
    topics = [(topic, messages) for topic, messages in topics if messages]
    if not topics:
        return
    queries = {topic: render(_SPECS[topic][0], session_key=int(session_key)) for topic, _ in topics}
    with scratch() as con, ThreadPoolExecutor(max_workers=_IN_FLIGHT) as pool:

        def decode(topic: str, part: list[Message], inflate_rejects: list[Reject]) -> SamplesPart:
            cursor = con.cursor()  # a connection of its own to the scratch database: queries run side by side
            try:
                cursor.execute("SET TimeZone = 'UTC'")
                table, rejects = _decode_slice(cursor, queries[topic], session_key, part, _SPECS[topic])
            finally:
                cursor.close()
            rejects = inflate_rejects + rejects
            unusable = {r.line_number for r in inflate_rejects} | {r.line_number for r in rejects if not_json(r)}
            return SamplesPart(table, sorted(rejects, key=lambda r: r.line_number), unusable)

        pending: deque = deque()
        for topic, messages in topics:
            for part, inflate_rejects in _inflated_slices(messages, budget):
                pending.append((topic, pool.submit(decode, topic, part, inflate_rejects)))
                while len(pending) > _IN_FLIGHT:
                    done, job = pending.popleft()
                    yield done, job.result()
        while pending:
            done, job = pending.popleft()
            yield done, job.result()


def iter_samples(session_key: int, messages: Sequence[Message], topic: str,
                 budget: InflateBudget | None = None) -> Iterator[SamplesPart]:
    """The samples of one topic's messages, slice by slice (see `iter_session_samples`)."""
    for _, part in iter_session_samples(session_key, [(topic, messages)], budget):
        yield part


def samples_table(session_key: int, messages: Sequence[Message], topic: str,
                  budget: InflateBudget | None = None) -> tuple[pa.Table, list[Reject]]:
    """All of `iter_samples` as one table (the live sink's batches, the clock of a replay)."""
    schema = _SPECS[topic][1]
    parts = list(iter_samples(session_key, messages, topic, budget))
    table = pa.concat_tables([schema.empty_table()] + [p.table for p in parts])
    return table, [r for p in parts for r in p.rejects]


def car_samples_table(session_key: int, messages: Sequence[Message]) -> tuple[pa.Table, list[Reject]]:
    """`bronze.car_samples` of CarData.z messages."""
    return samples_table(session_key, messages, "CarData.z")


def position_samples_table(session_key: int, messages: Sequence[Message]) -> tuple[pa.Table, list[Reject]]:
    """`bronze.position_samples` of Position.z messages."""
    return samples_table(session_key, messages, "Position.z")


_SPECS = {"CarData.z": (_CAR_SQL, CAR_SAMPLES, _car_rows, "CarData.z"),
          "Position.z": (_POSITION_SQL, POSITION_SAMPLES, _position_rows, "Position.z")}
