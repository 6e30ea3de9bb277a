"""Loading a session into Bronze: from the archive (through ArchiveClient) or a recording.

Everything is downloaded and parsed before the lake is touched; the write is
one transaction (the samples decoded and written slice by slice inside it), so
a failure anywhere leaves the lake as it was.
"""

from __future__ import annotations

import dataclasses
import gc
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..decode.jsonstream import parse_jsonstream
from ..decode.messages import Message, Reject
from ..decode.zpayload import InflateBudget
from ..decode.recordings import decode_recording
from ..errors import DecodeError, SessionNotAvailable
from ..session_ref import session_ref_from_info
from .build import FeedInfo, SessionSource, session_info, synthetic_session_key, write_bronze


@dataclass
class LoadReport:
    session_key: int
    label: str
    messages: dict[str, int] = field(default_factory=dict)
    rejects: int = 0
    absent: list[str] = field(default_factory=list)
    car_samples: int = 0
    position_samples: int = 0
    seconds: float = 0.0

    def __str__(self) -> str:
        total = sum(self.messages.values())
        text = (
            f"{self.label} (session {self.session_key}): {total} messages in {len(self.messages)} topics, "
            f"{self.car_samples} car samples, {self.position_samples} position samples, "
            f"{self.rejects} rejected lines, loaded in {self.seconds:.2f} s"
        )
        if self.absent:
            text += f"; absent feeds: {', '.join(self.absent)}"
        return text


