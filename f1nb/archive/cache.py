"""The byte-exact raw cache of downloaded archive files, and the per-session
manifest that lets a second fetch of a session make no request at all.

Files mirror the URL layout under `<cache_dir>/<host>[_<port>]/<url path>`
and are written atomically. A manifest (feed list, where it came from, which
feeds were absent) is written only once a whole session fetch succeeded."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from urllib.parse import SplitResult

import orjson

from ..fileio import atomic_write

MANIFEST = ".f1nb-session.json"


class RawCache:
    def __init__(self, cache_dir: Path, url: SplitResult):
        host = url.hostname or "localhost"
        site = host if url.port is None else f"{host}_{url.port}"
        prefix = [p for p in url.path.split("/") if p and p not in (".", "..")]
        self.root = cache_dir.joinpath(site, *prefix)

    def path(self, relpath: str) -> Path:
        return self.root.joinpath(*relpath.split("/"))

    def read(self, relpath: str) -> bytes | None:
        path = self.path(relpath)
        return path.read_bytes() if path.is_file() else None

    def write(self, relpath: str, body: bytes) -> None:
        atomic_write(self.path(relpath), body)

    def read_manifest(self, session_path: str) -> dict | None:
        p = self.path(session_path) / MANIFEST
        if not p.is_file():
            return None
        try:
            data = orjson.loads(p.read_bytes())
        except (OSError, orjson.JSONDecodeError):
            return None
        if not isinstance(data, dict) or data.get("path") != session_path or not isinstance(data.get("feeds"), dict):
            return None
        return data

    def write_manifest(self, ref, feeds: dict[str, str], source: str, absent: Iterable[str]) -> None:
        old = self.read_manifest(ref.path) or {}
        known_absent = sorted(set(old.get("absent", [])) | set(absent))
        doc = {"path": ref.path, "session_key": ref.session_key, "round": ref.round, "feeds_source": source,
               "feeds": feeds, "absent": known_absent}
        atomic_write(self.path(ref.path) / MANIFEST, orjson.dumps(doc, option=orjson.OPT_INDENT_2))
