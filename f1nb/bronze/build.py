"""Decoded feeds of one session -> the Bronze tables: as Arrow (`build_bronze`), or written to
the lake in one transaction with the samples streamed slice by slice (`write_bronze`)."""

from __future__ import annotations

import zlib
from collections import defaultdict
from contextlib import contextmanager
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone

import orjson
import pyarrow as pa

from .. import waiting
from ..decode.jsonstream import printable
from ..decode.merge import merge_value
from ..decode.messages import Message, Reject
from ..decode.zpayload import InflateBudget
from .clock import SessionClock, session_clock
from .fields import fields_table
from .messages import messages_table
from .samples import car_samples_table, iter_session_samples, position_samples_table
from .schema import CAR_SAMPLES, FEEDS, POSITION_SAMPLES, REJECTS, SESSIONS


@dataclass(frozen=True)
class FeedInfo:
    topic: str
    status: str  # present | absent
    bytes: int | None = None
    sha256: str | None = None


@dataclass
class SessionSource:
    """Everything read for one session, before it touches the lake."""

    session_key: int
    meta: dict  # SessionRef-shaped fields (year, meeting_name, session_name, …)
    messages: list[Message]
    rejects: list[Reject] = field(default_factory=list)
    feeds: list[FeedInfo] = field(default_factory=list)
    source: str = ""
    budget: InflateBudget | None = None  # bounds what the session's sample payloads inflate to, together
    # each message's payload as the decoder parsed it (None: not parsed), aligned with `messages`;
    # None: none kept (the fields walk parses them)
    values: list | None = None


def session_info(messages: list[Message]) -> dict:
    """The merged SessionInfo payloads (most sessions have exactly one)."""
    info: dict = {}
    for msg in messages:
        if msg.topic == "SessionInfo":
            try:
                value = orjson.loads(msg.payload)
            except orjson.JSONDecodeError:
                continue
            if isinstance(value, dict):
                info = merge_value(info, value)
    return info


def synthetic_session_key(name: str) -> int:
    """A stable negative key for a recording that carries no SessionInfo."""
    return -(zlib.crc32(name.encode("utf-8")) & 0x7FFFFFFF) - 1


def estimate_t0(messages: list[Message]) -> datetime | None:
    """The session clock's t0 for a plain message list (decodes the samples and fields it needs)."""
    car = car_samples_table(0, [m for m in messages if m.topic == "CarData.z"])[0]
    positions = position_samples_table(0, [m for m in messages if m.topic == "Position.z"])[0]
    fields = fields_table(0, [m for m in messages if m.topic in ("RaceControlMessages", "SessionData")])[0]
    return session_clock(messages_table(0, messages), car, positions, fields).t0


def _rejects_table(session_key: int, rejects: list[Reject], source: str) -> pa.Table:
    return pa.table(
        {
            "session_key": pa.array([session_key] * len(rejects), pa.int64()),
            "topic": [r.topic for r in rejects],
            "line_number": pa.array([r.line_number for r in rejects], pa.int64()),
            "raw": [printable(r.raw) for r in rejects],  # any invalid UTF-8 as \\xNN: Arrow takes only valid text
            "reason": [printable(r.reason) for r in rejects],
            "source": [source] * len(rejects),
        },
        schema=REJECTS,
    )


def _feeds_table(src: SessionSource, rejects: list[Reject], messages: pa.Table) -> pa.Table:
    counts = {c["values"]: c["counts"] for c in messages.column("topic").value_counts().to_pylist()}
    bad: dict[str, int] = defaultdict(int)
    for rej in rejects:
        bad[rej.topic] += 1
    feeds = {f.topic: f for f in src.feeds}
    for topic in list(counts) + list(bad):  # recordings: topics known only from messages
        feeds.setdefault(topic, FeedInfo(topic, "present"))
    rows = sorted(feeds.values(), key=lambda f: f.topic)
    return pa.table(
        {
            "session_key": pa.array([src.session_key] * len(rows), pa.int64()),
            "topic": [f.topic for f in rows],
            "status": [f.status for f in rows],
            "bytes": pa.array([f.bytes for f in rows], pa.int64()),
            "sha256": [f.sha256 for f in rows],
            "messages": pa.array([counts.get(f.topic, 0) for f in rows], pa.int64()),
            "rejects": pa.array([bad.get(f.topic, 0) for f in rows], pa.int64()),
        },
        schema=FEEDS,
    )


