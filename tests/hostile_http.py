"""A local HTTP server that answers like a broken network: captive-portal HTML, bodies cut short,
gzip bombs, a byte at a time, redirect loops. Used by tests/test_archive_hostile.py and
benchmarks/hostile/."""

from __future__ import annotations

import gzip
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BOM = b"\xef\xbb\xbf"
SESSION_INFO = BOM + b'00:00:00.000{"Key":1,"Name":"Race","Path":"2031/M/S/"}\r\n'
HTML = b"<!DOCTYPE html><html><body>Sign in to the hotel Wi-Fi</body></html>"


class HostileServer:
    """`routes` maps a URL path to a behaviour: ("body", bytes) | ("html",) | ("cut", bytes)
    | ("gzip", decoded_size) | ("drip", bytes, seconds_per_byte) | ("loop",)."""

    def __init__(self, routes: dict[str, tuple]):
        self.routes = routes
        self.requests: list[str] = []
        self.stopping = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                server.requests.append(self.path)
                route = server.routes.get(self.path)
                if route is None:
                    return self._send(404, b"")
                kind, *args = route
                if kind == "body":
                    return self._send(200, args[0])
                if kind == "html":
                    return self._send(200, HTML, content_type="text/html")
                if kind == "cut":  # about half the body (cut inside a record), with a Content-Length that matches
                    return self._send(200, args[0][: len(args[0]) // 2 + 5])
                if kind == "gzip":
                    return self._send(200, gzip.compress(b"\n" * args[0], 9), encoding="gzip")
                if kind == "loop":
                    self.send_response(302)
                    self.send_header("Location", self.path)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return None
                if kind == "drip":
                    body, pause = args
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    for i in range(len(body)):
                        if server.stopping.wait(pause):
                            return None
                        try:
                            self.wfile.write(body[i:i + 1])
                            self.wfile.flush()
                        except OSError:
                            return None
                return None

            def _send(self, status, body, content_type="application/octet-stream", encoding=None):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                if encoding:
                    self.send_header("Content-Encoding", encoding)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        class Quiet(ThreadingHTTPServer):
            def handle_error(self, request, client_address):  # a client hanging up mid-body is the point
                pass

        self._httpd = Quiet(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()


def session_routes(**files: tuple) -> dict[str, tuple]:
    """Routes for session 2031/M/S/: SessionInfo and an Index.json listing `files`' topics,
    overridden by `files` (file name -> behaviour)."""
    topics = {name.split(".jsonStream")[0]: {"StreamPath": name} for name in files if name.endswith(".jsonStream")}
    import orjson

    routes = {"/2031/M/S/SessionInfo.jsonStream": ("body", SESSION_INFO),
              "/2031/M/S/Index.json": ("body", BOM + orjson.dumps({"Feeds": topics}))}
    routes.update({"/2031/M/S/" + name: behaviour for name, behaviour in files.items()})
    return routes


if __name__ == "__main__":  # a manual probe: python tests/hostile_http.py
    with HostileServer(session_routes(**{"TimingData.jsonStream": ("drip", b"x" * 100, 3.0)})) as s:
        print(s.url)
        time.sleep(3600)
