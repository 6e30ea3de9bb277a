"""The session clock: the UTC time of stream offset 0 (`t0`), from every message that carries a time.

An archive line's offset counts from the start of F1's data stream, so a message
whose payload holds its own UTC time gives one estimate of t0 = utc - offset.
Each source gives many such pairs; each is turned into an estimate and a
precision, and the source with the smallest precision is used (ties in the
order of `SOURCES`, so sessions that had a clock before keep the same value).

What each source is worth, measured on the real 2024 British GP Practice 1,
whose archive offsets and live recording share one server clock (the live
frames' time minus the archive offset of the same race-control message is
11:16:36.610 for all ten messages):
- `Heartbeat`: its `Utc` comes from another clock, which wanders 0-2 s from
  the stream's; the estimate is the median and the precision half the spread
  of the middle 80 % of the pairs.
- `CarData.z`, `Position.z`: the latest sample's `Utc` of each message;
  median, spread. A sample is sent a fraction of a second after it is taken
  (0.21 s in the demo; no real samples are at hand to measure it), so their
  stated precision is at least 0.5 s.
- `SessionData`: the `Utc` of each `Series` / `StatusSeries` entry, which
  equals the time the entry was sent (to the millisecond in that recording).
  Entries from before the stream's start are re-sent in its first keyframe,
  far below the rest: only pairs within 1.5 s of the median count; median,
  spread.
- `ExtrapolatedClock`: its `Utc` equals the time the message was sent (to the
  millisecond in that recording); median, spread.
- `RaceControlMessages`: each message's `Utc`, to the second (rounded in
  2024, truncated in the demo). A message re-sent in a later keyframe gives
  an outlier far below the rest, so only pairs within 1.5 s of the median
  count (as for SessionData); the estimate is the middle of their range
  and the precision 1 s.
  In 2024 British FP1 it is 11:16:36.588, 22 ms from the live value.
- `WeatherData` carries no time of its own; F1 sends it every 60 s from the
  stream's start (at :44.1 past each minute in that session), not on the
  wall clock's minutes, so it gives no clock. Live frames carry their own
  utc, which the live sink uses directly (source `live frames`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..decode.timeparse import parse_utc
from ..errors import DecodeError

SOURCES = ("Heartbeat", "CarData.z", "Position.z", "SessionData", "ExtrapolatedClock", "RaceControlMessages")
# stated precision floor per source; others 1 ms
RESOLUTION_S = {"CarData.z": 0.5, "Position.z": 0.5, "RaceControlMessages": 1.0}
MS = 0.001
CLUSTER_S = 1.5  # list entries re-sent in a later keyframe fall further than this below the rest


@dataclass(frozen=True)
class SessionClock:
    t0: datetime | None = None  # UTC at stream offset 0
    source: str | None = None  # the topic it was derived from (SOURCES), or "live frames"
    precision_s: float | None = None  # the derived t0 is within this many seconds of the stream's clock


def _message_pairs(messages: pa.Table, topic: str, samples: pa.Table | None = None) -> np.ndarray:
    """utc - offset (µs) for each `topic` message: the message's own top-level utc or,
    for sample topics, its latest sample's utc (taken from the decoded sample table)."""
    m = messages.filter(pc.and_(pc.equal(messages["topic"], topic), pc.is_valid(messages["offset_ms"])))
    if samples is None:
        m = m.filter(pc.is_valid(m["utc"]))
        utc = m["utc"]
    else:
        latest = samples.group_by("seq").aggregate([("utc", "max")])
        m = m.select(["seq", "offset_ms"]).join(latest, "seq", join_type="inner")
        utc = m["utc_max"]
    utc_us = pc.cast(utc, pa.int64()).to_numpy(zero_copy_only=False)
    return utc_us - m["offset_ms"].to_numpy(zero_copy_only=False) * 1000


def _field_pairs(fields: pa.Table | None, topic: str) -> np.ndarray:
    """utc - offset (µs) for each `Utc` leaf of `topic`'s list entries in bronze.fields
    (race-control messages, SessionData's Series and StatusSeries), entries near the median."""
    if fields is None or not fields.num_rows:
        return np.empty(0, np.int64)
    is_utc = pc.or_(pc.equal(fields["field"], "Utc"), pc.ends_with(fields["field"], ".Utc"))
    f = fields.filter(pc.and_(pc.and_(pc.equal(fields["topic"], topic), is_utc), pc.is_valid(fields["offset_ms"])))
    out = []
    for text, offset in zip(f["value"].to_pylist(), f["offset_ms"].to_pylist()):
        try:
            utc = parse_utc(text)
        except (DecodeError, TypeError, ValueError):
            continue  # a mangled Utc gives no pair; the message itself is still in Silver
        out.append(round(utc.timestamp() * 1e6) - offset * 1000)
    pairs = np.asarray(out, np.int64)
    return pairs[np.abs(pairs - np.median(pairs)) <= CLUSTER_S * 1e6] if len(pairs) else pairs


def _spread_estimate(pairs: np.ndarray, floor_s: float) -> tuple[float, float]:
    """(t0 µs, precision s): median, and half the spread of the middle 80 %."""
    lo, hi = np.percentile(pairs, [10, 90])
    return float(np.median(pairs)), max(floor_s, float(hi - lo) / 2e6)


def _second_estimate(pairs: np.ndarray) -> tuple[float, float]:
    """(t0 µs, precision s) from whole-second times: the middle of their range, to the ms."""
    return float(round((pairs.min() + pairs.max()) / 2, -3)), RESOLUTION_S["RaceControlMessages"]


def clock_candidates(messages: pa.Table, car: pa.Table, positions: pa.Table,
                     fields: pa.Table | None = None) -> list[SessionClock]:
    """One SessionClock per source that has pairs, in the order of SOURCES."""
    # the columns the pairs read: filtering the whole table copied the payloads of every
    # CarData.z message (a race's ~10 MB) to read their seq and offset
    messages = messages.select(["topic", "seq", "offset_ms", "utc"])
    pairs = {"Heartbeat": lambda: _message_pairs(messages, "Heartbeat"),
             "CarData.z": lambda: _message_pairs(messages, "CarData.z", car),
             "Position.z": lambda: _message_pairs(messages, "Position.z", positions),
             "SessionData": lambda: _field_pairs(fields, "SessionData"),
             "ExtrapolatedClock": lambda: _message_pairs(messages, "ExtrapolatedClock"),
             "RaceControlMessages": lambda: _field_pairs(fields, "RaceControlMessages")}
    out = []
    for source in SOURCES:
        values = pairs[source]()
        if not len(values):
            continue
        if source == "RaceControlMessages":
            t0_us, precision = _second_estimate(values)
        else:
            t0_us, precision = _spread_estimate(values, RESOLUTION_S.get(source, MS))
        t0 = datetime.fromtimestamp(t0_us / 1e6, tz=timezone.utc)
        out.append(SessionClock(t0, source, round(precision, 3)))
    return out


def session_clock(messages: pa.Table, car: pa.Table, positions: pa.Table,
                  fields: pa.Table | None = None) -> SessionClock:
    """The most precise of `clock_candidates` (the first in SOURCES order among equals),
    or an empty SessionClock when no message carries a time."""
    candidates = clock_candidates(messages, car, positions, fields)
    if not candidates:
        return SessionClock()
    return min(candidates, key=lambda c: c.precision_s)  # min keeps the first among equals


__all__ = ["SOURCES", "SessionClock", "clock_candidates", "session_clock"]
