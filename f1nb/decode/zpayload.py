"""`.z` topics (CarData.z, Position.z): a JSON string holding base64 of raw DEFLATE."""

from __future__ import annotations

import base64
import binascii
import zlib

from ..errors import DecodeError

# A real CarData.z message inflates to a few kB; 64 MiB is far above any real
# one and stops a hostile or corrupt payload from exhausting memory.
MAX_INFLATED_BYTES = 64 * 1024 * 1024


def inflate(b64: str | bytes, limit: int = MAX_INFLATED_BYTES) -> str:
    """Decode one `.z` payload (without its JSON quotes) to the JSON text it carries."""
    try:
        raw = base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise DecodeError(f"invalid base64 in .z payload: {exc}") from None
    inflater = zlib.decompressobj(-15)
    try:
        out = inflater.decompress(raw, limit)
    except zlib.error as exc:
        raise DecodeError(f"invalid raw DEFLATE in .z payload: {exc}") from None
    if inflater.unconsumed_tail:
        raise DecodeError(f".z payload inflates past the {limit}-byte limit")
    if not inflater.eof:
        raise DecodeError(".z payload is truncated (DEFLATE stream did not end)")
    try:
        return out.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DecodeError(f".z payload is not UTF-8: {exc}") from None


def deflate(json_text: str) -> str:
    """Encode JSON text the way F1 does: raw DEFLATE, then base64 (no quotes)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    raw = compressor.compress(json_text.encode("utf-8")) + compressor.flush()
    return base64.b64encode(raw).decode("ascii")