def sessions_table(src: SessionSource, feeds: pa.Table, clock: SessionClock) -> pa.Table:
    status = feeds.column("status").to_pylist()
    topics = feeds.column("topic").to_pylist()
    row = {name: src.meta.get(name) for name in SESSIONS.names}
    row.update(
        session_key=src.session_key,
        source=src.source,
        t0_utc=clock.t0,
        clock_source=clock.source,
        clock_precision_s=clock.precision_s,
        feeds_present=",".join(t for t, s in zip(topics, status) if s == "present"),
        feeds_absent=",".join(t for t, s in zip(topics, status) if s == "absent"),
        loaded_at=datetime.now(timezone.utc).replace(microsecond=0),
    )
    return pa.Table.from_pylist([row], schema=SESSIONS)


@dataclass
class SamplesWritten:
    """What writing a session's samples leaves for the rest of its Bronze tables."""

    rows: dict[str, int] = field(default_factory=dict)  # table -> rows written
    rejects: list[Reject] = field(default_factory=list)
    unusable: set[tuple[str, int]] = field(default_factory=set)  # (topic, seq): payload that does not inflate to JSON
    latest: dict[str, list[pa.Table]] = field(default_factory=dict)  # topic -> (seq, utc) of each message's samples


SAMPLE_TABLES = {"CarData.z": "car_samples", "Position.z": "position_samples"}


# Samples rows per INSERT: about one DuckDB row group. An INSERT per decoded slice (~8k rows)
# cost 0.24 s of CPU for a race's 733k samples, 0.15 s in row-group batches; the batch
# (a few MB of Arrow) is all the samples held at once.
_WRITE_ROWS = 122_880


def _write_samples(src: SessionSource, by_topic: dict[str, list[Message]], write) -> SamplesWritten:
    """Decode the session's samples slice by slice and hand them to `write(table_name, rows)`
    about a row group at a time (`_WRITE_ROWS`): the samples are never all in memory. Car
    then position, inflated in order, so the session's inflate budget runs out at the same
    message every time."""
    out = SamplesWritten(rows={name: 0 for name in SAMPLE_TABLES.values()},
                         latest={topic: [] for topic in SAMPLE_TABLES})
    topics = [(topic, by_topic.get(topic, [])) for topic in SAMPLE_TABLES]
    batch: list[pa.Table] = []
    batch_name = None

    def flush() -> None:
        if batch:
            write(batch_name, pa.concat_tables(batch))
            batch.clear()

    for topic, part in iter_session_samples(src.session_key, topics, src.budget):
        name = SAMPLE_TABLES[topic]
        if name != batch_name:
            flush()
            batch_name = name
        batch.append(part.table)
        if sum(t.num_rows for t in batch) >= _WRITE_ROWS:
            flush()
        out.rows[name] += part.table.num_rows
        out.rejects += part.rejects
        out.unusable |= {(topic, seq) for seq in part.unusable}
        latest = part.table.group_by("seq").aggregate([("utc", "max")])
        out.latest[topic].append(latest.rename_columns(["seq", "utc"]))
    flush()
    return out


_LATEST = pa.schema([("seq", pa.int64()), ("utc", CAR_SAMPLES.field("utc").type)])


def _samples_and_messages(src: SessionSource, by_topic: dict[str, list[Message]], write, made: Future,
                          ) -> tuple[SamplesWritten, pa.Table]:
    """The worker thread's half of a load: the samples, then `bronze.messages` (`made` by the
    main thread meanwhile, of every message; the sample payloads that did not inflate are
    left out of it here), both written as soon as they are made."""
    samples = _write_samples(src, by_topic, write)
    messages = made.result()
    if samples.unusable:
        keep = [(m.topic, m.seq) not in samples.unusable for m in src.messages]
        messages = messages.filter(pa.array(keep, pa.bool_()))
    write("messages", messages)
    return samples, messages


