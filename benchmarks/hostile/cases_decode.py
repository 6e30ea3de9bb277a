"""Issue 17 items 2 and 8: decode_recording_text and the merge, in a fresh process each."""

from __future__ import annotations

import sys
from pathlib import Path

UTC = "2024-01-01T00:00:00.000Z"
RECORDING_LINES = {
    "recording: .z inflating to non-JSON": None,  # built in setup (needs deflate from the code under test)
    "recording: FastF1 line with an int key": f"['TimingData', {{1: 2}}, '{UTC}']",
    "recording: a set": f"['TimingData', {{'a': {{1, 2}}}}, '{UTC}']",
    "recording: bytes": f"['TimingData', {{'a': b'x'}}, '{UTC}']",
    "recording: int over 64 bits": f"['TimingData', {{'a': {2**70}}}, '{UTC}']",
    "recording: JSON 300 levels deep": '{"Type":"TimingData","Json":' + "[" * 300 + "]" * 300 + f',"DateTime":"{UTC}"}}',
    "recording: DateTime out of range": '{"Type":"TimingData","Json":{},"DateTime":"9999-12-31T23:59:59-23:59"}',
}
DECODE = """
import sys, zlib, base64
from f1nb.decode.recordings import decode_recording_text
text = open(sys.argv[1]).read()
if text == "Z\\n":
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    z = base64.b64encode(c.compress(b"not json") + c.flush()).decode()
    text = '{"H":"Streaming","M":"feed","A":["CarData.z","%s","2024-01-01T00:00:00Z"]}\\n' % z
out = decode_recording_text(text)
print(f"{len(out.messages)} messages, {len(out.rejects)} rejected lines")
"""
MERGE = """
import sys, tracemalloc
from f1nb.decode.merge import merge_value
state = merge_value(None, {"L": [1]})
state = merge_value(state, {"L": {sys.argv[1]: 1}})
print("list length" if isinstance(state["L"], list) else "dict keys", len(state["L"]))
"""


def cases(Case, f1nb):
    out = []
    for name, line in RECORDING_LINES.items():
        def setup(tmp: Path, line=line):
            (tmp / "rec.txt").write_text((line or "Z") + "\n")
            return [sys.executable, "-c", DECODE, str(tmp / "rec.txt")], None

        out.append(Case(2, name, setup, "python -c 'decode_recording_text(open(FILE).read())'"))

    def merge(index: str):
        return lambda tmp: ([sys.executable, "-c", MERGE, index], None)

    out.append(Case(8, "merge {'L':[1]} then {'L':{'30000000':1}} (issue: 300000000)", merge("30000000"),
                    "merge_value(merge_value(None, {'L':[1]}), {'L':{'30000000':1}})"))
    out.append(Case(8, "merge {'_deleted':['²']} on a list", lambda tmp: ([sys.executable, "-c",
               "from f1nb.decode.merge import merge_value; print(merge_value([1,2], {'_deleted': ['²']}))"], None)))
    return out
