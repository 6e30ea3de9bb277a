"""Live-timing recordings in every format users have, decoded to `Message`s.

Formats (detected per line, so a file may even mix them):
- classic SignalR hub frames, one per line: ``{"H":"Streaming","M":"feed","A":[topic, payload, utc]}``,
  or a whole hub message ``{"C":…, "M":[frame, …]}``, or the ``Subscribe`` reply ``{"R":{topic: state}, "I":…}``;
- undercut-f1's ``{"Type": topic, "Json": payload, "DateTime": iso}`` lines;
- a full-state object (undercut-f1's ``subscribe.txt``: ``{topic: state, …}``), as one JSON document;
- FastF1's recorder: one Python ``repr`` of ``[topic, payload, utc]`` per line, read with
  ``ast.literal_eval`` (never ``eval``).

A live `.z` payload is a base64 string; it is checked like the archive's and kept as received.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import orjson

from ..errors import DecodeError
from .jsonstream import BOM, check_z_payload, decode_text, invalid_utf8, is_compressed_topic, printable, split_lines
from .limits import MAX_DEPTH, depth_exceeds
from .messages import Message, Reject
from .timeparse import parse_utc
from .zpayload import InflateBudget

RECORDING_TOPIC = "(recording)"  # topic recorded for lines whose topic is unknown


@dataclass
class DecodedRecording:
    messages: list[Message] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    _seq: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    budget: InflateBudget | None = None  # bounds all .z payloads of the recording together

    def add(self, topic: str, payload: object, utc: datetime | None) -> None:
        if isinstance(payload, str) and is_compressed_topic(topic):
            check_z_payload(payload, self.budget)  # it must inflate to JSON; Bronze keeps it as received
            text = payload
        else:
            if depth_exceeds(payload):  # before dumps: orjson stops at 255 levels, Python's repr at ~1000
                raise DecodeError(f"payload nested deeper than {MAX_DEPTH} levels")
            try:  # Python literals (FastF1) may hold what JSON cannot: sets, bytes, int keys, huge ints
                text = orjson.dumps(payload).decode("utf-8")
            except orjson.JSONEncodeError as exc:
                raise DecodeError(f"payload is not JSON-representable: {exc}") from None
        seq = self._seq[topic]
        self._seq[topic] = seq + 1
        self.messages.append(Message(topic, seq, None, utc, text))


def _feed_args(args: object) -> tuple[str, object, datetime | None]:
    if not isinstance(args, list) or len(args) != 3:
        n = len(args) if isinstance(args, list) else type(args).__name__
        raise DecodeError(f"expected [topic, payload, utc], got {n} element(s)")
    topic, payload, utc = args
    if not isinstance(topic, str) or not topic:
        raise DecodeError("topic is not a string")
    if not isinstance(utc, str):
        raise DecodeError("utc is not a string")
    return topic, payload, parse_utc(utc)


def _state_utc(state: dict) -> datetime | None:
    heartbeat = state.get("Heartbeat")
    if isinstance(heartbeat, dict) and isinstance(heartbeat.get("Utc"), str):
        return parse_utc(heartbeat["Utc"])
    return None


def _add_state(out: DecodedRecording, state: dict) -> None:
    """A full state (Subscribe reply): one message per topic, at the Heartbeat's time."""
    utc = _state_utc(state)
    for topic, value in state.items():
        out.add(topic, value, utc)


def _decode_json_line(out: DecodedRecording, value: object) -> None:
    if isinstance(value, dict) and "Type" in value and "Json" in value:
        when = value.get("DateTime")
        if not isinstance(value["Type"], str) or not isinstance(when, str):
            raise DecodeError("Type/DateTime record with a non-string Type or DateTime")
        out.add(value["Type"], value["Json"], parse_utc(when))
    elif isinstance(value, dict) and value.get("M") == "feed" and "A" in value:
        out.add(*_feed_args(value["A"]))
    elif isinstance(value, dict) and isinstance(value.get("M"), list):
        for frame in value["M"]:
            if isinstance(frame, dict) and frame.get("M") == "feed":
                out.add(*_feed_args(frame.get("A")))
    elif isinstance(value, dict) and isinstance(value.get("R"), dict):
        _add_state(out, value["R"])
    elif isinstance(value, dict) and value and all(k[:1].isupper() for k in value):
        _add_state(out, value)
    elif isinstance(value, dict) and not value:
        pass  # SignalR keep-alive frame `{}`
    else:
        raise DecodeError("not a SignalR frame, a Type/Json/DateTime record or a full state")


