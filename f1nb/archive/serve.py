"""A local archive server in F1's URL layout, for tests and `f1nb serve-archive DIR`.

Serves `root/{year}/{meeting}/{session}/{Topic}.jsonStream` as
`/{year}/{meeting}/{session}/{Topic}.jsonStream` (non-ASCII paths
percent-decoded), with a correct Content-Length and 404 for what is missing.
Where the tree lacks them it generates the season `{year}/Index.json` (from
the sessions' SessionInfo files) and each session's `Index.json` (from the
topic files present). A real season index in the tree is served unchanged,
even when it misses sessions that are in the tree.

`faults` injects failures for tests: a mapping from an exact path or a path
suffix to a list of faults consumed one per matching request:
"500", "503", "404", "timeout" (answer only after `timeout_delay` seconds),
"truncate" (announce more bytes than are sent, then close) and "reset"
(close the connection with an RST and no answer).

`bandwidth` (bytes/s shared by every answer) and `latency` (seconds before each
answer) make it as slow as a remote archive, for benchmarks of downloading.
"""

from __future__ import annotations

import http.server
import socket
import struct
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import unquote, urlsplit

import orjson

from ..decode.jsonstream import parse_jsonstream
from ..errors import ArchiveError

# A thread serves each connection: without a bound, every idle client kept one forever.
IDLE_TIMEOUT_S = 30.0
FAULT_KINDS = ("500", "503", "404", "timeout", "truncate", "reset")
_PACE_CHUNK = 64 * 1024  # the most bytes sent at a time under a `bandwidth` limit


def _session_info(path: Path) -> dict:
    try:
        messages, _ = parse_jsonstream("SessionInfo", path.read_bytes())
    except OSError:
        return {}
    info: dict = {}
    for m in messages:
        value = orjson.loads(m.payload)
        if isinstance(value, dict):
            for k, v in value.items():
                if isinstance(v, dict) and isinstance(info.get(k), dict):
                    info[k].update(v)
                else:
                    info[k] = v
    return info


def generate_season_index(root: Path, year: int) -> bytes | None:
    """A season Index.json built from `root/{year}/*/*/SessionInfo.jsonStream` (None: no sessions)."""
    year_dir = Path(root) / str(year)
    meetings: dict[object, dict] = {}
    for info_file in sorted(year_dir.glob("*/*/SessionInfo.jsonStream")):
        info = _session_info(info_file)
        if not info:
            continue
        meeting = info.get("Meeting") if isinstance(info.get("Meeting"), dict) else {}
        mkey = meeting.get("Key") or info_file.parent.parent.name
        m = meetings.get(mkey)
        if m is None:
            m = meetings[mkey] = {"Sessions": []}
        for field in ("Key", "Code", "Number", "Location", "OfficialName", "Name", "Country", "Circuit"):
            if field in meeting and field not in m:  # merged over the meeting's sessions
                m[field] = meeting[field]
        session = {}
        for field in ("Key", "Type", "Number", "Name", "StartDate", "EndDate", "GmtOffset"):
            if field in info:
                session[field] = info[field]
        session["Path"] = info_file.parent.relative_to(root).as_posix() + "/"
        m["Sessions"].append(session)
    if not meetings:
        return None
    for mkey, m in meetings.items():
        if "Name" not in m:
            folder = m["Sessions"][0]["Path"].split("/")[1]
            m["Name"] = folder.split("_", 1)[-1].replace("_", " ")
        # the real format lists meeting fields before Sessions
        meetings[mkey] = {**{k: v for k, v in m.items() if k != "Sessions"}, "Sessions": m["Sessions"]}
    ordered = sorted(meetings.values(), key=lambda m: min(s.get("StartDate") or "9999" for s in m["Sessions"]))
    for m in ordered:
        m["Sessions"].sort(key=lambda s: s.get("StartDate") or "")
    return b"\xef\xbb\xbf" + orjson.dumps({"Year": year, "Meetings": ordered})


