"""Decoded feeds of one session -> the Bronze tables, as Arrow, ready for one atomic write."""

from __future__ import annotations

import statistics
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone

import orjson
import pyarrow as pa

from ..decode.messages import Message, Reject
from ..decode.timeparse import parse_utc
from ..errors import DecodeError
from .fields import fields_table
from .messages import messages_table
from .samples import car_samples_table, position_samples_table
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
                info.update(value)
    return info


def synthetic_session_key(name: str) -> int:
    """A stable negative key for a recording that carries no SessionInfo."""
    return -(zlib.crc32(name.encode("utf-8")) & 0x7FFFFFFF) - 1


def estimate_t0(messages: list[Message]) -> datetime | None:
    """Wall-clock time of stream offset 0: median of (Utc - offset) over Heartbeat,
    else over the first sample of each CarData.z / Position.z message."""
    pairs: dict[str, list[float]] = defaultdict(list)
    for msg in messages:
        if msg.offset_ms is None or msg.topic not in ("Heartbeat", "CarData.z", "Position.z"):
            continue
        try:
            body = orjson.loads(msg.payload)
            if msg.topic == "Heartbeat":
                text = body["Utc"]
            elif msg.topic == "CarData.z":
                text = body["Entries"][-1]["Utc"]
            else:
                text = body["Position"][-1]["Timestamp"]
            utc = parse_utc(text)
        except (orjson.JSONDecodeError, KeyError, IndexError, TypeError, DecodeError):
            continue
        pairs[msg.topic].append(utc.timestamp() - msg.offset_ms / 1000)
    for topic in ("Heartbeat", "CarData.z", "Position.z"):
        if pairs[topic]:
            return datetime.fromtimestamp(statistics.median(pairs[topic]), tz=timezone.utc)
    return None


def _rejects_table(session_key: int, rejects: list[Reject], source: str) -> pa.Table:
    return pa.table(
        {
            "session_key": pa.array([session_key] * len(rejects), pa.int64()),
            "topic": [r.topic for r in rejects],
            "line_number": pa.array([r.line_number for r in rejects], pa.int64()),
            "raw": [r.raw for r in rejects],
            "reason": [r.reason for r in rejects],
            "source": [source] * len(rejects),
        },
        schema=REJECTS,
    )


def _feeds_table(src: SessionSource, rejects: list[Reject]) -> pa.Table:
    counts: dict[str, int] = defaultdict(int)
    for msg in src.messages:
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


def _sessions_table(src: SessionSource, feeds: pa.Table, t0: datetime | None) -> pa.Table:
    status = feeds.column("status").to_pylist()
    topics = feeds.column("topic").to_pylist()
    row = {name: src.meta.get(name) for name in SESSIONS.names}
    row.update(
        session_key=src.session_key,
        source=src.source,
        t0_utc=t0,
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
    car, car_rejects = car_samples_table(src.session_key, by_topic.get("CarData.z", []))
    pos, pos_rejects = position_samples_table(src.session_key, by_topic.get("Position.z", []))
    fields, field_rejects = fields_table(src.session_key, src.messages)
    rejects = src.rejects + car_rejects + pos_rejects + field_rejects
    feeds = _feeds_table(src, rejects)
    return {
        "sessions": _sessions_table(src, feeds, estimate_t0(src.messages)),
        "feeds": feeds,
        "messages": messages_table(src.session_key, src.messages),
        "fields": fields,
        "car_samples": car,
        "position_samples": pos,
        "rejects": _rejects_table(src.session_key, rejects, src.source),
    }


__all__ = ["FeedInfo", "SessionSource", "build_bronze", "session_info", "synthetic_session_key"]
