"""The archive's `.jsonStream` files and keyframe `.json` files.

A `.jsonStream` is UTF-8, optionally with a BOM, one record per line (CRLF
or LF), each record a 12-character `HH:MM:SS.mmm` stream offset followed by
one JSON value. `.z` topics carry a JSON string to be inflated.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

import numpy as np
import orjson

from ..errors import DecodeError
from .limits import check_depth
from .messages import Message, Reject
from .zpayload import InflateBudget, deflate, inflate

BOM = "\ufeff"
_OFFSET = re.compile(r"(\d{2}):([0-5]\d):([0-5]\d)\.(\d{3})")


# These topics' payloads are inflated and parsed by their decoders (`bronze.samples`),
# slice by slice, which reject any that does not inflate to JSON (and apply the
# session's inflate budget); inflating them here as well inflated ~45 MB twice on a race.
VALIDATED_BY_DECODER = frozenset({"CarData.z", "Position.z"})


def is_compressed_topic(topic: str) -> bool:
    return topic.endswith(".z")


def parse_offset_ms(text: str) -> int:
    """'HH:MM:SS.mmm' -> milliseconds."""
    if not _OFFSET.fullmatch(text):
        raise DecodeError(f"bad stream offset {text!r} (expected HH:MM:SS.mmm)")
    # the match fixes every field's position; slicing beats the match's groups (a line each)
    return ((int(text[:2]) * 60 + int(text[3:5])) * 60 + int(text[6:8])) * 1000 + int(text[9:12])


def format_offset(ms: int) -> str:
    """milliseconds -> 'HH:MM:SS.mmm'."""
    s, ms = divmod(int(ms), 1000)
    m, s = divmod(s, 60)
    h, m = divmod(m, 60)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def decode_text(body: bytes) -> str:
    """UTF-8 bytes as text; invalid bytes become lone surrogates (not U+FFFD), so the line holding
    them is rejected with its exact bytes (`printable`) instead of loading silently altered."""
    return body.decode("utf-8", errors="surrogateescape")


_SURROGATE = re.compile("[\udc80-\udcff]")


def printable(text: str) -> str:
    """A line for `bronze.rejects`: invalid UTF-8 bytes shown as \\xNN escapes (Arrow needs valid text)."""
    if not _SURROGATE.search(text):
        return text
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def invalid_utf8(line: str) -> str | None:
    """The reason a line holding invalid UTF-8 (as `decode_text` leaves it) is rejected, or None."""
    m = _SURROGATE.search(line)
    if m:
        return f"invalid UTF-8 (byte 0x{ord(m.group()) - 0xDC00:02x} at character {m.start() + 1}); raw keeps the bytes as \\xNN"
    return None


_CHUNK = 1 << 20  # characters split at a time
# Bad lines kept one by one per file (and the characters kept of each): a file of millions
# of bad lines is not a feed, and keeping them all would take more memory than the file.
MAX_REJECTS_KEPT = 10_000
MAX_REJECT_CHARS = 100_000


def split_lines(body: bytes | str) -> Iterator[tuple[int, str]]:
    """(1-based line number, text) for each non-empty line; BOM, CRLF and LF handled.
    Splits about a megabyte at a time: a body of a billion newlines never becomes a
    billion-item list."""
    text = decode_text(body) if isinstance(body, bytes) else body
    pos, size, number = (1 if text.startswith(BOM) else 0), len(text), 0
    while pos < size:
        end = text.find("\n", min(pos + _CHUNK, size))
        end = size if end < 0 else end
        chunk = text[pos:end]
        if not chunk.strip():  # blank: counted in C, not line by line
            number += chunk.count("\n") + 1
            pos = end + 1
            continue
        for line in chunk.split("\n"):
            number += 1
            line = line.rstrip("\r")
            if line.strip():
                yield number, line
        pos = end + 1


def decode_payload(topic: str, json_text: str, budget: InflateBudget | None = None) -> str:
    """Validate one record's JSON. Returns the payload as Bronze stores it: JSON text, or for
    `.z` topics the base64 DEFLATE text as received (without its JSON quotes)."""
    return _decode(topic, json_text, budget)[0]


def _json(json_text: str) -> object:
    """The record's JSON parsed, or DecodeError (invalid, or nested too deep: `check_depth`)."""
    try:
        value = orjson.loads(json_text)
    except orjson.JSONDecodeError as exc:
        raise DecodeError(f"invalid JSON: {exc}") from None
    check_depth(value, json_text)
    return value


def _decode(topic: str, json_text: str, budget: InflateBudget | None) -> tuple[str, object]:
    """(`decode_payload`'s payload, the parsed value of a JSON payload or None for `.z`)."""
    if not is_compressed_topic(topic):
        return json_text, _json(json_text)
    try:
        value = orjson.loads(json_text)
    except orjson.JSONDecodeError as exc:
        raise DecodeError(f"invalid JSON: {exc}") from None
    if not isinstance(value, str):
        raise DecodeError(".z record is not a JSON string")
    if topic not in VALIDATED_BY_DECODER:
        check_z_payload(value, budget)
    return value, None


