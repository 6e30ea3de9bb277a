"""One way in: a source -> Bronze -> Silver and Gold, with progress and one report.

    from f1nb.ingest import ArchiveSession, Demo, Recording, ingest

    ingest(ArchiveSession(ref), lake)                 # download (or read the cache), load, build
    ingest(Recording("live.txt"), lake, build=False)  # Bronze only
    ingest([ArchiveSession(r) for r in refs], lake)   # many sessions, one build at the end

Every caller that fills a lake goes through `ingest`: the CLI (`load`, `demo`),
`Session.load_data`, `Season.load`, `demo_session`, the `%f1` magics, the picker
widget and the live sink. None of them loads and then builds on its own, so a
load is followed by exactly one build of the sessions it wrote.

`report(done, text)` (f1nb.progress) hears of the whole job: loading takes the
first part of the bar, building the rest.

Archive sessions in a list are downloaded one ahead, on one background thread:
the next session's files arrive while this one is decoded and written, so a
season's load takes about the longer of its downloads and its decodes, not
their sum. The lake is written by the calling thread only.
"""

from __future__ import annotations

import functools
import queue
import threading
import time
from concurrent.futures import Future
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Self

from . import waiting
from .errors import SessionNotAvailable
from .progress import silent, span

if TYPE_CHECKING:
    from .bronze.load import LoadReport
    from .engine.duckdb_build import BuildReport

_LOAD_SHARE = 0.7  # of the bar, when the job builds too (a build of a race takes less than its load)
_CHUNK = 3  # topics per download step, when someone watches the bar


# ---------------------------------------------------------------- sources


@dataclass(frozen=True)
class ArchiveSession:
    """A session of F1's archive (or a file:// copy), as `SessionRef` from the season
    index or `client.session_from_path`. `client` defaults to an ArchiveClient for
    $F1NB_ARCHIVE_URL; `topics`: only these feeds (the session's others stay in the lake)."""

    ref: Any  # SessionRef
    client: Any = None  # ArchiveClient
    topics: tuple[str, ...] | None = None
    refresh: bool = False  # download every file again instead of using the cache
    # a session the lake holds from the same files (every feed's sha256) is left as it is,
    # and built only if it is not; with `topics`, ignored (a reload of chosen feeds is asked for)
    skip_loaded: bool = False


@dataclass(frozen=True)
class ArchivePath:
    """A session of the archive by its path, e.g. "2018/2018-04-29_Azerbaijan_Grand_Prix/2018-04-29_Race/"."""

    path: str
    client: Any = None
    topics: tuple[str, ...] | None = None
    refresh: bool = False
    skip_loaded: bool = False  # as ArchiveSession's


_ARCHIVE = (ArchiveSession, ArchivePath)  # the sources downloaded from an archive


@dataclass(frozen=True)
class Recording:
    """A live-timing recording file or folder (f1nb live --record, FastF1, undercut-f1)."""

    path: str | Path


@dataclass(frozen=True)
class Demo:
    """The offline demo season (generated once per config). `skip_loaded`: sessions the lake
    already holds from the same files are left as they are, and built only if they are not."""

    config: Any = None  # DemoConfig; None: the default demo
    out: str | Path | None = None  # where the tree goes (default: the data directory)
    skip_loaded: bool = False
    progress: bool = True  # the archive client's per-file bars, when no `report` is given
    # the tree's writers, started before the lake opened (demo.tree.writers_started), or None
    writers: Any = field(default=None, hash=False, compare=False)


@dataclass(frozen=True)
class LiveBatch:
    """Bronze rows of a live session, decoded by the sink: `replace` as `Lake.write_session` takes it."""

    session_key: int
    tables: dict = field(hash=False)
    replace: str | tuple[str, ...] = "all"


# ---------------------------------------------------------------- the report


