"""`--record DIR`: a live session written in the archive's layout, loadable like any archive session.

``DIR/{SessionInfo.Path}/{Topic}.jsonStream``: BOM, one ``HH:MM:SS.mmm{json}``
record per message, CRLF; `.z` topics as F1 sent them (the raw DEFLATE +
base64 string, which Bronze keeps as received); plus the session's
``Index.json`` (``Feeds``), rewritten at every flush, so that a recording cut
short still loads: ``f1nb --archive-url file://DIR/ load --path PATH``.
Offsets are the live offsets (utc − the session's first message).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import orjson

from ..archive.index import sanitize_path
from ..decode.jsonstream import BOM, format_offset, is_compressed_topic
from ..decode.messages import Message


def safe_topic(topic: str) -> bool:
    """True where `{topic}.jsonStream` is one safe file name, by the archive's own path rules."""
    try:
        return "/" not in topic and sanitize_path(f"{topic}.jsonStream", directory=False) == f"{topic}.jsonStream"
    except ValueError:
        return False


class ArchiveRecorder:
    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.path: str | None = None  # archive path, from SessionInfo
        self._pending: list[Message] = []
        self._lines: dict[str, list[str]] = defaultdict(list)
        self._topics: set[str] = set()
        self.messages = 0
        self.skipped: dict[str, int] = {}  # topic -> messages not recorded: its name is no safe file name

    @property
    def folder(self) -> Path | None:
        return self.root / self.path if self.path else None

    def add(self, msg: Message) -> None:
        if self.path is None:
            if msg.topic == "SessionInfo":
                info = orjson.loads(msg.payload)
                try:
                    self.path = sanitize_path(info.get("Path")) if isinstance(info, dict) else None
                except ValueError:
                    self.path = None
            if self.path is None:
                self._pending.append(msg)
                return
            pending, self._pending = self._pending, []
            for m in pending:
                self._line(m)
        self._line(msg)

    def _line(self, msg: Message) -> None:
        if not safe_topic(msg.topic):  # a topic is a file name: '../x' or 'a/b' would write elsewhere
            self.skipped[msg.topic] = self.skipped.get(msg.topic, 0) + 1
            return
        offset = max(0, msg.offset_ms or 0)
        if is_compressed_topic(msg.topic):  # the base64 DEFLATE text as received, back in its JSON quotes
            line = format_offset(offset) + orjson.dumps(msg.payload).decode("utf-8")
        else:  # the payload is already compact JSON text
            line = format_offset(offset) + msg.payload
        self._lines[msg.topic].append(line)
        self.messages += 1

    def flush(self, final: bool = False) -> None:
        if self.path is None and final and self._pending:
            first = self._pending[0].utc
            self.path = f"live/{first:%Y-%m-%d_%H%M%S}/" if first else "live/unknown/"
            pending, self._pending = self._pending, []
            for m in pending:
                self._line(m)
        folder = self.folder
        if folder is None:
            return
        folder.mkdir(parents=True, exist_ok=True)
        for topic, lines in self._lines.items():
            if not lines:
                continue
            file = folder / f"{topic}.jsonStream"
            new = topic not in self._topics  # a file left by an earlier run is replaced
            with open(file, "wb" if new else "ab") as fh:
                fh.write(((BOM if new else "") + "".join(line + "\r\n" for line in lines)).encode("utf-8"))
            self._topics.add(topic)
            lines.clear()
        feeds = {t: {"KeyFramePath": f"{t}.json", "StreamPath": f"{t}.jsonStream"} for t in sorted(self._topics)}
        tmp = folder / "Index.json.tmp"
        tmp.write_bytes(b"\xef\xbb\xbf" + orjson.dumps({"Feeds": feeds}))
        tmp.replace(folder / "Index.json")
