"""Season indexes (`{year}/Index.json`).

`parse_season_index` turns an index into `SessionRef`s, skipping the
archive's holes (no `Path`, `Key` -1, junk entries, unsafe paths) with one
warning each. Fuzzy lookup of what users type lives in `lookup.py`.
"""

from __future__ import annotations

import warnings

import orjson

from ..errors import ArchiveError
from ..session_ref import (  # noqa: F401  (SessionRef, session_ref_from_info, sanitize_path: long imported from here)
    SessionRef,
    int_or_none,
    quote_path,
    sanitize_path,
    session_ref,
    session_ref_from_info,
    str_or_none,
)


class ArchiveIndexWarning(UserWarning):
    """An index entry was skipped (an archive hole or junk)."""


# ---------------------------------------------------------------- parsing


def _loads(body: bytes | str, what: str):
    if isinstance(body, str):
        body = body.encode("utf-8")
    if body.startswith(b"\xef\xbb\xbf"):
        body = body[3:]
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ArchiveError(f"{what} is not valid JSON ({exc}); the download may be damaged — retry with refresh") from None


def _session_problem(s: dict) -> str | None:
    key = int_or_none(s.get("Key"))
    if key is None:
        return "no Key"
    if key <= 0:
        return f"Key {key}"
    if not str_or_none(s.get("Name")):
        return "no Name"
    if not str_or_none(s.get("Path")):
        return "no Path"
    return None


def parse_season_index(body: bytes | str, year: int) -> list[SessionRef]:
    """`{year}/Index.json` -> sessions in index order. Holes are skipped with a warning each."""
    data = _loads(body, f"the {year} season index")
    if not isinstance(data, dict) or not isinstance(data.get("Meetings"), list):
        raise ArchiveError(
            f"the {year} season index has no 'Meetings' list; it is not a season Index.json "
            "(check --archive-url points at the archive root, the folder holding YEAR/)"
        )
    refs: list[SessionRef] = []

    def skip(msg: str) -> None:
        warnings.warn(f"{year} season index: skipped {msg}", ArchiveIndexWarning, stacklevel=3)

    for mi, meeting in enumerate(data["Meetings"]):
        if not isinstance(meeting, dict):
            skip(f"meeting #{mi + 1}: not an object ({type(meeting).__name__})")
            continue
        mname = str_or_none(meeting.get("Name"))
        if not mname:
            skip(f"meeting #{mi + 1} (Key {meeting.get('Key')!r}): no Name")
            continue
        sessions = meeting.get("Sessions")
        if not isinstance(sessions, list):
            skip(f"meeting {mname!r}: no Sessions list")
            continue
        for si, s in enumerate(sessions):
            if not isinstance(s, dict):
                skip(f"session #{si + 1} of {mname!r}: not an object ({type(s).__name__})")
                continue
            problem = _session_problem(s)
            desc = f"session #{si + 1} of {mname!r} (Key {s.get('Key')!r}, Type {s.get('Type')!r}, Name {s.get('Name')!r})"
            if problem:
                skip(f"{desc}: {problem}")
                continue
            try:
                path = sanitize_path(s["Path"])
            except ValueError as exc:
                skip(f"{desc}: unsafe Path: {exc}")
                continue
            refs.append(session_ref(year, meeting, s, path))
    return refs