@dataclass
class IngestReport:
    loads: list[LoadReport] = field(default_factory=list)  # one per session written to Bronze
    built: BuildReport | None = None  # None: nothing was built
    skipped: list[str] = field(default_factory=list)  # why, for each session of a list the archive does not have yet
    unchanged: list[str] = field(default_factory=list)  # sessions left as they were (`skip_loaded`)

    @property
    def session_keys(self) -> list[int]:
        return [load.session_key for load in self.loads]

    def __str__(self) -> str:
        return "\n".join([*(str(part) for part in (*self.loads, self.built) if part is not None),
                          *(f"unchanged: {label} (the lake holds it from the same files)" for label in self.unchanged),
                          *(f"skipped: {why}" for why in self.skipped)])


# ---------------------------------------------------------------- the entry point


def ingest(source, lake, build: bool = True, report=None, download_ahead: bool = True) -> IngestReport:
    """Load `source` (one source above, a SessionRef, or a list of them) into `lake`'s Bronze,
    then, with `build`, build Silver and Gold for the sessions written, once.

    `download_ahead`: in a list, each archive session's files download while the one before
    is written (False: one after the other, holding one session's files at a time). A
    `report` hears of each session as it starts; a single archive session downloads in
    steps, so its bar moves while it downloads.
    In a list, a session the archive has no data for yet (`SessionNotAvailable`) is
    skipped and named in the report's `skipped`; alone, or when every session is, it is
    an error."""
    sources = [_as_source(src) for src in (source if isinstance(source, (list, tuple)) else [source])]
    loading = _part(report, 0.0, _LOAD_SHARE if build else 1.0)
    result, keys = IngestReport(), []
    ahead = download_ahead and sum(isinstance(src, _ARCHIVE) for src in sources) > 1
    with _DownloadsAhead(sources if ahead else []) as downloads:
        for i, src in enumerate(sources):
            part = _part(loading, i / len(sources), (i + 1) / len(sources))
            try:
                if ahead and part is not None and isinstance(src, _ARCHIVE):
                    part(0.0, f"loading {_label(src)} into Bronze")
                fetched = downloads.take(i)
                loads, to_build, unchanged = _load(src, lake, part, fetched)
            except SessionNotAvailable as exc:
                if len(sources) == 1:
                    raise
                result.skipped.append(str(exc))  # a season's index lists sessions not published yet
                continue
            result.loads += loads
            result.unchanged += unchanged
            keys += [k for k in to_build if k not in keys]
    if len(result.skipped) == len(sources) > 1:  # a job that stores nothing is not a success (e.g. --topics Nope)
        raise SessionNotAvailable(f"none of the {len(sources)} sessions has any of the data asked for; the first: "
                                  f"{result.skipped[0]}")
    if build and keys:
        result.built = lake.build(keys, report=_part(report, _LOAD_SHARE, 1.0))
    return result


def _part(report, low: float, high: float):
    """The [low, high] part of `report`'s bar; None stays None (nobody watches)."""
    return None if report is None else span(report, low, high)


def _label(src) -> str:
    return src.ref.label if isinstance(src, ArchiveSession) else src.path


def _as_source(src):
    from .session_ref import SessionRef

    return ArchiveSession(src) if isinstance(src, SessionRef) else src


class _Loaded(NamedTuple):
    loads: list  # LoadReports of the sessions written
    to_build: list[int]  # session keys to build
    unchanged: tuple[str, ...] = ()  # labels of the sessions left as they were


def _load(src, lake, report, fetched: _Fetched | None = None) -> _Loaded:
    """What loading one source did; `fetched`: its files, downloaded ahead."""
    if isinstance(src, _ARCHIVE):
        return _load_archive(src, lake, report, fetched)
    if isinstance(src, Recording):
        from .bronze.load import load_recording

        load = load_recording(lake, src.path)
        return _Loaded([load], [load.session_key])
    if isinstance(src, Demo):
        return _load_demo(src, lake, report)
    if isinstance(src, LiveBatch):
        lake.write_session(src.session_key, src.tables, replace=src.replace)
        return _Loaded([], [src.session_key])
    raise TypeError(f"ingest cannot load a {type(src).__name__}; pass ArchiveSession, ArchivePath, Recording, "
                    "Demo or LiveBatch")


