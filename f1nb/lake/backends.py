"""Opening the lake from a path or an Ibis URL."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

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


def open_duckdb(location: str):
    """The lake's DuckDB connection, set up as Ibis sets up its own (UTC session time
    zone, no tables conjured from Python variables), so SQL and Ibis reads agree."""
    if location != ":memory:":
        path = Path(location).expanduser()
        path.parent.mkdir(parents=True, exist_ok=True)
        location = str(path.absolute())
    try:
        con = duckdb.connect(location)
    except Exception as exc:  # duckdb raises IOException for a lock held by another process
        msg = str(exc).splitlines()[0]
        raise LakeError(
            f"cannot open the lake {location}: {msg}. "
            "Close other programs using it (another notebook kernel?) or pass another --lake path."
        ) from None
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET python_enable_replacements = false")
    # DuckDB's own bar prints unlabelled bars into notebook cells; f1nb reports its own progress
    con.execute("SET enable_progress_bar = false")
    return con
