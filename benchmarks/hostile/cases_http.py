"""Issue 17 items 3-7: bad downloads, served by tests/hostile_http.py in the same process."""

from __future__ import annotations

import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[2] / "tests"

SCRIPT = """
import sys, base64, zlib
sys.path.insert(0, %(tests)r)
from hostile_http import HostileServer, session_routes, BOM
from f1nb.cli import main
TIMING = BOM + b"".join(b'00:00:0%%d.000{"Lines":{"44":{"Position":"%%d"}}}\\r\\n' %% (i, i) for i in range(1, 9))
def zline(s, mib):
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    text = b'{"Entries":[],"pad":"' + b"0" * (mib * 1024 * 1024) + b'"}'
    return b'00:00:%%02d.000"%%s"\\r\\n' %% (s, base64.b64encode(c.compress(text) + c.flush()))
routes = session_routes(**{"TimingData.jsonStream": ("body", TIMING)})
%(routes)s
with HostileServer(routes) as server:
    rc = main(["-q", "--lake", "l.duckdb", "--cache", "cache", "--archive-url", server.url, *%(argv)r])
import pathlib

bad = [p.name for p in pathlib.Path("cache").rglob("*") if p.is_file() and (p.read_bytes()[:2] == b"<!"
       or p.stat().st_size > 10_000_000 or (p.name == "TimingData.jsonStream" and p.read_bytes() != TIMING))]
if bad:
    print("NOTE: bad body cached (" + ", ".join(bad) + ")", file=sys.stderr)
sys.exit(rc)
"""

LOAD = ["load", "--path", "2031/M/S/", "--no-build"]
HTTP_CASES = [
    (3, "200 with captive-portal HTML for SessionInfo", 'routes["/2031/M/S/SessionInfo.jsonStream"] = ("html",)', LOAD, {}),
    (3, "200 with captive-portal HTML for Index.json", 'routes["/2031/M/S/Index.json"] = ("html",)', LOAD, {}),
    (3, "200 with captive-portal HTML for TimingData", 'routes["/2031/M/S/TimingData.jsonStream"] = ("html",)', LOAD, {}),
    (3, "TimingData cut to half (Content-Length of the half)",
     'routes["/2031/M/S/TimingData.jsonStream"] = ("cut", TIMING)', LOAD, {}),
    (4, "gzip body decoding to 100 MiB of newlines (limit set to 64 MiB)",
     'routes["/2031/M/S/TimingData.jsonStream"] = ("gzip", 100 * 1024 * 1024)', LOAD, {"F1NB_MAX_FILE_MB": "64"}),
    (5, "body at one byte every 3 s (deadline set to 8 s)",
     'routes["/2031/M/S/TimingData.jsonStream"] = ("drip", TIMING, 3.0)', LOAD, {"F1NB_FILE_DEADLINE_S": "8"}),
    (6, "redirect loop on the season index", 'routes["/2031/Index.json"] = ("loop",)', ["sessions", "2031"], {}),
    (7, "four 30 MiB .z payloads in one file (session bound set to 64 MiB)",
     'routes["/2031/M/S/CarData.z.jsonStream"] = ("body", BOM + b"".join(zline(i, 30) for i in range(4)))\n'
     'routes.update(session_routes(**{"TimingData.jsonStream": ("body", TIMING), '
     '"CarData.z.jsonStream": routes["/2031/M/S/CarData.z.jsonStream"]}))', LOAD, {"F1NB_MAX_INFLATED_MB": "64"}),
]


def cases(Case, f1nb):
    out = []
    for item, name, routes, argv, env in HTTP_CASES:
        def setup(tmp: Path, routes=routes, argv=argv, env=env):
            import os

            os.environ.update(env)  # the runner copies os.environ into the child's environment
            cleanup = (lambda: [os.environ.pop(k, None) for k in env]) if env else None
            script = SCRIPT % {"tests": str(TESTS), "routes": routes, "argv": argv}
            return [sys.executable, "-c", script], cleanup

        out.append(Case(item, name, setup, "python -c '<tests/hostile_http.py server; f1nb main>'"))
    return out
