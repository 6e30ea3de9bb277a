"""Season indexes (`{year}/Index.json`) and session references.

`parse_season_index` turns an index into `SessionRef`s, skipping the
archive's holes (no `Path`, `Key` -1, junk entries, unsafe paths) with one
warning each. Fuzzy lookup of what users type lives in `lookup.py`.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from dataclasses import dataclass
from urllib.parse import quote

import orjson

from ..errors import ArchiveError


class ArchiveIndexWarning(UserWarning):
    """An index entry was skipped (an archive hole or junk)."""


@dataclass(frozen=True)
class SessionRef:
    year: int
    round: int | None  # the meeting's `Number` in the season index
    meeting_key: int | None
    meeting_name: str
    meeting_official_name: str | None
    location: str | None
    country: str | None
    circuit: str | None
    session_key: int
    session_name: str
    session_type: str
    session_number: int | None
    start_date: str | None  # local time, as in the index
    end_date: str | None
    gmt_offset: str | None
    path: str  # e.g. "2018/2018-04-29_Azerbaijan_Grand_Prix/2018-04-29_Race/"

    @property
    def label(self) -> str:
        return f"{self.year} {self.meeting_name} — {self.session_name}"

    @property
    def url_path(self) -> str:
        """The path percent-encoded for a URL (non-ASCII kept as UTF-8 escapes)."""
        return quote_path(self.path)

    @property
    def is_testing(self) -> bool:
        return _is_testing_name(self.meeting_name)


# ---------------------------------------------------------------- paths

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")


def sanitize_path(path: object, *, directory: bool = True) -> str:
    """Validate an archive-relative path; return it (ending in '/' if `directory`).

    Rejects absolute paths, `..`/`.` components, backslashes, URL schemes,
    control characters and empty components. Non-ASCII is kept as is.
    """
    if not isinstance(path, str) or not path.strip():
        raise ValueError("empty path")
    if path != path.strip():
        raise ValueError(f"path {path!r} has leading/trailing whitespace")
    if "\\" in path:
        raise ValueError(f"path {path!r} contains a backslash")
    if path.startswith("/"):
        raise ValueError(f"path {path!r} is absolute")
    if _SCHEME.match(path) or "://" in path:
        raise ValueError(f"path {path!r} is a URL, not an archive path")
    if any(ord(c) < 32 or ord(c) == 127 for c in path):
        raise ValueError(f"path {path!r} contains control characters")
    if "?" in path or "#" in path or "%" in path:
        raise ValueError(f"path {path!r} contains URL syntax (?, # or %)")
    parts = path.split("/")
    if directory and parts[-1] == "":
        parts = parts[:-1]
    for part in parts:
        if part in ("", ".", ".."):
            raise ValueError(f"path {path!r} has an empty, '.' or '..' component")
    clean = "/".join(parts)
    return clean + "/" if directory else clean


def quote_path(path: str) -> str:
    """Percent-encode an archive path for a URL (UTF-8; '/' kept)."""
    return quote(path, safe="/-_.~()',!+=&;@")


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


def _int_or_none(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    return None


def _str_or_none(value) -> str | None:
    return value if isinstance(value, str) and value != "" else None


def _name_of(value) -> str | None:
    """Country/Circuit are objects ({"Name"} / {"ShortName"}); tolerate plain strings."""
    if isinstance(value, dict):
        return _str_or_none(value.get("Name")) or _str_or_none(value.get("ShortName"))
    return _str_or_none(value)


def _session_problem(s: dict) -> str | None:
    key = _int_or_none(s.get("Key"))
    if key is None:
        return "no Key"
    if key <= 0:
        return f"Key {key}"
    if not _str_or_none(s.get("Name")):
        return "no Name"
    if not _str_or_none(s.get("Path")):
        return "no Path"
    return None


def _ref(year: int, meeting: dict, s: dict, path: str) -> SessionRef:
    return SessionRef(
        year=year,
        round=_int_or_none(meeting.get("Number")),
        meeting_key=_int_or_none(meeting.get("Key")),
        meeting_name=meeting["Name"],
        meeting_official_name=_str_or_none(meeting.get("OfficialName")),
        location=_str_or_none(meeting.get("Location")),
        country=_name_of(meeting.get("Country")),
        circuit=_name_of(meeting.get("Circuit")),
        session_key=_int_or_none(s.get("Key")),
        session_name=s["Name"],
        session_type=_str_or_none(s.get("Type")) or s["Name"],
        session_number=_int_or_none(s.get("Number")),
        start_date=_str_or_none(s.get("StartDate")),
        end_date=_str_or_none(s.get("EndDate")),
        gmt_offset=_str_or_none(s.get("GmtOffset")),
        path=path,
    )


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
            skip(f"meeting #{mi}: not an object ({type(meeting).__name__})")
            continue
        mname = _str_or_none(meeting.get("Name"))
        if not mname:
            skip(f"meeting #{mi} (Key {meeting.get('Key')!r}): no Name")
            continue
        sessions = meeting.get("Sessions")
        if not isinstance(sessions, list):
            skip(f"meeting {mname!r}: no Sessions list")
            continue
        for si, s in enumerate(sessions):
            if not isinstance(s, dict):
                skip(f"session #{si} of {mname!r}: not an object ({type(s).__name__})")
                continue
            problem = _session_problem(s)
            desc = f"session #{si} of {mname!r} (Key {s.get('Key')!r}, Type {s.get('Type')!r}, Name {s.get('Name')!r})"
            if problem:
                skip(f"{desc}: {problem}")
                continue
            try:
                path = sanitize_path(s["Path"])
            except ValueError as exc:
                skip(f"{desc}: unsafe Path: {exc}")
                continue
            refs.append(_ref(year, meeting, s, path))
    return refs


def _year_of(info: dict, path: str | None) -> int | None:
    for text in (path, info.get("StartDate"), (info.get("Meeting") or {}).get("StartDate") if isinstance(info.get("Meeting"), dict) else None):
        if isinstance(text, str) and re.match(r"^\d{4}", text):
            return int(text[:4])
    return None


def session_ref_from_info(session_info: dict, year: int | None = None, path: str | None = None) -> SessionRef:
    """A `SessionRef` from a SessionInfo payload (archive file or live recording).

    `path` overrides SessionInfo's own `Path` (use it when the session was
    fetched from a known path).
    """
    if not isinstance(session_info, dict):
        raise ArchiveError("SessionInfo is not an object; cannot tell which session this is")
    meeting = session_info.get("Meeting") if isinstance(session_info.get("Meeting"), dict) else {}
    key = _int_or_none(session_info.get("Key"))
    if key is None or key <= 0:
        raise ArchiveError(f"SessionInfo has no usable session Key ({session_info.get('Key')!r})")
    raw_path = path if path is not None else session_info.get("Path")
    try:
        clean = sanitize_path(raw_path)
    except ValueError as exc:
        raise ArchiveError(f"SessionInfo of session {key} has an unusable Path: {exc}") from None
    year = year if year is not None else _year_of(session_info, clean)
    if year is None:
        raise ArchiveError(f"cannot tell the year of session {key}; pass year=")
    name = _str_or_none(session_info.get("Name")) or _str_or_none(session_info.get("Type")) or f"Session {key}"
    m = dict(meeting)
    m["Name"] = _str_or_none(meeting.get("Name")) or "Unknown meeting"
    s = dict(session_info)
    s["Name"] = name
    return _ref(year, m, s, clean)


def normalize(text: object) -> str:
    """Case-, accent- and punctuation-insensitive form: 'São-Paulo GP' -> 'sao paulo grand prix'."""
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = re.sub(r"[^0-9a-z]+", " ", text).strip()
    text = re.sub(r"\bgp\b", "grand prix", text)
    return re.sub(r"\s+", " ", text)


def _is_testing_name(name: str) -> bool:
    return "test" in normalize(name)
