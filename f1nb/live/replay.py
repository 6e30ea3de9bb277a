"""A local live-timing server that replays a recording, an archive session or the demo.

Speaks both protocols on one port: classic at ``/signalr`` (GET ``/signalr/negotiate``,
WebSocket ``/signalr/connect``) and Core at ``/signalrcore`` (POST
``/signalrcore/negotiate``, WebSocket ``/signalrcore?id=…``). A subscriber
first gets the full state (the source's initial state deep-merged with every
feed played so far), then the `feed` messages paced by their source clock ÷
`speed` (``speed=0``: as fast as possible).

One timeline is shared by all connections. It starts when the first client
has subscribed. With `pause_when_idle` (the default) the timeline waits while no client is subscribed, so a reconnecting
client resumes exactly where it left off; without it the timeline runs on
and a reconnecting client misses what played meanwhile (it arrives in the
next full state instead), as on F1's servers.

`force_disconnect()` (or `disconnect_after=[n, …]`: after the n-th feed)
drops every connection abruptly for tests: the TCP connection is closed
without a WebSocket close frame, after what was already sent is flushed.
`ended` is set when the last feed has been sent.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from urllib.parse import parse_qs, urlsplit

import orjson

from . import frames
from ..decode.merge import merge_value
from .sources import ReplaySource, load_source


class _Conn:
    def __init__(self, proto, writer, core: bool):
        self.proto, self.writer, self.core = proto, writer, core
        self.subscribed = False
        self.topics: set[str] = set()  # subscribed topics (empty: all)

    def send(self, text: str) -> None:
        self.proto.send_text(text.encode("utf-8"))
        self.flush()

    def flush(self) -> None:
        data = self.proto.data_to_send()
        for chunk in data:
            if chunk == b"":
                self.writer.close()
            else:
                self.writer.write(chunk)


class ReplayServer:
    def __init__(self, source, speed: float = 0.0, host: str = "127.0.0.1", port: int = 0, start_ms: int = 0,
                 pause_when_idle: bool = True, keepalive: float = 5.0, disconnect_after=()):
        self.source: ReplaySource = source if isinstance(source, ReplaySource) else load_source(source, start_ms)
        self.speed = speed
        self.host, self.port = host, port
        self.pause_when_idle = pause_when_idle
        self.keepalive = keepalive
        self.disconnect_after = set(disconnect_after)
        self.state: dict = {k: merge_value(None, v) if isinstance(v, dict) else v for k, v in self.source.state.items()}
        self.cursor = 0  # index of the next feed item
        self.feeds_sent = 0
        self.connections = 0
        self.disconnects = 0
        self.ended = threading.Event()
        self._conns: list[_Conn] = []
        self._subs_event: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self.error: BaseException | None = None

    # -- lifecycle ------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def classic_url(self) -> str:
        return self.url + "/signalr"

    @property
    def core_url(self) -> str:
        return self.url + "/signalrcore"

    def start(self) -> ReplayServer:
        self._thread = threading.Thread(target=asyncio.run, args=(self._main(),), name="f1nb-replay", daemon=True)
        self._thread.start()
        if not self._ready.wait(10) or self.error:
            raise RuntimeError(f"replay server did not start: {self.error}")
        return self

    def stop(self) -> None:
        if self._loop and self._stop and not self._loop.is_closed():
            try:
                self._loop.call_soon_threadsafe(self._stop.set)
            except RuntimeError:
                pass
        if self._thread:
            self._thread.join(5)

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def force_disconnect(self) -> None:
        if self._loop:
            self._loop.call_soon_threadsafe(self._drop_all)

    def _drop_all(self) -> None:
        for conn in list(self._conns):
            conn.writer.close()  # flushes what is buffered, then FIN: no close frame
        self._conns.clear()
        self.disconnects += 1
        self._subs_event.clear()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        self._subs_event = asyncio.Event()
        try:
            server = await asyncio.start_server(self._handle, self.host, self.port)
        except OSError as exc:
            self.error = exc
            self._ready.set()
            return
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        producer = asyncio.create_task(self._produce())
        keepalive = asyncio.create_task(self._keepalive())
        async with server:
            await self._stop.wait()
            producer.cancel()
            keepalive.cancel()
            for conn in list(self._conns):
                conn.writer.close()
            server.close()

    # -- HTTP + WebSocket -----------------------------------------------------------
    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = None
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            method, target = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ")[:2]
            parts = urlsplit(target)
            path = parts.path.rstrip("/")
            if path in ("/signalr/negotiate", "/signalrcore/negotiate"):
                self._negotiate(writer, path.startswith("/signalrcore"), method, parse_qs(parts.query))
                await writer.drain()
                writer.close()
                return
            if path not in ("/signalr/connect", "/signalrcore") or b"upgrade: websocket" not in head.lower():
                writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                writer.close()
                return
            from websockets.frames import Opcode
            from websockets.server import ServerProtocol

            proto = ServerProtocol(max_size=1024 * 1024)  # clients send only handshakes and Subscribe
            proto.receive_data(head)
            request = proto.events_received()[0]
            proto.send_response(proto.accept(request))
            conn = _Conn(proto, writer, core=path == "/signalrcore")
            conn.flush()
            self.connections += 1
            self._conns.append(conn)
            if not conn.core:
                conn.send(orjson.dumps({"C": f"d-{self.connections}", "S": 1, "M": []}).decode())
            while True:
                data = await reader.read(65536)
                if not data:
                    proto.receive_eof()
                else:
                    proto.receive_data(data)
                for event in proto.events_received():
                    if event.opcode == Opcode.TEXT:
                        self._on_text(conn, event.data.decode("utf-8"))
                conn.flush()
                await writer.drain()
                if not data or proto.close_expected() or writer.is_closing():
                    break
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            if conn in self._conns:
                self._conns.remove(conn)
                if not any(c.subscribed for c in self._conns):
                    self._subs_event.clear()
            if not writer.is_closing():
                writer.close()

    def _negotiate(self, writer, core: bool, method: str, query: dict) -> None:
        token = uuid.uuid4().hex
        if core:
            if method != "POST":
                writer.write(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
                return
            body = {"negotiateVersion": 1, "connectionId": uuid.uuid4().hex, "connectionToken": token,
                    "availableTransports": [{"transport": "WebSockets", "transferFormats": ["Text", "Binary"]}]}
        else:
            body = {"Url": "/signalr", "ConnectionToken": token, "ConnectionId": uuid.uuid4().hex,
                    "KeepAliveTimeout": 20.0, "DisconnectTimeout": 30.0, "ConnectionTimeout": 110.0,
                    "TryWebSockets": True, "ProtocolVersion": query.get("clientProtocol", ["1.5"])[0],
                    "TransportConnectTimeout": 5.0, "LongPollDelay": 0.0}
        data = orjson.dumps(body)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nSet-Cookie: replay=1; Path=/\r\n"
                     + f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n".encode() + data)

    def _on_text(self, conn: _Conn, text: str) -> None:
        if conn.core:
            for msg in frames.parse_core_client(text):
                if "protocol" in msg:
                    conn.send("{}" + frames.RS)
                elif msg.get("type") == 1 and msg.get("target") == "Subscribe":
                    conn.send(frames.core_completion(self._state_for(conn, msg), str(msg.get("invocationId", "0"))))
                    self._subscribed(conn)
            return
        msg = orjson.loads(text)
        if isinstance(msg, dict) and msg.get("M") == "Subscribe":
            conn.send(frames.classic_state(self._state_for(conn, msg, "A"), str(msg.get("I", "1"))))
            self._subscribed(conn)

    def _state_for(self, conn: _Conn, msg: dict, key: str = "arguments") -> dict:
        args = msg.get(key) or [[]]
        conn.topics = set(args[0]) if args and isinstance(args[0], list) else set()
        return {k: v for k, v in self.state.items() if not conn.topics or k in conn.topics}

    def _subscribed(self, conn: _Conn) -> None:
        conn.subscribed = True
        self._subs_event.set()

    # -- the timeline ---------------------------------------------------------------
    async def _keepalive(self) -> None:
        while True:
            await asyncio.sleep(self.keepalive)
            for conn in list(self._conns):
                if conn.subscribed and not conn.writer.is_closing():
                    conn.send(frames.core_ping() if conn.core else "{}")

    async def _produce(self) -> None:
        try:
            await self._play()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a dead timeline must not leave clients waiting forever
            self.error = exc
            self.ended.set()

    async def _play(self) -> None:
        items = self.source.items
        anchor_wall, anchor_t, t_max = None, 0.0, float("-inf")
        await self._subs_event.wait()  # the timeline starts with the first subscriber
        while self.cursor < len(items):
            item = items[self.cursor]
            if self.pause_when_idle and not self._subs_event.is_set():
                await self._subs_event.wait()
                anchor_wall = None  # re-anchor the clock after a pause
            t_max = max(t_max, item.t)
            if self.speed and self.speed > 0:
                if anchor_wall is None:
                    anchor_wall, anchor_t = time.monotonic(), t_max
                wait = anchor_wall + (t_max - anchor_t) / self.speed - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                    if self.pause_when_idle and not self._subs_event.is_set():
                        continue
            if item.topic.endswith(".z"):
                self.state[item.topic] = item.payload
            else:
                self.state[item.topic] = merge_value(self.state.get(item.topic), item.payload)
            classic = core = None
            for conn in list(self._conns):
                if conn.subscribed and not conn.writer.is_closing() and (not conn.topics or item.topic in conn.topics):
                    if conn.core:
                        core = core or frames.core_feed(item.topic, item.payload, item.utc)
                        conn.send(core)
                    else:
                        classic = classic or frames.classic_feed(item.topic, item.payload, item.utc,
                                                                 f"d-{self.cursor}")
                        conn.send(classic)
            self.cursor += 1
            self.feeds_sent += 1
            if self.feeds_sent in self.disconnect_after:
                self._drop_all()
            if self.cursor % 200 == 0:
                for conn in list(self._conns):
                    try:
                        await conn.writer.drain()
                    except ConnectionError:
                        pass
                await asyncio.sleep(0)
        self.ended.set()
