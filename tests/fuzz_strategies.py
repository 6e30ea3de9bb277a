"""Hypothesis strategies for the fuzz suite (tests/test_fuzz.py): JSON values shaped like F1's
feeds, with the keys and values hostile inputs use, and byte-level mutations of real lines."""

from __future__ import annotations

import base64
import zlib

from hypothesis import strategies as st

# keys that look numeric to str.isdigit but not to int(), huge numbers, F1's own keys
KEYS = st.one_of(
    st.sampled_from(["Lines", "44", "0", "1", "Stints", "Messages", "_deleted", "_kf", "Utc", "X", "²", "١",
                     "3000000000", "99999999999999999999", "-1", "", "Position", "Entries", "Cars", "Channels"]),
    st.text(max_size=6),
)
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**63), max_value=2**64 - 1), st.floats(allow_nan=False,
    allow_infinity=False), st.text(max_size=12),
    st.sampled_from(["2024-01-01T00:00:00Z", "9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00Z", "1:23.456",
                     "+1.234", "LAP 12", ""]),
)
JSON = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                     st.dictionaries(KEYS, inner, max_size=4)), max_leaves=20)


def deep(n: int, open_: str = "[", close: str = "]") -> str:
    return open_ * n + close * n


def deflate_bytes(data: bytes) -> str:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return base64.b64encode(c.compress(data) + c.flush()).decode()


@st.composite
def mutated(draw, seed: bytes) -> bytes:
    """`seed` with a few bytes inserted, deleted or replaced, or cut short."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(0, 4))):
        op = draw(st.sampled_from(["insert", "delete", "replace", "cut"]))
        pos = draw(st.integers(0, max(0, len(data))))
        if op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=4) | st.sampled_from(
                [b"\xc2\xb2", b"\xff", b"[", b"{", b'"', b"\r\n", b"\x00", b"99999999999"]))
        elif op == "delete" and data:
            del data[pos:pos + draw(st.integers(1, 3))]
        elif op == "replace" and pos < len(data):
            data[pos] = draw(st.integers(0, 255))
        elif op == "cut":
            del data[pos:]
    return bytes(data)
