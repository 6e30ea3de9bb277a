"""`.z` topics (CarData.z, Position.z): a JSON string holding base64 of raw DEFLATE."""

from __future__ import annotations

import base64
import binascii
import zlib

from ..errors import DecodeError

# A real CarData.z message inflates to a few kB; 64 MiB is far above any real
# one and stops a hostile or corrupt payload from exhausting memory.
MAX_INFLATED_BYTES = 64 * 1024 * 1024


class InflateBudget:
    """What all `.z` payloads of one session may inflate to together: the per-message
    limit alone let twenty 60 MiB payloads in a 1.6 MB file take 8 GB."""

    def __init__(self, total: int | None = None):
        from ..config import max_inflated_bytes

        self.total = int(total) if total is not None else max_inflated_bytes()
        self.left = self.total

    def exhausted_error(self) -> DecodeError:
        return DecodeError(f"the session's .z payloads inflate past {self.total // (1024 * 1024)} MiB in total; "
                           "if the session is genuine, raise $F1NB_MAX_INFLATED_MB")


def inflate(b64: str | bytes, limit: int = MAX_INFLATED_BYTES, budget: InflateBudget | None = None) -> str:
    """Decode one `.z` payload (without its JSON quotes) to the JSON text it carries.
    With a `budget`, the inflated size is also taken from (and bounded by) what is left of it."""
    if budget is not None and budget.left <= 0:
        raise budget.exhausted_error()
    capped = budget is not None and budget.left < limit
    if capped:
        limit = budget.left
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
        if capped:
            budget.left = 0
            raise budget.exhausted_error()
        raise DecodeError(f".z payload inflates past the {limit}-byte limit")
    if budget is not None:
        budget.left -= len(out)
    if not inflater.eof:
        raise DecodeError(".z payload is truncated (DEFLATE stream did not end)")
    try:
        return out.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DecodeError(f".z payload is not UTF-8: {exc}") from None


def payload_json(payload: str | None) -> str | None:
    """The JSON text of a `bronze.messages` payload, whatever its topic: a `.z` payload is
    stored as received (base64 DEFLATE) and inflated here; any other payload is JSON
    already and returned as it is. So is a `.z` payload that an older f1nb stored
    inflated: it starts with `{` (or `[`, `"`), which base64 never does. A payload
    that does not inflate (`123`, `true` of another topic) is JSON text too: Bronze
    keeps no `.z` payload that fails to inflate. This is the lake's SQL function
    `f1_inflate(payload)`."""
    if payload is None or payload[:1] in ("{", "[", '"', ""):
        return payload
    try:
        return inflate(payload)
    except DecodeError:
        return payload


def deflate(json_text: str, level: int = 9) -> str:
    """Encode JSON text the way F1 does: raw DEFLATE, then base64 (no quotes). Any `level`
    inflates to the same text; it trades the time to compress for the payload's size."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    raw = compressor.compress(json_text.encode("utf-8")) + compressor.flush()
    return base64.b64encode(raw).decode("ascii")
