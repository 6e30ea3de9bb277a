"""Issue 17 items 9-11 and 13 (serve-archive threads): live recording, replay, frames."""

from __future__ import annotations

import json
import sys
from pathlib import Path

PATH = "2031/2031-01-02_Test/2031-01-02_Race/"


def _frame(topic, payload, second: int) -> str:
    return json.dumps({"H": "Streaming", "M": "feed", "A": [topic, payload, f"2031-01-02T13:00:{second:02d}.000Z"]})


def _recording(tmp: Path, *extra: str) -> str:
    lines = [_frame("SessionInfo", {"Key": 9100, "Name": "Race", "Path": PATH, "Meeting": {"Name": "T"}}, 0)]
    lines += [_frame("LapCount", {"CurrentLap": i}, i) for i in range(1, 4)] + list(extra)
    (tmp / "rec.txt").write_text("\n".join(lines) + "\n")
    return str(tmp / "rec.txt")


COUNT = """
import duckdb, sys
con = duckdb.connect(sys.argv[1], read_only=True)
m, = con.execute("SELECT count(*) FROM bronze.messages").fetchone()
r, = con.execute("SELECT count(*) FROM bronze.rejects").fetchone()
print(f"NOTE: lake holds {m} messages, {r} rejects")
"""

THREADS = """
import os, socket, sys, threading, time
from f1nb.archive.serve import ArchiveServer
server = ArchiveServer(sys.argv[1]).start()
port = int(server.url.rsplit(":", 1)[1].strip("/"))
socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(300)]
time.sleep(5)
busy = threading.active_count()
time.sleep(35)  # past serve-archive's 30 s idle timeout
print(f"NOTE: threads with 300 idle sockets: {busy} at 5 s, {threading.active_count()} at 40 s", flush=True)
os._exit(0)  # the measure is taken; not timing the shutdown
"""


def cases(Case, f1nb):
    def record(tmp: Path):
        rec = _recording(tmp, _frame("../../../../../PWNED", {"A": 1}, 2), _frame("no/such/dir/TOPIC", {"A": 1}, 3))
        (tmp / "a" / "b").mkdir(parents=True)
        return f1nb("--lake", "l.duckdb", "live", "--no-build", "--replay", rec, "--record", "a/b/rec"), None

    def escaped(tmp: Path) -> bool:
        return any(tmp.rglob("PWNED*"))

    def deep(tmp: Path):
        line = '{"Type":"TimingData","Json":' + "[" * 300 + "]" * 300 + ',"DateTime":"2031-01-02T13:00:02Z"}'
        return f1nb("--lake", "l.duckdb", "live", "--no-build", "--replay", _recording(tmp, line)), None

    def deep_archive(tmp: Path):
        folder = tmp / "tree" / "2031" / "M" / "S"
        folder.mkdir(parents=True)
        bom = "\ufeff"
        (folder / "SessionInfo.jsonStream").write_text(
            bom + '00:00:00.000{"Key":9101,"Name":"Race","Path":"2031/M/S/"}\r\n', encoding="utf-8")
        (folder / "TimingData.jsonStream").write_text(
            bom + '00:00:01.000{"Lines":{"44":{"Position":"1"}}}\r\n00:00:02.000{"Lines":'
            + "[" * 300 + "]" * 300 + '}\r\n', encoding="utf-8")
        return f1nb("--lake", "l.duckdb", "live", "--no-build", "--replay", str(folder)), None

    def duplicate(tmp: Path):
        rec = _recording(tmp, _frame("LapCount", {"CurrentLap": 3}, 3))  # the frame before it, again
        cmd = " ".join(f"'{a}'" for a in f1nb("--lake", "l.duckdb", "live", "--no-build", "--replay", rec))
        return ["bash", "-c", f"{cmd} && {sys.executable} -c '{COUNT}' l.duckdb"], None

    def threads(tmp: Path):
        return [sys.executable, "-c", THREADS, str(tmp)], None

    return [
        Case(9, "live --record a/b/rec with topics '../../../../../PWNED' and 'no/such/dir/TOPIC'", record,
             "f1nb live --replay rec.txt --record a/b/rec", outside=escaped),
        Case(10, "live --replay of a recording with a line 300 levels deep", deep, "f1nb live --replay rec.txt"),
        Case(10, "live --replay of an archive folder with a line 300 levels deep", deep_archive,
             "f1nb live --replay 2031/M/S"),
        Case(11, "live --replay with a duplicated feed frame (5 frames, 1 a repeat)", duplicate,
             "f1nb live --replay rec.txt; count bronze.messages"),
        Case(13, "serve-archive with 300 idle connections", threads, "ArchiveServer + 300 idle sockets"),
    ]
