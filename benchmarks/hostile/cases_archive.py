"""Hostile archive lines (issue 17 item 1): each case is one bad line in a small session tree."""

from __future__ import annotations

import base64
import zlib
from pathlib import Path

BOM = b"\xef\xbb\xbf"
GOOD_TIMING = [b'00:00:00.500{"Lines":{"44":{"Position":"1"}}}', b'00:00:02.000{"Lines":{"44":{"Position":"2"}}}']


def z(obj_text: str) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return b'"' + base64.b64encode(c.compress(obj_text.encode()) + c.flush()) + b'"'


def tree(root: Path, topic: str, bad_line: bytes, path: str = "2031/M/S/") -> str:
    """A session at `path` with SessionInfo, two good TimingData lines and `bad_line` in `topic`."""
    d = root.joinpath(*path.strip("/").split("/"))
    d.mkdir(parents=True, exist_ok=True)
    (d / "SessionInfo.jsonStream").write_bytes(
        BOM + b'00:00:00.000{"Key":1,"Name":"Race","Path":"' + path.encode() + b'"}\r\n')
    lines = list(GOOD_TIMING)
    if topic == "TimingData":
        lines.insert(1, bad_line)
    else:
        (d / f"{topic}.jsonStream").write_bytes(BOM + bad_line + b"\r\n")
    (d / "TimingData.jsonStream").write_bytes(BOM + b"\r\n".join(lines) + b"\r\n")
    return path


def deep(n: int) -> bytes:
    return b"[" * n + b"]" * n


ARCHIVE_LINES = {
    "key '²' in Lines": ("TimingData", '00:00:01.000{"Lines":{"²":{"X":1}}}'.encode()),
    "driver key 3000000000": ("TimingData", b'00:00:01.000{"Lines":{"3000000000":{"X":1}}}'),
    "driver key 99999999999999999999": ("TimingData", b'00:00:01.000{"Lines":{"99999999999999999999":{"X":1}}}'),
    "array 1000 levels deep": ("TimingData", b'00:00:01.000{"Lines":' + deep(1000) + b"}"),
    "Utc 9999-12-31T23:59:59-23:59": ("Heartbeat", b'00:00:01.000{"Utc":"9999-12-31T23:59:59-23:59"}'),
    "offset 99h, Utc year 1": ("Heartbeat", b'99:00:00.000{"Utc":"0001-01-01T00:00:00Z"}'),
    "Position.z X is an object": ("Position.z", b"00:00:01.000" + z(
        '{"Position":[{"Timestamp":"2031-01-01T00:00:00Z","Entries":{"44":{"X":{"a":1},"Y":1,"Z":1}}}]}')),
    "CarData.z inflates to non-JSON": ("CarData.z", b"00:00:01.000" + z("not json")),
    "invalid UTF-8 byte": ("TimingData", b'00:00:01.000{"Lines":{"44":{"Name":"\xff"}}}'),
}