@dataclass(frozen=True)
class _Fetched:
    files: Any  # archive.client.SessionFiles
    base_url: str
    started: float  # when its load began (time.perf_counter), for the load's report


class _DownloadsAhead:
    """The archive sources' files, fetched on one background thread one session ahead of the
    writer: `take(i)` starts source i+1's download and waits for source i's files. Leaving
    cancels what has not started and waits for a download under way, except on Ctrl-C: a user
    who stops a season load is not kept waiting for a session's download. The thread is a
    daemon for that reason (a pool's threads are joined at exit): it ends with its download,
    or with the process; the raw cache renames a file into place only once it is whole."""

    def __init__(self, sources: list) -> None:
        self._sources = sources
        self._futures: dict[int, Future] = {}
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = None
        if any(isinstance(src, _ARCHIVE) for src in sources):
            self._thread = threading.Thread(target=self._work, name="f1nb-download", daemon=True)
            self._thread.start()

    def _work(self) -> None:
        while (job := self._queue.get()) is not None:
            i, future = job
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(_fetch_archive(self._sources[i], None))
                except BaseException as exc:  # noqa: BLE001 - handed to the writer, raised at its turn
                    future.set_exception(exc)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind, exc, tb) -> None:
        if self._thread is None:
            return
        for future in self._futures.values():
            future.cancel()  # not started: never will be
        self._queue.put(None)
        if kind is None or not issubclass(kind, KeyboardInterrupt):
            self._thread.join()

    def _start(self, i: int) -> None:
        if (self._thread is not None and i < len(self._sources) and i not in self._futures
                and isinstance(self._sources[i], _ARCHIVE)):
            self._futures[i] = Future()
            self._queue.put((i, self._futures[i]))

    def take(self, i: int) -> _Fetched | None:
        """Source i's files (None: not an archive source, or not downloaded ahead)."""
        started = time.perf_counter()
        self._start(i)
        self._start(i + 1)  # queued behind source i on the one thread
        future = self._futures.pop(i, None)
        return None if future is None else replace(waiting.result(future), started=started)


def _fetch_archive(src, report) -> _Fetched:
    """Download (or read from the cache) an archive source's files; `report`: in steps, for a bar."""
    from .archive.client import ArchiveClient

    started = time.perf_counter()
    client = src.client if src.client is not None else ArchiveClient()
    try:
        ref = src.ref if isinstance(src, ArchiveSession) else client.session_from_path(src.path, refresh=src.refresh)
        topics = list(src.topics) if src.topics is not None else None
        refresh = src.refresh
        if report is not None:  # download a few feeds at a time, so a watcher sees the bar move
            _download_in_steps(client, ref, topics, refresh, span(report, 0.0, 0.85))
            refresh = False  # fetched just now
        files = client.fetch_session(ref, topics=topics, refresh=refresh)
        return _Fetched(files, client.base_url, started)
    finally:
        if src.client is None:
            client.close()


def _load_archive(src, lake, report, fetched: _Fetched | None) -> _Loaded:
    from .bronze.load import load_archive_files, loaded_feeds

    if fetched is None:  # alone: downloaded now, in steps when a bar watches
        fetched = _fetch_archive(src, report)
        if report is not None:
            report(0.85, "writing Bronze…")
    files = fetched.files
    key = files.ref.session_key
    if src.skip_loaded and src.topics is None and files.files and loaded_feeds(lake, key) == files.sha256:
        return _Loaded([], [] if _built(lake, [key]) else [key], (files.ref.label,))
    load = load_archive_files(lake, files, fetched.base_url, src.topics, fetched.started)
    return _Loaded([load], [load.session_key])


