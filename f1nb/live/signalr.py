"""A client for F1's live-timing endpoint: classic SignalR (`/signalr`) or SignalR Core (`/signalrcore`).

Runs in a background thread with its own asyncio loop, so a Jupyter kernel
never blocks: `start()`, `stop()`, `join()`. Every decoded message goes to
`on_message(item)` (a `Message`, or a `Reject` for an undecodable `.z`
payload) and to the thread-safe `queue` when no callback is given.

Reconnects: no frame (data, keep-alive or ping) for `heartbeat_timeout`
seconds, or a dropped connection, means reconnect with exponential backoff.
Each new connection's Subscribe reply is a fresh full state. **Dedup rule:**
the client keeps every topic's merged state; a topic of the re-sent state
whose content (lists as index-keyed dicts, `_kf` ignored) equals ours is
dropped; one that differs (updates missed while disconnected) is emitted
once, as one message carrying the server's full state for that topic, and
replaces ours. So a reconnect never doubles a message, and whatever was
missed reaches Bronze as one state message per changed topic.

The F1TV token (`F1NB_F1TV_TOKEN`) is sent as `Authorization: Bearer` on the
negotiate request and the WebSocket, to F1's host only; it is never logged
or stored. Without it, F1 streams no `CarData.z` / `Position.z`.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import queue
import threading
import time
from collections import OrderedDict, defaultdict
from collections.abc import Callable
from datetime import datetime
from urllib.parse import quote, urlsplit, urlunsplit

import httpx
import orjson

from .. import config
from ..decode.jsonstream import check_z_payload, is_compressed_topic
from ..decode.limits import MAX_DEPTH, depth_exceeds
from ..decode.messages import Message, Reject
from ..decode.timeparse import parse_utc
from ..errors import DecodeError
from . import frames
from ..decode.merge import merge_state, merge_value, normalise

log = logging.getLogger(__name__)

F1_CLASSIC_URL = f"https://{config.F1_HOST}/signalr"
F1_CORE_URL = f"https://{config.F1_HOST}/signalrcore"
CONNECTION_DATA = '[{"name":"Streaming"}]'
TOPICS = (
    "Heartbeat", "CarData.z", "Position.z", "ExtrapolatedClock", "TopThree", "TimingStats", "TimingAppData",
    "WeatherData", "TrackStatus", "SessionStatus", "DriverList", "RaceControlMessages", "SessionInfo",
    "SessionData", "LapCount", "TimingData", "TeamRadio", "PitLaneTimeCollection", "ChampionshipPrediction",
    "TyreStintSeries", "DriverRaceInfo", "LapSeries", "PitStopSeries", "PitStop", "CurrentTyres",
)
LIVE_FRAME_TOPIC = "(live frame)"  # reject rows of frames whose topic is unknown
RECENT_FRAMES = 10_000  # feeds remembered to drop exact duplicates
# F1's largest message, the Subscribe reply's full state, is a few MB; a bigger one is refused
# (the connection drops and reconnects) rather than held in memory whatever its size.
MAX_MESSAGE_BYTES = 128 * 1024 * 1024
NO_TOKEN_WARNING = ("f1nb live: no F1TV token (set F1NB_F1TV_TOKEN): F1 streams CarData.z and Position.z "
                    "only to signed-in clients, so car telemetry and positions will be missing")


def _ws_url(http_url: str) -> str:
    parts = urlsplit(http_url)
    return urlunsplit(({"https": "wss", "http": "ws"}.get(parts.scheme, parts.scheme),) + tuple(parts[1:]))


def _printable(value) -> str:
    """A value as text for a reject row, whatever it holds (too deep for repr, not JSON)."""
    try:
        return orjson.dumps(value).decode()
    except (TypeError, ValueError):
        try:
            return repr(value)[:10_000]
        except RecursionError:
            return f"<{type(value).__name__} nested too deep to print>"


def _is_loopback(url: str) -> bool:
    return urlsplit(url).hostname in ("127.0.0.1", "localhost", "::1")


class LiveClient:
    def __init__(self, url: str | None = None, core: bool = False, topics=TOPICS,
                 on_message: Callable | None = None, on_status: Callable[[str], None] | None = None,
                 token: str | None = None, heartbeat_timeout: float = 30.0,
                 backoff: tuple[float, float] = (0.5, 30.0), connect_timeout: float = 10.0):
        self.core = core
        self.url = (url or (F1_CORE_URL if core else F1_CLASSIC_URL)).rstrip("/")
        self.topics = list(topics)
        self.queue: queue.Queue = queue.Queue()
        self.on_message = on_message or self.queue.put
        self.on_status = on_status
        self._token = token if token is not None else config.f1tv_token()
        self.heartbeat_timeout = heartbeat_timeout
        self.backoff = backoff
        self.connect_timeout = connect_timeout
        self.state: dict = {}  # topic -> merged state
        self._seq: dict[str, int] = defaultdict(int)
        self.status_lines: list[str] = []
        self.connects = 0
        self.feeds_received = 0
        self.states_received = 0
        self.resent_dropped = 0  # topics of a re-sent state equal to ours
        self.resent_emitted = 0  # topics of a re-sent state that differed
        self.emitted = 0
        self.rejected = 0  # frames (or topics of a state) that could not be used: each a reject row
        self.duplicates_dropped = 0
        self._recent: OrderedDict[bytes, None] = OrderedDict()  # digests of the last RECENT_FRAMES feeds
        self._undated: list[tuple[str, str]] = []  # a state reply's topics, waiting for a time
        self.last_frame = 0.0
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task | None = None
        self._stopping = threading.Event()
        self._ready = threading.Event()
        self._ws = None

    def __repr__(self) -> str:  # never shows the token
        return f"LiveClient({self.url!r}, core={self.core}, connects={self.connects})"

    # -- status ---------------------------------------------------------------------
    def _status(self, line: str) -> None:
        self.status_lines.append(line)
        log.info(line)
        if self.on_status:
            self.on_status(line)

    def _sends_token(self, url: str) -> bool:
        parts = urlsplit(url)  # never over plain http:// or ws://, where anyone on the path could read it
        return bool(self._token) and parts.scheme in ("https", "wss") and parts.hostname == config.F1_HOST

    def _headers(self, url: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token}"} if self._sends_token(url) else {}

    # -- thread lifecycle -----------------------------------------------------------
    def start(self) -> LiveClient:
        if self._thread and self._thread.is_alive():
            return self
        if not self._sends_token(self.url):
            if urlsplit(self.url).hostname == config.F1_HOST:
                self._status(NO_TOKEN_WARNING)
        self._stopping.clear()
        self._thread = threading.Thread(target=asyncio.run, args=(self._main(),), name="f1nb-live-client",
                                        daemon=True)
        self._thread.start()
        self._ready.wait(5)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop now (any time, also mid-connect); returns when the thread has ended."""
        self._stopping.set()
        if self._loop and self._task and not self._loop.is_closed():
            try:
                self._loop.call_soon_threadsafe(self._task.cancel)
            except RuntimeError:
                pass
        self.join(timeout)

    def join(self, timeout: float | None = None) -> None:
        if self._thread:
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return bool(self._thread and self._thread.is_alive())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._task = asyncio.current_task()
        self._ready.set()
        delay = self.backoff[0]
        try:
            while not self._stopping.is_set():
                subscribed = False
                try:
                    subscribed = await self._session()
                    reason = "server closed the connection"
                except asyncio.TimeoutError:
                    reason = f"no message for {self.heartbeat_timeout:g} s"
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # network errors of every kind: reconnect
                    reason = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
                    subscribed = subscribed or getattr(exc, "_f1nb_subscribed", False)
                if self._stopping.is_set():
                    break
                if subscribed:
                    delay = self.backoff[0]
                self._status(f"f1nb live: disconnected ({reason}); reconnecting in {delay:.2g} s")
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.backoff[1])
        except asyncio.CancelledError:
            pass
        finally:
            self._emit_undated(None)
            self._status("f1nb live: client stopped")

    # -- one connection -------------------------------------------------------------
    async def _negotiate(self) -> tuple[str, dict[str, str]]:
        headers = self._headers(self.url)
        async with httpx.AsyncClient(timeout=self.connect_timeout, trust_env=not _is_loopback(self.url)) as http:
            if self.core:
                r = await http.post(f"{self.url}/negotiate", params={"negotiateVersion": "1"}, headers=headers)
            else:
                r = await http.get(f"{self.url}/negotiate",
                                   params={"connectionData": CONNECTION_DATA, "clientProtocol": "1.5"}, headers=headers)
            r.raise_for_status()
            body = r.json()
            cookies = "; ".join(f"{k}={v}" for k, v in r.cookies.items())
        token = body.get("connectionToken") or body.get("connectionId") if self.core else body.get("ConnectionToken")
        if not token:
            raise ConnectionError(f"negotiate answered without a connection token ({sorted(body)})")
        ws_headers = dict(headers)
        if cookies:
            ws_headers["Cookie"] = cookies
        return token, ws_headers

    def _ws_target(self, token: str) -> str:
        base = _ws_url(self.url)
        if self.core:
            return f"{base}?id={quote(token, safe='')}"
        return (f"{base}/connect?transport=webSockets&clientProtocol=1.5&connectionToken={quote(token, safe='')}"
                f"&connectionData={quote(CONNECTION_DATA, safe='')}")

    async def _session(self) -> bool:
        from websockets.asyncio.client import connect

        token, headers = await self._negotiate()
        kwargs = {"proxy": None} if _is_loopback(self.url) else {}
        subscribed = False
        async with connect(self._ws_target(token), additional_headers=headers, max_size=MAX_MESSAGE_BYTES,
                           open_timeout=self.connect_timeout, close_timeout=1, **kwargs) as ws:
            self._ws = ws
            self.connects += 1
            if self.core:
                await ws.send(frames.core_handshake())
                await ws.send(frames.core_subscribe(self.topics))
            else:
                await ws.send(frames.classic_subscribe(self.topics))
            self._status(f"f1nb live: connected to {self.url} ({'core' if self.core else 'classic'}), "
                         f"subscribed to {len(self.topics)} topics")
            try:
                while not self._stopping.is_set():
                    text = await asyncio.wait_for(ws.recv(), timeout=self.heartbeat_timeout)
                    self.last_frame = time.monotonic()
                    kinds = self.on_text(text)
                    subscribed = subscribed or "state" in kinds
                    if "close" in kinds:
                        return subscribed
            except Exception as exc:
                exc._f1nb_subscribed = subscribed
                raise
        return subscribed

    # -- messages -------------------------------------------------------------------
    def on_text(self, text: str | bytes) -> set[str]:
        """One WebSocket message: its feeds and states go to `on_message` (an unusable frame as a
        reject row with its raw text); returns the kinds of events it held. Never raises."""
        parse = frames.parse_core if self.core else frames.parse_classic
        try:
            events = parse(text)
        except (ValueError, UnicodeDecodeError) as exc:  # orjson's errors are ValueErrors
            self._reject(LIVE_FRAME_TOPIC, text, f"unreadable frame: {type(exc).__name__}: {exc}")
            return set()
        for event in events:
            if event.kind in ("feed", "bad"):
                self._on_feed(event, text)
            elif event.kind == "state":
                self._on_state(event.payload)
            elif event.error:
                self._status(f"f1nb live: server error: {event.error}")
        return {event.kind for event in events}

    def _reject(self, topic: str, raw, reason: str) -> None:
        """A frame (or one topic of it) that cannot be used: a reject row with its raw text."""
        raw = raw if isinstance(raw, str) else bytes(raw).decode("utf-8", "backslashreplace")
        self.rejected += 1
        self.on_message(Reject(topic, self.rejected, raw[:10_000], reason))

    @staticmethod
    def _payload_text(topic: str, value) -> str:
        """The payload as Bronze keeps it (JSON text; `.z`: the base64 DEFLATE text as
        received, once it is known to inflate to JSON). DecodeError if unusable."""
        if isinstance(value, str) and is_compressed_topic(topic):
            check_z_payload(value)
            return value
        if depth_exceeds(value):  # before the merge and dumps, which recurse (dumps stops at 255)
            raise DecodeError(f"payload nested deeper than {MAX_DEPTH} levels")
        return orjson.dumps(value).decode("utf-8")

    def _emit(self, topic: str, text: str, utc: datetime | None) -> None:
        if utc is not None and self._undated:
            self._emit_undated(utc)
        seq = self._seq[topic]
        self._seq[topic] = seq + 1
        self.emitted += 1
        self.on_message(Message(topic, seq, None, utc, text))

    def _emit_undated(self, utc: datetime | None) -> None:
        """A Subscribe reply with no usable clock is dated by the first time that follows it: its
        topics were the state just before that frame. With none (the client stops first), they go
        out undated and the sink dates them."""
        undated, self._undated = self._undated, []
        for topic, text in undated:
            self._emit(topic, text, utc)

    def _is_duplicate(self, topic: str, utc: str, text: str) -> bool:
        """An exact repeat (topic, utc, payload) of a recent frame: F1 sends no such thing twice."""
        key = hashlib.blake2b(f"{topic}\x00{utc}\x00{text}".encode("utf-8", "surrogatepass"), digest_size=16).digest()
        if key in self._recent:
            self.duplicates_dropped += 1
            return True
        self._recent[key] = None
        if len(self._recent) > RECENT_FRAMES:
            self._recent.popitem(last=False)
        return False

    def _on_feed(self, event: frames.Event, raw=None) -> None:
        """One feed frame (`raw`: the WebSocket message it came in, kept with a reject)."""
        self.feeds_received += 1
        topic = event.topic or LIVE_FRAME_TOPIC
        try:
            if event.kind == "bad":
                raise DecodeError(event.error)
            utc = parse_utc(event.utc)  # a bad one is rejected: the wall clock would give a wrong offset
            text = self._payload_text(event.topic, event.payload)
        except DecodeError as exc:
            self._reject(topic, raw if raw is not None else _printable([event.topic, event.payload, event.utc]), str(exc))
            return
        if self._is_duplicate(event.topic, event.utc, text):
            return
        if is_compressed_topic(event.topic):
            self.state[event.topic] = event.payload
        else:
            merge_state(self.state, event.topic, event.payload)
        self._emit(event.topic, text, utc)

    def _state_clock(self, state: dict) -> datetime | None:
        """The Subscribe reply's time: its Heartbeat's Utc. The wall clock is never used (it would
        give a replay, or a late subscriber, wrong offsets); a bad Utc rejects the Heartbeat."""
        hb = state.get("Heartbeat")
        if not isinstance(hb, dict) or "Utc" not in hb:
            return None
        try:
            if not isinstance(hb["Utc"], str):
                raise DecodeError("utc is not a string")
            return parse_utc(hb["Utc"])
        except DecodeError as exc:
            self._reject("Heartbeat", _printable(hb), f"Subscribe reply: bad UTC in Heartbeat: {exc}")
            del state["Heartbeat"]
            return None

    def _on_state(self, state: dict) -> None:
        self.states_received += 1
        state = dict(state)
        utc = self._state_clock(state)
        first = self.states_received == 1
        for topic, value in state.items():
            try:
                text = self._payload_text(topic, value)
            except DecodeError as exc:
                self._reject(topic, _printable(value), str(exc))
                continue
            if topic in self.state and normalise(self.state[topic]) == normalise(value):
                self.resent_dropped += 1
                continue
            if not first and topic in self.state:
                self.resent_emitted += 1
            self.state[topic] = value if is_compressed_topic(topic) else merge_value(None, value)
            if utc is None:
                self._undated.append((topic, text))
            else:
                self._emit(topic, text, utc)

__all__ = ["LiveClient", "NO_TOKEN_WARNING", "TOPICS", "F1_CLASSIC_URL", "F1_CORE_URL"]