def check_z_payload(value: str, budget: InflateBudget | None = None) -> None:
    """DecodeError unless the `.z` payload `value` inflates (within `budget`) to JSON of a bounded depth."""
    inner = inflate(value, budget=budget)
    try:
        check_depth(orjson.loads(inner), inner)
    except orjson.JSONDecodeError as exc:
        raise DecodeError(f".z payload inflates to invalid JSON: {exc}") from None


def parse_jsonstream(topic: str, body: bytes | str, budget: InflateBudget | None = None,
                     values: list | None = None) -> tuple[list[Message], list[Reject]]:
    """Decode one `.jsonStream` file. Bad lines become rejects; nothing raises. `budget`
    bounds the inflated size of `.z` payloads over all files sharing it (a session).
    `values`, if given, gets each message's parsed payload appended (None for `.z`): the
    fields walk takes them instead of parsing every payload a second time."""
    messages: list[Message] = []
    rejects: list[Reject] = []
    more, first_more = 0, 0
    plain = not is_compressed_topic(topic)
    for numbers, lines in _line_chunks(body):
        for number, line, offset_ms in zip(numbers, lines, _offsets(lines)):
            try:
                if type(offset_ms) is not int:
                    raise DecodeError(offset_ms)
                if plain:  # the usual line: its payload parsed without `_decode`'s topic test per line
                    payload = line[12:]
                    value = _json(payload)
                else:
                    payload, value = _decode(topic, line[12:], budget)
            except DecodeError as exc:
                if len(rejects) < MAX_REJECTS_KEPT:
                    rejects.append(Reject(topic, number, printable(line[:MAX_REJECT_CHARS]), invalid_utf8(line) or str(exc)))
                else:
                    more, first_more = more + 1, first_more or number
                continue
            messages.append(Message(topic, len(messages), offset_ms, None, payload))
            if values is not None:
                values.append(value)
    if more:
        rejects.append(Reject(topic, first_more, "", f"{more} more bad lines from this line on, not kept one by one "
                                                     f"(a file with more than {MAX_REJECTS_KEPT} bad lines is not a feed)"))
    return messages, rejects


def _line_chunks(body: bytes | str, size: int = 4096) -> Iterator[tuple[list[int], list[str]]]:
    """`split_lines` in lists of up to `size` (line numbers, lines)."""
    numbers: list[int] = []
    lines: list[str] = []
    for number, line in split_lines(body):
        numbers.append(number)
        lines.append(line)
        if len(lines) == size:
            yield numbers, lines
            numbers, lines = [], []
    if lines:
        yield numbers, lines


# Every line of a chunk with a well-formed ASCII offset: their 12-character heads, joined.
_OFFSETS = re.compile(r"(?:\d\d:[0-5]\d:[0-5]\d\.\d\d\d)*", re.ASCII)
_DIGIT_WEIGHTS = np.array([36_000_000, 3_600_000, 0, 600_000, 60_000, 0, 10_000, 1000, 0, 100, 10, 1], np.int64)


def _offsets(lines: list[str]) -> list:
    """Each line's stream offset in ms (`parse_offset_ms`), or for a bad one the reason it is
    rejected. A chunk whose offsets are all well formed (every chunk of a sound file) is read
    in one regex match and one numpy product instead of a match and four ints per line."""
    heads = "".join([line[:12] for line in lines])
    if len(heads) == 12 * len(lines) and heads.isascii() and _OFFSETS.fullmatch(heads):
        digits = np.frombuffer(heads.encode("ascii"), np.uint8).reshape(-1, 12).astype(np.int64) - ord("0")
        return (digits @ _DIGIT_WEIGHTS).tolist()
    out: list = []
    for line in lines:
        try:
            out.append(parse_offset_ms(line[:12]))
        except DecodeError as exc:
            out.append(str(exc))
    return out


def parse_keyframe(topic: str, body: bytes | str) -> Message:
    """Decode a keyframe `Topic.json` (the topic's final state) as one message."""
    text = decode_text(body) if isinstance(body, bytes) else body
    return Message(topic, 0, None, None, decode_payload(topic, text.lstrip(BOM).strip()))


def encode_line(offset_ms: int, value: object, compressed: bool = False) -> str:
    """One record as F1 writes it (without the line terminator)."""
    json_text = orjson.dumps(value).decode("utf-8")
    if compressed:
        json_text = '"' + deflate(json_text) + '"'
    return format_offset(offset_ms) + json_text


def encode_jsonstream(records: Iterable[tuple[int, object]], compressed: bool = False) -> bytes:
    """A whole `.jsonStream` body in server format: BOM, CRLF after every record."""
    lines = [encode_line(ms, value, compressed) for ms, value in records]
    return (BOM + "".join(line + "\r\n" for line in lines)).encode("utf-8")
