"""Live messages into the lake: batched appends to Bronze, Silver/Gold refreshed on a cadence.

A writer thread drains a queue: every `flush_interval` seconds (or
`max_batch` messages) the new messages are decoded into Bronze rows exactly
as an archive load would (`build_bronze` on the batch) and **appended in one
transaction**: rows of messages / fields / car_samples / position_samples /
rejects are inserted, the session's one `sessions` row and its `feeds` rows
(running counts) are replaced, through `f1nb.ingest` (`LiveBatch`) like every
other load. Rewriting the whole session per batch
(`write_source`) gets slower as the session grows (it re-decodes everything);
appending keeps each batch's cost proportional to the batch. A builder
thread, every `build_interval` seconds with new data, runs
`lake.build([session_key])` (the session's Silver and Gold, one
transaction) on its own connection, so a build never holds up Bronze. `stop()` flushes,
builds once more and returns with the lake consistent.

Session key and metadata come from the first `SessionInfo` message (messages
wait in memory until it arrives; a session that never sends one gets a
stable synthetic key). Offsets: live frames carry a utc but no stream
offset, so ``offset_ms = utc − t0`` where t0 is the utc of the session's
first message (the Subscribe reply's Heartbeat), clamped at 0, and the
`sessions.t0_utc` written is that t0: Silver's session times work as for an
archive load (times differ from the archive's by the archive's lead-in).

Lag = time from a message reaching `put()` to the commit that makes it
queryable (`bronze_lag` for Bronze, `silver_lag` for the build after it).
"""

from __future__ import annotations

import queue
import sys
import statistics
import threading
import time
from collections import defaultdict
from datetime import datetime, timezone

import pyarrow as pa

from ..bronze.build import SessionSource, sessions_table, build_bronze
from ..bronze.clock import SessionClock
from ..bronze.schema import FEEDS
from ..decode.messages import Message, Reject
from ..errors import F1nbError, LakeError, LiveError
from ..ingest import LiveBatch, ingest

APPEND_TABLES = ("messages", "fields", "car_samples", "position_samples", "rejects")
# Rebuilt on every full build only (see LakeSink.build_now).
TELEMETRY_MODELS = ("silver.car_telemetry", "silver.positions")
TELEMETRY_INTERVAL_S = 30.0


def refuse_existing_copy(raw, session_key: int, source: str) -> None:
    """A stream must not replace a copy of its session that the lake already holds
    (an archive load is complete; a stream may start late or end early) unless the user
    asks with --replace / replace=True."""
    row = raw.execute(
        "SELECT s.source, coalesce(concat_ws(' — ', s.year, s.meeting_name, s.session_name), ''), "
        "(SELECT count(*) FROM bronze.messages m WHERE m.session_key = s.session_key) "
        "FROM bronze.sessions s WHERE s.session_key = ?", [session_key]).fetchone()
    if row is None:
        return
    held_from, label, messages = row
    raise LakeError(
        f"session {session_key} ({label}) is already in the lake, {messages} messages from {held_from}; "
        f"the stream from {source} would replace it. Pass --replace (replace=True) to replace it, "
        "or use another --lake")


def failure_line(exc: BaseException) -> str:
    return f"the live session's lake writer failed ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}); " \
           "the lake holds every batch committed before it"


