"""Decoded feeds of one session -> the Bronze tables, as Arrow, ready for one atomic write."""

from __future__ import annotations

import zlib
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone

import orjson
import pyarrow as pa

from ..decode.jsonstream import printable
from ..decode.merge import merge_value
from ..decode.messages import Message, Reject
from .clock import SessionClock, session_clock
from .fields import fields_table
from .messages import messages_table
from .samples import car_samples_table, not_json, position_samples_table
from .schema import FEEDS, REJECTS, SESSIONS


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


def _feeds_table(src: SessionSource, rejects: list[Reject], messages: list[Message]) -> pa.Table:
    counts: dict[str, int] = defaultdict(int)
    for msg in messages:
        counts[msg.topic] += 1
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


def build_bronze(src: SessionSource) -> dict[str, pa.Table]:
    """All Bronze tables for one session."""
    by_topic: dict[str, list[Message]] = defaultdict(list)
    for msg in src.messages:
        by_topic[msg.topic].append(msg)
    car_msgs, pos_msgs = by_topic.get("CarData.z", []), by_topic.get("Position.z", [])
    # The samples decode in DuckDB, which releases the GIL: in worker threads they
    # run on the other cores while Python flattens the timing feeds.
    with ThreadPoolExecutor(max_workers=2) as pool:
        car_job = pool.submit(car_samples_table, src.session_key, car_msgs) if car_msgs else None
        pos_job = pool.submit(position_samples_table, src.session_key, pos_msgs) if pos_msgs else None
        fields, field_rejects = fields_table(src.session_key, src.messages)
        car, car_rejects = car_job.result() if car_job else car_samples_table(src.session_key, [])
        pos, pos_rejects = pos_job.result() if pos_job else position_samples_table(src.session_key, [])
    not_json_keys = {(r.topic, r.line_number) for r in car_rejects + pos_rejects if not_json(r)}
    kept = [m for m in src.messages if (m.topic, m.seq) not in not_json_keys] if not_json_keys else src.messages
    messages = messages_table(src.session_key, kept)
    rejects = src.rejects + car_rejects + pos_rejects + field_rejects
    feeds = _feeds_table(src, rejects, kept)
    return {
        "sessions": sessions_table(src, feeds, session_clock(messages, car, pos, fields)),
        "feeds": feeds,
        "messages": messages,
        "fields": fields,
        "car_samples": car,
        "position_samples": pos,
        "rejects": _rejects_table(src.session_key, rejects, src.source),
    }


__all__ = ["FeedInfo", "SessionSource", "build_bronze", "session_info", "synthetic_session_key"]