WRITTEN_AS_MADE = {"messages"}


def _bronze(src: SessionSource, write) -> tuple[dict[str, pa.Table], SamplesWritten]:
    """The session's Bronze tables but the samples. The samples and `messages` go to `write` as
    they are made; the caller writes the others (`WRITTEN_AS_MADE` says which not to)."""
    by_topic: dict[str, list[Message]] = defaultdict(list)
    for msg in src.messages:
        by_topic[msg.topic].append(msg)
    # The samples inflate and decode, and the messages insert, in zlib and DuckDB, which release
    # the GIL: in a worker thread they run on the other core while Python flattens the timing
    # feeds (on a session without samples the messages' insert is what overlaps the walk).
    # The main thread makes bronze.messages first, so the worker finds it ready: after a race's
    # samples (its longer half) it only inserts it; without samples, at once.
    made: Future = Future()
    with ThreadPoolExecutor(max_workers=1) as pool:
        job = pool.submit(_samples_and_messages, src, by_topic, write, made)
        try:
            made.set_result(every_message := messages_table(src.session_key, src.messages))
        except BaseException as exc:
            made.set_exception(exc)  # the worker raises it too, after its samples
            raise
        fields, field_rejects = fields_table(src.session_key, src.messages, src.values, every_message.column("utc"))
        samples, messages = waiting.result(job)  # a long session's samples: Ctrl-C still heard
    rejects = src.rejects + samples.rejects + field_rejects
    feeds = _feeds_table(src, rejects, messages)
    car, pos = (pa.concat_tables([_LATEST.empty_table(), *samples.latest[t]]) for t in SAMPLE_TABLES)
    tables = {
        "sessions": sessions_table(src, feeds, session_clock(messages, car, pos, fields)),
        "feeds": feeds,
        "messages": messages,  # written already
        "fields": fields,
        "rejects": _rejects_table(src.session_key, rejects, src.source),
    }
    return tables, samples


def build_bronze(src: SessionSource) -> dict[str, pa.Table]:
    """All Bronze tables for one session, in memory (a live batch; `write_bronze` streams a load)."""
    parts: dict[str, list[pa.Table]] = defaultdict(list)
    tables, _ = _bronze(src, lambda name, table: parts[name].append(table))
    for topic, name in SAMPLE_TABLES.items():
        schema = CAR_SAMPLES if name == "car_samples" else POSITION_SAMPLES
        tables[name] = pa.concat_tables([schema.empty_table(), *parts[name]])
    return tables


def write_bronze(lake, src: SessionSource, topics: set[str] | None = None) -> tuple[dict[str, pa.Table], SamplesWritten]:
    """Write one session's Bronze in one transaction (only `topics`' rows, if given): the
    samples slice by slice as they are decoded, so a session of any length loads in
    bounded memory, and a failure anywhere leaves the lake as it was."""
    with _one_thread(lake), lake.session_writer(src.session_key, "bronze", topics=topics) as write:
        tables, samples = _bronze(src, write)
        for name, table in tables.items():
            if name not in WRITTEN_AS_MADE:
                write(name, table)
    return tables, samples


@contextmanager
def _one_thread(lake):
    """The lake's DuckDB on one thread for the block. A load's writes are Arrow appends: a
    second thread only adds scheduling (a race's samples inserts: 0.49 s of CPU on two
    threads, 0.25 s on one), and the other core decodes samples meanwhile."""
    (threads,) = lake.raw.execute("SELECT current_setting('threads')").fetchone()
    lake.raw.execute("SET threads = 1")
    try:
        yield
    finally:
        lake.raw.execute(f"SET threads = {int(threads)}")


__all__ = ["FeedInfo", "SessionSource", "build_bronze", "session_info", "synthetic_session_key", "write_bronze"]