def _summary(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    s = sorted(values)
    return {"n": len(s), "mean": statistics.fmean(s), "p50": s[len(s) // 2],
            "p95": s[min(len(s) - 1, int(len(s) * 0.95))], "max": s[-1]}


class LakeSink:
    _last_full_build = float("-inf")

    def __init__(self, lake, flush_interval: float = 1.0, max_batch: int = 20_000, build_interval: float = 5.0,
                 build: bool = True, recorder=None, source: str = "live", wait_for_info: float = 10.0,
                 replace: bool = False):
        self.lake = lake
        self.replace = replace  # may a stream replace a copy of its session that is already in the lake?
        self.flush_interval, self.max_batch = flush_interval, max_batch
        self.build_interval, self.build = build_interval, build
        self.recorder = recorder
        self.source = source
        self.wait_for_info = wait_for_info
        self.session_key: int | None = None
        self.meta: dict = {}
        self.t0: datetime | None = None
        self._last_utc: datetime | None = None
        self._queue: queue.Queue = queue.Queue()
        self._pending: list[tuple[float, Message | Reject]] = []
        self._unbuilt: list[float] = []  # arrival times appended but not yet built
        self._counts: dict[str, int] = defaultdict(int)
        self._bad: dict[str, int] = defaultdict(int)
        self._started = False
        self._first_arrival: float | None = None
        self._last_build = 0.0
        self._thread: threading.Thread | None = None
        self._builder: threading.Thread | None = None
        self._writer = lake
        self._lock = threading.Lock()
        self._flushed = threading.Event()  # the writer has drained everything after stop()
        self._stop = threading.Event()
        self.error: BaseException | None = None
        self.failed = threading.Event()  # set when the writer thread died (error holds why)
        self.messages = 0
        self.batches = 0
        self.builds = 0
        self.append_seconds: list[float] = []
        self.build_seconds: list[float] = []
        self.bronze_lag: list[float] = []
        self.silver_lag: list[float] = []
        self.build_errors: list[str] = []

    # -- producer side (any thread) ---------------------------------------------------
    def put(self, item: Message | Reject) -> None:
        self._queue.put((time.perf_counter(), item))

    # -- lifecycle ---------------------------------------------------------------------
    def start(self) -> LakeSink:
        self._thread = threading.Thread(target=self._run, name="f1nb-live-sink", daemon=True)
        self._thread.start()
        if self.build:
            self._builder = threading.Thread(target=self._build_loop, name="f1nb-live-build", daemon=True)
            self._builder.start()
        return self

    def stop(self, timeout: float | None = 120) -> None:
        """Flush everything received, build Silver/Gold once more, and stop."""
        self._stop.set()
        if self._thread:
            self._thread.join(timeout)
        self._flushed.set()
        if self._builder:
            self._builder.join(timeout)
        if isinstance(self.error, F1nbError):  # already one line saying what to do (e.g. refuse_existing_copy)
            raise self.error
        if self.error:
            raise LiveError(failure_line(self.error)) from self.error

    def _own_lake(self):
        """Each thread writes through its own connection to the same DuckDB file (DuckDB's MVCC keeps
        the Bronze appends and the Silver/Gold builds apart); the caller's connection stays free."""
        from ..lake.lake import Lake

        if getattr(self.lake, "location", ":memory:") == ":memory:":
            return self.lake, False
        return Lake(self.lake.location), True

    def _run(self) -> None:
        own = False
        try:
            self._writer, own = self._own_lake()
            last_flush = time.perf_counter()
            while True:
                stopping = self._stop.is_set()
                try:
                    self._pending.append(self._queue.get(timeout=0.05))
                    while len(self._pending) < self.max_batch:
                        self._pending.append(self._queue.get_nowait())
                except queue.Empty:
                    pass
                now = time.perf_counter()
                if stopping or len(self._pending) >= self.max_batch or now - last_flush >= self.flush_interval:
                    self.flush(final=stopping)
                    last_flush = now
                if stopping and self._queue.empty():
                    break
        except BaseException as exc:  # surfaced by stop(), and at once through `failed`
            self.error = exc
            self.failed.set()
        finally:
            self._flushed.set()
            if own:
                self._writer.close()

    def _build_loop(self) -> None:
        lake, own = self._own_lake()
        try:
            while True:
                final = self._flushed.wait(self.build_interval)
                stale_telemetry = final and self._last_build > self._last_full_build
                if self._unbuilt or stale_telemetry:
                    self.build_now(lake, full=final)
                if final:
                    break
        except BaseException as exc:
            self.error = self.error or exc
        finally:
            if own:
                lake.close()

    # -- Bronze ------------------------------------------------------------------------
    def _identify(self, final: bool) -> bool:
        if self.session_key is not None:
            return True
        from ..bronze.load import identify_session

        msgs = [m for _, m in self._pending if isinstance(m, Message)]
        fallback = None
        if final or (self._first_arrival and time.perf_counter() - self._first_arrival > self.wait_for_info):
            first = next((m.utc for m in msgs if m.utc), None) or datetime.now(timezone.utc)
            fallback = f"live {first:%Y-%m-%d %H:%M:%S}"
        meta = identify_session(msgs, fallback)
        if meta is None:
            return False
        self.meta, self.session_key = meta, meta["session_key"]
        if not self.replace:
            refuse_existing_copy(self._writer.raw, self.session_key, self.source)
        return True

    def _with_offset(self, msg: Message) -> Message:
        # undated (a clockless Subscribe reply at the very end): the last time seen, the wall clock only
        # when nothing was ever dated
        utc = msg.utc or self._last_utc or datetime.now(timezone.utc)
        self._last_utc = max(utc, self._last_utc) if self._last_utc else utc
        if self.t0 is None:
            self.t0 = utc
        offset = max(0, round((utc - self.t0).total_seconds() * 1000))
        return msg._replace(offset_ms=offset, utc=utc)

    def flush(self, final: bool = False) -> None:
        if not self._pending:
            return
        if self._first_arrival is None:
            self._first_arrival = self._pending[0][0]
        if not self._identify(final):
            return
        batch, self._pending = self._pending, []
        messages = [self._with_offset(m) for _, m in batch if isinstance(m, Message)]
        rejects = [m for _, m in batch if isinstance(m, Reject)]
        if self.recorder is not None:
            for m in messages:
                self.recorder.add(m)
            self.recorder.flush(final=final)
        started = time.perf_counter()
        self._append(messages, rejects)
        done = time.perf_counter()
        self.append_seconds.append(done - started)
        arrivals = [t for t, _ in batch]
        self.bronze_lag.extend(done - t for t in arrivals)
        with self._lock:
            self._unbuilt.extend(arrivals)
        self.messages += len(messages)
        self.batches += 1

    def _append(self, messages: list[Message], rejects: list[Reject]) -> None:
        key = self.session_key
        src = SessionSource(key, self.meta, messages, rejects, [], self.source)
        tables = build_bronze(src)
        for m in messages:
            self._counts[m.topic] += 1
        for topic in tables["rejects"].column("topic").to_pylist():
            self._bad[topic] += 1
        topics = sorted(set(self._counts) | set(self._bad))
        feeds = pa.table({
            "session_key": pa.array([key] * len(topics), pa.int64()), "topic": topics,
            "status": ["present"] * len(topics), "bytes": pa.nulls(len(topics), pa.int64()),
            "sha256": pa.nulls(len(topics), pa.string()),
            "messages": pa.array([self._counts.get(t, 0) for t in topics], pa.int64()),
            "rejects": pa.array([self._bad.get(t, 0) for t in topics], pa.int64()),
        }, schema=FEEDS)
        clock = SessionClock(self.t0, "live frames", 0.001) if self.t0 else SessionClock()
        sessions = sessions_table(src, feeds, clock)
        # the first batch of a run replaces the session; later ones append, and refresh its catalogue rows
        batch = {**{n: tables[n] for n in APPEND_TABLES}, "sessions": sessions, "feeds": feeds}
        ingest(LiveBatch(key, batch, replace="all" if not self.batches else ("sessions", "feeds")), self._writer,
               build=False)  # the builder thread builds on its own cadence (build_now)

    # -- Silver / Gold -----------------------------------------------------------------
    def build_now(self, lake=None, full: bool = False) -> None:
        """Refresh the session's Silver and Gold. Between full builds (every
        `TELEMETRY_INTERVAL_S`, and the last one) the telemetry tables — the
        heaviest, and read by no other model — keep their rows, so the lap and
        timing tables stay a few seconds behind the feed."""
        if self.session_key is None:
            return
        now = time.perf_counter()
        full = full or now - self._last_full_build >= TELEMETRY_INTERVAL_S
        with self._lock:
            arrivals, self._unbuilt = self._unbuilt, []
        started = time.perf_counter()
        try:
            (lake or self.lake).build([self.session_key], exclude=() if full else TELEMETRY_MODELS,
                                      checkpoint=full)
            if full:
                self._last_full_build = now
        except LakeError as exc:  # Bronze keeps flowing; the error is reported, not swallowed
            self.build_errors.append(str(exc))
            if len(self.build_errors) == 1:
                print(f"f1nb live: Silver/Gold build failed (Bronze keeps loading): {exc}", file=sys.stderr)
        done = time.perf_counter()
        self.build_seconds.append(done - started)
        self.silver_lag.extend(done - t for t in arrivals)
        self._last_build = done
        self.builds += 1

    def report(self) -> dict:
        return {"session_key": self.session_key, "messages": self.messages, "batches": self.batches,
                "builds": self.builds, "append_s": _summary(self.append_seconds),
                "build_s": _summary(self.build_seconds), "bronze_lag_s": _summary(self.bronze_lag),
                "silver_lag_s": _summary(self.silver_lag),
                "build_errors": self.build_errors[-3:]}