def _download_in_steps(client, ref, topics, refresh: bool, report) -> None:
    report(0.0, f"{ref.label}: reading the feed list…")
    if topics is None:
        feeds, _source = client.session_feeds(ref)
        topics = list(feeds)
    for i in range(0, len(topics), _CHUNK):
        part = topics[i:i + _CHUNK]
        report(0.05 + 0.95 * i / max(len(topics), 1), f"downloading {', '.join(part)}…")
        client.fetch_session(ref, topics=part, refresh=refresh)


def _load_demo(src: Demo, lake, report) -> _Loaded:
    """Generate (or reuse) the demo tree and load its sessions through the archive client, each
    as soon as its files are written: the qualifying loads while the race is still being
    written (`demo.workers`). The bar: writing the tree is its first half, loading the second."""
    from .demo import DemoConfig
    from .demo.config import session_jobs
    from .demo.tree import demo_root, demo_tree, give_back_memory, holds_files

    cfg = src.config or DemoConfig()
    root, _key = demo_root(cfg, src.out)
    bar = report or silent
    count, written = len(session_jobs(cfg)), [0.0]  # sessions in the tree; the share of it written
    refs: dict[int, Any] = {}  # session key -> SessionRef, in the season's order
    loads, handled = [], set()

    def done() -> float:
        return 0.5 * written[0] + 0.5 * len(handled) / count

    def writing(share: float, text: str) -> None:
        written[0] = share
        bar(done(), text)

    with ExitStack() as stack:
        @functools.cache
        def client():
            """Made when the first session is written: the worker processes that write the tree
            start first, and this process imports the client and the loader meanwhile."""
            from .archive.client import ArchiveClient

            return stack.enter_context(ArchiveClient(base_url=root.resolve().as_uri() + "/", cache_dir=root / ".cache",
                                                     progress=src.progress and report is None))

        def season() -> dict[int, Any]:  # the season index is the tree's first file: read once
            if not refs:
                refs.update((ref.session_key, ref) for ref in client().season(cfg.year))
            return refs

        def load_session(key: int) -> None:
            from .bronze.load import load_archive_session

            ref = season()[key]
            if not (src.skip_loaded and holds_files(lake, key, root / ref.path)):
                bar(done(), f"loading {ref.session_name} into Bronze")
                loads.append(load_archive_session(lake, client(), ref))
                give_back_memory()  # the next session's decode then starts from the same footprint
            handled.add(key)

        demo_tree(cfg, src.out, writing, on_written=lambda session: load_session(session.session_key),
                  started=src.writers)
        written[0] = 1.0
        for key in [key for key in season() if key not in handled]:  # a tree made before: all of it
            load_session(key)
    order = list(refs)
    loads.sort(key=lambda load: order.index(load.session_key))  # the season's order, whichever was written first
    if loads or not src.skip_loaded:
        return _Loaded(loads, [load.session_key for load in loads])
    keys = [k for (k,) in lake.raw.execute(f"SELECT session_key FROM bronze.sessions WHERE year = {int(cfg.year)} "
                                           "ORDER BY session_key").fetchall()]
    return _Loaded([], [] if _built(lake, keys) else keys)


def _built(lake, keys: list[int]) -> bool:
    """Every session in `keys` has Silver and Gold rows (a build commits all models at once)."""
    if not keys or not (lake.columns("silver", "drivers") and lake.columns("gold", "results")):
        return False
    marks = ",".join(str(int(k)) for k in keys)
    row = lake.raw.execute(f"SELECT (SELECT count(DISTINCT session_key) FROM silver.drivers WHERE session_key IN ({marks})),"
                           f" (SELECT count(DISTINCT session_key) FROM gold.results WHERE session_key IN ({marks}))"
                           ).fetchone()
    return row == (len(keys), len(keys))


__all__ = ["ArchivePath", "ArchiveSession", "Demo", "IngestReport", "LiveBatch", "Recording", "ingest"]