_TOPIC_HINT = re.compile(r"^\s*\[\s*['\"]([A-Za-z][\w.]*)['\"]|\"(?:Type|A)\"\s*:\s*\[?\s*\"([A-Za-z][\w.]*)\"")


def _guess_topic(line: str) -> str:
    """Best-effort topic of a bad line, so rejects can be grouped by topic."""
    m = _TOPIC_HINT.search(line)
    return (m.group(1) or m.group(2)) if m else RECORDING_TOPIC


def _decode_line(out: DecodedRecording, line: str) -> None:
    stripped = line.strip()
    if stripped.startswith("["):
        try:
            value = ast.literal_eval(stripped)
        except (ValueError, SyntaxError, MemoryError, RecursionError) as exc:
            raise DecodeError(f"not a Python literal: {type(exc).__name__}") from None
        out.add(*_feed_args(value))
        return
    try:
        value = orjson.loads(stripped)
    except orjson.JSONDecodeError:
        try:  # FastF1 can also write a bare string
            ast.literal_eval(stripped)
        except Exception:
            raise DecodeError("neither JSON nor a Python literal") from None
        raise DecodeError("a bare value, not a [topic, payload, utc] record") from None
    _decode_json_line(out, value)


# What a hostile line can still raise past the checks above; it becomes a reject with its reason.
_UNEXPECTED = (ValueError, TypeError, OverflowError, RecursionError, MemoryError)


def _reason(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, DecodeError) else f"unexpected {type(exc).__name__}: {str(exc)[:200]}"


def _decode_document(out: DecodedRecording, value: dict, text: str) -> None:
    """A whole-document state: one bad topic is rejected, the others load."""
    utc = None
    try:
        utc = _state_utc(value)
    except (DecodeError, *_UNEXPECTED):
        pass  # a bad Heartbeat only costs the state its time; the Heartbeat itself is judged below
    for topic, state in value.items():
        try:
            out.add(topic, state, utc)
        except (DecodeError, *_UNEXPECTED) as exc:
            out.rejects.append(Reject(topic, 1, text[:10_000], _reason(exc)))


def decode_recording_text(text: str, budget: InflateBudget | None = None) -> DecodedRecording:
    """Decode one recording's text. Bad lines go to rejects; nothing raises."""
    out = DecodedRecording(budget=budget)
    body = text[1:] if text.startswith(BOM) else text
    stripped = body.lstrip()
    if stripped.startswith("{") and "\n" in stripped.rstrip():
        try:  # a pretty-printed whole document (subscribe.txt)
            value = orjson.loads(stripped)
        except orjson.JSONDecodeError:
            value = None
        if isinstance(value, dict):
            if "Type" in value or "M" in value or "R" in value or not all(k[:1].isupper() for k in value):
                _line_into(out, 1, stripped)
            else:
                _decode_document(out, value, stripped)
            return out
    for number, line in split_lines(body):
        _line_into(out, number, line)
    return out


def _line_into(out: DecodedRecording, number: int, line: str) -> None:
    before = len(out.messages)
    try:
        _decode_line(out, line)
    except (DecodeError, *_UNEXPECTED) as exc:
        for msg in out.messages[before:]:  # a hub message is kept whole or not at all
            out._seq[msg.topic] -= 1
        del out.messages[before:]
        out.rejects.append(Reject(_guess_topic(line), number, printable(line), invalid_utf8(line) or _reason(exc)))


def recording_files(path: Path) -> list[Path]:
    """The files of a recording: a file, or a directory (subscribe.txt first, then the rest)."""
    if path.is_file():
        sibling = path.with_name("subscribe.txt")
        return [sibling, path] if sibling.exists() and sibling != path else [path]
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix in {".txt", ".jsonl", ".json"})
        files.sort(key=lambda p: p.name != "subscribe.txt")
        if files:
            return files
    raise DecodeError(f"no recording at {path}: pass a recording file or a folder holding one")


def decode_recording(path: str | Path) -> DecodedRecording:
    """Decode a recording file (or folder) into one ordered message list."""
    merged = DecodedRecording()
    budget = InflateBudget()
    for file in recording_files(Path(path)):
        part = decode_recording_text(decode_text(file.read_bytes()), budget)
        for msg in part.messages:
            seq = merged._seq[msg.topic]
            merged._seq[msg.topic] = seq + 1
            merged.messages.append(Message(msg.topic, seq, msg.offset_ms, msg.utc, msg.payload))
        merged.rejects.extend(part.rejects)
    return merged


def iter_topics(messages: list[Message]) -> Iterator[str]:
    seen: dict[str, None] = {}
    for m in messages:
        seen.setdefault(m.topic)
    yield from seen