@contextmanager
def gc_paused() -> Iterator[None]:
    """Decoding allocates millions of short-lived dicts and lists that form no
    cycles; the cyclic collector rescanning the growing message list cost 10-20 %
    of a load. It is re-enabled (not run) afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _meta_of_ref(ref) -> dict:
    return dataclasses.asdict(ref) if dataclasses.is_dataclass(ref) else dict(ref)


def source_from_files(files, source: str) -> SessionSource:
    """An `archive.client.SessionFiles` -> decoded `SessionSource`."""
    messages: list[Message] = []
    rejects: list[Reject] = []
    feeds: list[FeedInfo] = []
    budget = InflateBudget()  # one bound on all of the session's .z payloads together
    values: list = []  # the parsed payloads, for the fields walk
    for topic, body in files.files.items():
        msgs, bad = parse_jsonstream(topic, body, budget, values)
        messages.extend(msgs)
        rejects.extend(bad)
        feeds.append(FeedInfo(topic, "present", len(body), files.sha256.get(topic)))
    feeds.extend(FeedInfo(topic, "absent") for topic in files.absent)
    meta = _meta_of_ref(files.ref)
    key = meta["session_key"]
    info_key = session_info(messages).get("Key")
    if isinstance(info_key, int) and info_key > 0 and info_key != key:
        raise DecodeError(
            f"{files.ref.path}: the index says session {key} but SessionInfo says {info_key}; "
            "the archive index is inconsistent — load by path to use SessionInfo's key"
        )
    return SessionSource(key, meta, messages, rejects, feeds, source, budget, values)


def identify_session(messages: list[Message], fallback_name: str | None = None,
                     label: str | None = None) -> dict | None:
    """Which session a stream of messages is (recordings, live feeds): the session metadata
    from its SessionInfo when that carries a Key and a Path; else, given `fallback_name`, a
    stable synthetic key made from that name (shown as `label`, default the name); else
    None (not known yet: wait for more)."""
    info = session_info(messages)
    if info.get("Key") and info.get("Path"):
        return _meta_of_ref(session_ref_from_info(info))
    if fallback_name is None:
        return None
    return {"session_key": synthetic_session_key(fallback_name), "session_name": label or fallback_name}


def source_from_recording(path: str | Path) -> SessionSource:
    """A live recording (any supported format) -> decoded `SessionSource`."""
    path = Path(path)
    decoded = decode_recording(path)
    if not decoded.messages:  # a load that stores nothing is not a success (e.g. --recording /etc/passwd)
        first = f"; the first: line {decoded.rejects[0].line_number}, {decoded.rejects[0].reason}" if decoded.rejects else ""
        raise DecodeError(f"{path} holds no live-timing message ({len(decoded.rejects)} lines rejected{first}); "
                          "pass a recording made by f1nb live --record, FastF1 or undercut-f1")
    # a recording without SessionInfo still loads, under a stable synthetic key from its file name
    name = path.resolve().name
    meta = identify_session(decoded.messages, name, label=f"recording {name}")
    return SessionSource(meta["session_key"], meta, decoded.messages, decoded.rejects, [], str(path))


def write_source(lake, src: SessionSource, topics: set[str] | None = None) -> LoadReport:
    """Write a decoded session to Bronze in one transaction: the whole session, or with
    `topics` only those topics' rows (the session's other feeds stay as they are)."""
    started = time.perf_counter()
    tables, samples = write_bronze(lake, src, topics)
    feeds = tables["feeds"].to_pylist()
    meta = src.meta
    label = " — ".join(
        str(p) for p in (meta.get("year"), meta.get("meeting_name"), meta.get("session_name")) if p
    )
    return LoadReport(
        session_key=src.session_key,
        label=label or str(src.session_key),
        messages={f["topic"]: f["messages"] for f in feeds if f["status"] == "present"},
        rejects=tables["rejects"].num_rows,
        absent=[f["topic"] for f in feeds if f["status"] == "absent"],
        car_samples=samples.rows["car_samples"],
        position_samples=samples.rows["position_samples"],
        seconds=time.perf_counter() - started,
    )


def loaded_feeds(lake, key: int) -> dict[str, str]:
    """{topic: sha256} of the files session `key` was loaded from (`bronze.feeds`); {} if not loaded."""
    # (literal ints, not bound parameters: binding makes DuckDB import pandas, about 0.5 s)
    return dict(lake.raw.execute(f"SELECT topic, sha256 FROM bronze.feeds WHERE session_key = {int(key)} "
                                 "AND status = 'present'").fetchall())


def load_archive_session(lake, client, ref, topics=None, refresh: bool = False) -> LoadReport:
    """Download (or read from cache; `refresh`: download again) one archive session and write it to Bronze."""
    started = time.perf_counter()
    files = client.fetch_session(ref, topics=topics, refresh=refresh)
    return load_archive_files(lake, files, client.base_url, topics, started)


def load_archive_files(lake, files, base_url: str, topics=None, started: float | None = None) -> LoadReport:
    """Write a session's downloaded files (`ArchiveClient.fetch_session`, from the archive at
    `base_url`) to Bronze; `started`: when its load began, for the report (default: now)."""
    started = time.perf_counter() if started is None else started
    ref = files.ref
    if not files.files:
        asked = f"the {len(files.absent)} requested feeds" if topics is not None else f"all {len(files.absent)} feeds"
        raise SessionNotAvailable(
            f"{ref.label}: the archive has none of its data ({asked} are missing at {base_url}{ref.path}); "
            "the session may not have run or not be published yet. Nothing was stored")
    return _write(lake, lambda: source_from_files(files, base_url + ref.path), started,
                  topics=set(topics) if topics is not None else None)


def load_recording(lake, path: str | Path) -> LoadReport:
    return _write(lake, lambda: source_from_recording(path), time.perf_counter())


def _write(lake, decode, started: float, topics: set[str] | None = None) -> LoadReport:
    """Write the session `decode()` gives to Bronze, into the lake's file as it commits
    (`Lake.checkpoint_on_commit`; a session new to the lake deletes nothing, so its
    checkpoint merges no row groups); `started`: when the load began, for its report."""
    with gc_paused():
        src = decode()
        new = src.session_key not in lake.session_keys()
        with lake.checkpoint_on_commit(vacuum=not new):
            report = write_source(lake, src, topics=topics)
        # freed while the collector is off: re-enabled with the session's decoded messages alive,
        # its first pass walked every one of them (a telemetry race: ~70 ms)
        del src
    report.seconds = time.perf_counter() - started
    return report
