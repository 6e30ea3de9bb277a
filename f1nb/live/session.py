"""`LiveSession`: client + lake sink + tower model (+ a replay server when given a source).

    live = LiveSession(lake, source="demo", speed=50).start()   # or source=None for F1's live feed
    live.widget()        # the timing tower (ipywidgets), refreshed ≤ 4×/s
    live.stop()          # any time; flushes and leaves the lake consistent
"""

from __future__ import annotations

import time

from ..decode.messages import Message
from ..errors import LiveError
from .recorder import ArchiveRecorder
from .replay import ReplayServer
from .signalr import TOPICS, LiveClient
from .sink import LakeSink, refuse_existing_copy
from .tower import TowerModel


class LiveSession:
    def __init__(self, lake, source=None, speed: float = 1.0, core: bool = False, url: str | None = None,
                 record=None, build: bool = True, build_interval: float = 5.0, on_status=None,
                 disconnect_after=(), replace: bool = False, **client_options):
        self.lake, self.source, self.speed, self.core = lake, source, speed, core
        self.url = url
        self.tower = TowerModel()
        self.server: ReplayServer | None = None
        self.recorder = ArchiveRecorder(record) if record else None
        self.replace = replace
        self.sink = LakeSink(lake, build=build, build_interval=build_interval, recorder=self.recorder,
                             source=str(source) if source else "live", replace=replace)
        self._disconnect_after = disconnect_after
        self._on_status = on_status
        self._client_options = client_options
        self.client: LiveClient | None = None
        self._widgets: list = []
        self.started_at = 0.0

    def _on_message(self, item) -> None:
        self.sink.put(item)
        if isinstance(item, Message):
            self.tower.apply_message(item)

    def start(self) -> LiveSession:
        self.started_at = time.perf_counter()
        url = self.url
        if self.source is not None:
            self.server = ReplayServer(self.source, speed=self.speed, disconnect_after=self._disconnect_after)
            self._refuse_replacing(self.server.source)
            self.server.start()
            url = self.server.core_url if self.core else self.server.classic_url
            if "topics" not in self._client_options:  # a replay: also the source's own (unknown) topics
                src = self.server.source
                extra = sorted({*src.state, *(i.topic for i in src.items)} - set(TOPICS))
                self._client_options["topics"] = [*TOPICS, *extra]
        self.sink.start()
        self.client = LiveClient(url, core=self.core, on_message=self._on_message, on_status=self._on_status,
                                 **self._client_options).start()
        return self

    def _refuse_replacing(self, source) -> None:
        """A replay knows its session before it starts: refuse now, not after the first batch."""
        info = source.state.get("SessionInfo") if isinstance(source.state, dict) else None
        key = info.get("Key") if isinstance(info, dict) else None
        if not self.replace and isinstance(key, int) and key > 0 and info.get("Path"):
            refuse_existing_copy(self.lake.raw, key, self.sink.source)

    def wait(self, timeout: float | None = None) -> bool:
        """Replays: block until the recording has ended and the client has received all of it."""
        if self.server is None:
            raise RuntimeError("wait() needs a replay source; a live session runs until stop()")
        deadline = None if timeout is None else time.monotonic() + timeout
        left = lambda: None if deadline is None else max(0.0, deadline - time.monotonic())  # noqa: E731
        while not self.server.ended.wait(0.1 if deadline is None else min(0.1, left())):
            self._raise_if_failed()
            if deadline is not None and not left():
                return False
        while self.client.feeds_received < self.server.feeds_sent:
            self._raise_if_failed()
            if deadline is not None and time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        self._raise_if_failed()
        return True

    def _raise_if_failed(self) -> None:
        """A dead lake writer or replay timeline ends the session now (one line), not at its end."""
        if self.sink.failed.is_set():
            self.stop()  # stops the client and server, and raises the sink's error
        if self.server is not None and self.server.error is not None:
            err = self.server.error
            self.stop()
            raise LiveError(f"the replay stopped: {type(err).__name__}: {str(err)[:200]}")

    def stop(self) -> None:
        if self.client:
            self.client.stop()
        if self.server:
            self.server.stop()
        self.sink.stop()
        for w in self._widgets:
            w.stop()

    def widget(self, max_fps: float = 4.0):
        from .widget import TowerWidget

        w = TowerWidget(self.tower, max_fps=max_fps).start()
        self._widgets.append(w)
        return w.view

    def summary(self) -> dict:
        rep = self.sink.report()
        rep.update(seconds=time.perf_counter() - self.started_at,
                   connects=self.client.connects if self.client else 0,
                   resent_dropped=self.client.resent_dropped if self.client else 0,
                   resent_emitted=self.client.resent_emitted if self.client else 0)
        if self.server:
            rep.update(feeds_sent=self.server.feeds_sent, feeds_received=self.client.feeds_received)
        if self.recorder and self.recorder.folder:
            rep["recorded"] = str(self.recorder.folder)
        if self.recorder and self.recorder.skipped:
            rep["record_skipped"] = dict(self.recorder.skipped)
        if self.client:
            rep.update(frames_rejected=self.client.rejected, duplicates_dropped=self.client.duplicates_dropped)
        return rep


def replay_into_lake(lake, source, speed: float = 0.0, core: bool = False, record=None, timeout=None,
                     **options) -> dict:
    """Replay `source` over a local server into `lake` with the real client; returns the summary."""
    live = LiveSession(lake, source=source, speed=speed, core=core, record=record, **options).start()
    try:
        live.wait(timeout)
    finally:
        live.stop()
    return live.summary()
