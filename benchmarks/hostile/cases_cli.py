"""Issue 17 item 12: CLI inputs that must end in one clear line."""

from __future__ import annotations

import sys
from pathlib import Path

GET = """
import http.client, sys
from f1nb.archive.serve import ArchiveServer
with ArchiveServer(sys.argv[1]) as server:
    c = http.client.HTTPConnection("127.0.0.1", int(server.url.rsplit(":", 1)[1].strip("/")), timeout=10)
    c.request("GET", "/%C2%B2/Index.json")
    try:
        print("NOTE: HTTP", c.getresponse().status)
    except Exception as exc:
        print("NOTE: connection dropped:", type(exc).__name__)
"""
PORT_IN_USE = """
import socket, subprocess, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
sys.exit(subprocess.call([sys.executable, "-c", "import sys; from f1nb.cli import main; sys.exit(main())",
                          "serve-archive", sys.argv[1], "--port", str(s.getsockname()[1])], timeout=20))
"""


def cases(Case, f1nb):
    def cli(*args: str):
        return lambda tmp: (f1nb(*args), None)

    def demo_lake(*args: str):
        def setup(tmp: Path):
            return f1nb("--lake", "l.duckdb", *args), None
        return setup

    return [
        Case(12, "--lake /proc/nope/x.duckdb tables", cli("--lake", "/proc/nope/x.duckdb", "tables")),
        Case(12, "--archive-url 'http://[::1' sessions 2019", cli("--archive-url", "http://[::1", "sessions", "2019")),
        Case(12, "export-parquet /proc/nope", cli("--lake", "l.duckdb", "export-parquet", "/proc/nope")),
        Case(12, "demo --laps -1", cli("--lake", "l.duckdb", "demo", "--laps", "-1", "--no-telemetry")),
        Case(12, "demo --rounds 0", cli("--lake", "l.duckdb", "demo", "--rounds", "0", "--no-telemetry")),
        Case(12, "serve-archive DIR --port 99999", lambda tmp: (f1nb("serve-archive", str(tmp), "--port", "99999"), None)),
        Case(12, "serve-archive DIR --port <in use>", lambda tmp: ([sys.executable, "-c", PORT_IN_USE, str(tmp)], None)),
        Case(12, "GET /%C2%B2/Index.json against serve-archive", lambda tmp: ([sys.executable, "-c", GET, str(tmp)], None)),
        Case(12, "load --recording /etc/passwd", demo_lake("load", "--recording", "/etc/passwd", "--no-build")),
        Case(12, "check no.such", demo_lake("check", "no.such")),
    ]
