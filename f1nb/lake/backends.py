"""Opening the lake's Ibis backend from a path or an Ibis URL."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import LakeError


def parse_target(target: str | os.PathLike | None, default: Path) -> tuple[str, str]:
    """(backend name, location) for a path, `duckdb:///path`, or another Ibis URL."""
    if target is None:
        return "duckdb", str(default)
    text = os.fspath(target)
    if "://" not in text:
        return "duckdb", text
    scheme, rest = text.split("://", 1)
    if scheme == "duckdb":
        return "duckdb", rest or ":memory:"
    return scheme, text


def connect_duckdb(location: str):
    import ibis

    if location != ":memory:":
        Path(location).expanduser().parent.mkdir(parents=True, exist_ok=True)
    try:
        return ibis.duckdb.connect(location)
    except Exception as exc:  # duckdb raises IOException for a lock held by another process
        msg = str(exc).splitlines()[0]
        raise LakeError(
            f"cannot open the lake {location}: {msg}. "
            "Close other programs using it (another notebook kernel?) or pass another --lake path."
        ) from None