def generate_session_index(session_dir: Path) -> bytes | None:
    """A session Index.json listing the topic files present (None: not a session folder)."""
    streams = sorted(p.name[: -len(".jsonStream")] for p in Path(session_dir).glob("*.jsonStream"))
    if not streams:
        return None
    feeds = {t: {"KeyFramePath": f"{t}.json", "StreamPath": f"{t}.jsonStream"} for t in streams}
    return b"\xef\xbb\xbf" + orjson.dumps({"Feeds": feeds})


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "f1nb-archive/1"
    timeout = IDLE_TIMEOUT_S  # an idle keep-alive connection is closed, and its thread ends
    archive: ArchiveServer  # set on the subclass made per server

    def log_message(self, format, *args):  # quiet
        pass

    def do_HEAD(self):
        self._serve(head=True)

    def do_GET(self):
        self._serve(head=False)

    def _send(self, status: int, body: bytes, content_type: str = "application/octet-stream", head: bool = False,
              announce: int | None = None, close: bool = False) -> None:
        self._answered()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body) if announce is None else announce))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if not head:
            self.archive._pace_and_write(self.wfile, body)

    def _answered(self) -> None:
        """The request stops counting as in flight once its answer starts: the client can have
        the whole answer, and send its next request, before this thread runs again (a busy
        machine made `max_inflight` one too many)."""
        if self._in_flight:
            self._in_flight = False
            self.archive._leave()

    def _serve(self, head: bool) -> None:
        raw_path = urlsplit(self.path).path
        rel = unquote(raw_path, encoding="utf-8", errors="replace") if raw_path else "/"
        srv = self.archive
        srv._record(rel, dict(self.headers.items()))
        srv._enter()
        self._in_flight = True
        try:
            fault = srv._take_fault(rel.lstrip("/"))
            if fault == "reset":
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.close_connection = True
                self.connection.close()
                return
            if fault == "timeout":
                time.sleep(srv.timeout_delay)
            elif fault in ("500", "503", "404"):
                msg = f"injected fault {fault}\n".encode()
                self._send(int(fault), msg, "text/plain", head)
                return
            body, ctype = srv.resolve(rel)
            if body is None:
                self._send(404, b"not found\n", "text/plain", head)
                return
            if fault == "truncate":
                half = body[: len(body) // 2]
                self._send(200, half, ctype, head, announce=len(body), close=True)
                return
            self._send(200, body, ctype, head)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        finally:
            self._answered()


class _HTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):  # clients hanging up are not errors
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError, OSError)):
            return
        super().handle_error(request, client_address)


