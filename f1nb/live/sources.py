"""What the replay server can play: any source the decoders read, as (initial state, timed feed items).

- a live recording file or folder (classic frames, undercut-f1 `live.txt` + `subscribe.txt`,
  FastF1's format): `subscribe.txt` (or a leading `{"R": …}` reply) is the initial state;
- an archive session folder (`Topic.jsonStream` files): every record becomes a feed item,
  timed by its offset; the state at `start_ms` is the deep-merge of the records before it;
- ``"demo"`` (or ``"demo:Qualifying"``): the built-in demo race written to a temporary folder.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import orjson

from ..bronze.build import estimate_t0
from ..decode.jsonstream import decode_text, is_compressed_topic, parse_jsonstream
from ..decode.messages import Message
from ..decode.recordings import decode_recording, decode_recording_text, recording_files
from ..errors import F1nbError
from ..decode.merge import merge_value


@dataclass(frozen=True)
class Item:
    topic: str
    payload: object  # as sent on the wire (`.z`: the base64 string)
    t: float  # seconds on the source clock (pacing)
    utc: str  # the feed's utc argument


@dataclass
class ReplaySource:
    name: str
    state: dict = field(default_factory=dict)  # topic -> full state sent as the Subscribe reply
    items: list[Item] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)  # every message, decoded, in source order
    tmp: object = None  # keeps a temporary demo folder alive


def utc_text(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def wire_payload(msg: Message) -> object:
    if is_compressed_topic(msg.topic):  # kept as received: the base64 DEFLATE string F1 sent
        return msg.payload
    return orjson.loads(msg.payload)


def _decode_file(file: Path) -> list[Message]:
    return decode_recording_text(decode_text(file.read_bytes())).messages


def _from_recording(path: Path) -> ReplaySource:
    files = recording_files(path)
    src = ReplaySource(str(path))
    feeds: list[Message] = []
    if files[0].name == "subscribe.txt":
        state_msgs = _decode_file(files[0])
        for m in state_msgs:
            src.state[m.topic] = merge_value(src.state.get(m.topic), wire_payload(m))
        src.messages.extend(state_msgs)
        for f in files[1:]:
            feeds.extend(_decode_file(f))
    else:
        feeds = decode_recording(path).messages
    src.messages.extend(feeds)
    last = None
    for m in feeds:
        when = m.utc or last or datetime(2000, 1, 1, tzinfo=timezone.utc)
        last = when
        src.items.append(Item(m.topic, wire_payload(m), when.timestamp(), utc_text(when)))
    return src


def _from_archive(folder: Path, start_ms: int = 0) -> ReplaySource:
    messages: list[Message] = []
    for file in sorted(folder.glob("*.jsonStream")):
        msgs, _rejects = parse_jsonstream(file.name[: -len(".jsonStream")], file.read_bytes())
        messages.extend(msgs)
    if not messages:
        raise F1nbError(f"{folder} holds no .jsonStream files")
    messages.sort(key=lambda m: m.offset_ms)  # stable: per-topic order kept
    t0 = estimate_t0(messages) or datetime(2000, 1, 1, tzinfo=timezone.utc)
    src = ReplaySource(str(folder), messages=messages)
    for m in messages:
        if m.offset_ms < start_ms:
            src.state[m.topic] = (wire_payload(m) if is_compressed_topic(m.topic)
                                  else merge_value(src.state.get(m.topic), wire_payload(m)))
        else:
            src.items.append(Item(m.topic, wire_payload(m), m.offset_ms / 1000,
                                  utc_text(t0 + timedelta(milliseconds=m.offset_ms))))
    return src


def _from_demo(session: str = "Race") -> ReplaySource:
    from ..demo import DemoConfig, write_demo_archive

    tmp = tempfile.TemporaryDirectory(prefix="f1nb-demo-")
    written = write_demo_archive(Path(tmp.name), DemoConfig(rounds=1))
    chosen = [s for s in written if s.session_name == session] or written
    src = _from_archive(Path(chosen[-1].directory))
    src.name, src.tmp = f"demo {chosen[-1].session_name}", tmp
    return src


def load_source(source: str | Path, start_ms: int = 0) -> ReplaySource:
    """Read a replay source (see the module doc)."""
    text = str(source)
    if text == "demo" or text.startswith("demo:"):
        return _from_demo(text.split(":", 1)[1] if ":" in text else "Race")
    path = Path(source)
    if path.is_dir() and any(path.glob("*.jsonStream")):
        return _from_archive(path, start_ms)
    if path.exists():
        return _from_recording(path)
    raise F1nbError(f"no replay source at {source}: pass a recording file or folder, an archive session "
                    "folder (with .jsonStream files) or 'demo'")