class ArchiveServer:
    """Serve an archive tree over HTTP on a daemon thread. Use as a context manager."""

    def __init__(
        self,
        root: str | Path,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: Mapping[str, Sequence[str]] | None = None,
        generate_indexes: bool = True,
        timeout_delay: float = 2.0,
        idle_timeout: float = IDLE_TIMEOUT_S,
        bandwidth: float | None = None,
        latency: float = 0.0,
    ) -> None:
        self.root = Path(root).resolve()
        self.host = host
        self.port = port
        self.generate_indexes = generate_indexes
        self.timeout_delay = timeout_delay
        self.idle_timeout = idle_timeout
        self.bandwidth = bandwidth
        self.latency = latency
        self._link_free = 0.0  # when the shared link (`bandwidth`) has sent what it was given
        self.requests: list[str] = []  # decoded URL paths, e.g. "/2019/Index.json", in arrival order
        self.request_headers: list[dict[str, str]] = []
        self.max_inflight = 0  # most requests waiting for their answer at once (concurrency tests)
        self._inflight = 0
        self._faults: dict[str, list[str]] = {}
        self._lock = threading.Lock()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        for key, kinds in (faults or {}).items():
            self.add_faults(key, kinds)

    # -- faults and bookkeeping

    def add_faults(self, path: str, kinds: Sequence[str]) -> None:
        kinds = [str(k) for k in kinds]
        bad = [k for k in kinds if k not in FAULT_KINDS]
        if bad:
            raise ValueError(f"unknown fault kinds {bad}; use {', '.join(FAULT_KINDS)}")
        with self._lock:
            self._faults.setdefault(path.lstrip("/"), []).extend(kinds)

    def _take_fault(self, rel: str) -> str | None:
        with self._lock:
            for key, queue in self._faults.items():
                if queue and (rel == key or rel.endswith(key)):
                    return queue.pop(0)
        return None

    def _record(self, rel: str, headers: dict[str, str]) -> None:
        with self._lock:
            self.requests.append(rel)
            self.request_headers.append(headers)

    def _enter(self) -> None:
        with self._lock:
            self._inflight += 1
            self.max_inflight = max(self.max_inflight, self._inflight)

    def _leave(self) -> None:
        with self._lock:
            self._inflight -= 1

    def _pace_and_write(self, out, body: bytes) -> None:
        """Write `body`, after `latency` and no faster than `bandwidth` over all answers together
        (read at each chunk: a test may lift it while an answer is under way)."""
        if self.latency:
            time.sleep(self.latency)
        start = 0
        while start < len(body):
            rate = self.bandwidth
            if not rate:
                out.write(body[start:])
                return
            # at most 1/20 s of the link at a time: bytes keep arriving, as from a slow server,
            # rather than a client's read timeout passing between two chunks
            chunk = body[start:start + max(1, min(_PACE_CHUNK, int(rate / 20)))]
            start += len(chunk)
            with self._lock:  # the chunk's turn on the link
                done = max(time.monotonic(), self._link_free) + len(chunk) / rate
                self._link_free = done
            time.sleep(max(0.0, done - time.monotonic()))
            out.write(chunk)

    def clear_requests(self) -> None:
        with self._lock:
            self.requests.clear()
            self.request_headers.clear()

    # -- content

    def resolve(self, rel: str) -> tuple[bytes | None, str]:
        """URL path (decoded) -> (body, content type), or (None, _) for 404."""
        parts = [p for p in rel.split("/") if p]
        if any(p in (".", "..") or "\\" in p or "\x00" in p for p in parts) or not parts:
            return None, "text/plain"
        target = self.root.joinpath(*parts)
        try:
            target.resolve().relative_to(self.root)
        except ValueError:
            return None, "text/plain"
        ctype = "application/json" if parts[-1].endswith(".json") else "application/octet-stream"
        if target.is_file():
            return target.read_bytes(), ctype
        if self.generate_indexes and parts[-1] == "Index.json":
            if len(parts) == 2 and parts[0].isascii() and parts[0].isdigit():  # not '²', which int() refuses
                return generate_season_index(self.root, int(parts[0])), ctype
            if len(parts) == 4:
                return generate_session_index(target.parent), ctype
        return None, ctype

    # -- lifecycle

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("server not started")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/"

    def start(self) -> ArchiveServer:
        if self._httpd is not None:
            return self
        handler = type("Handler", (_Handler,), {"archive": self, "timeout": self.idle_timeout})
        try:
            httpd = _HTTPServer((self.host, self.port), handler)
        except (OSError, OverflowError) as exc:
            raise ArchiveError(f"cannot serve on {self.host}:{self.port}: {exc}; pick another --port "
                               "(or 0 for any free one)") from None
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="f1nb-archive-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> ArchiveServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def serve_forever(root: str | Path, host: str = "127.0.0.1", port: int = 8000) -> None:
    """`f1nb serve-archive DIR`: serve until Ctrl-C, printing the URL to pass as --archive-url."""
    server = ArchiveServer(root, host=host, port=port).start()
    print(f"serving {server.root} at {server.url}", flush=True)
    print(f"use it with: f1nb --archive-url {server.url} sessions YEAR", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        print("stopped", file=sys.stderr)
