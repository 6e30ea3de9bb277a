"""Which session: `SessionRef`, the one identity of a session from the season index,
a SessionInfo payload (archive file, recording or live feed) or the lake's
`bronze.sessions` row; and the archive paths it carries.

A leaf: it imports nothing of f1nb's but errors, so `bronze/` (which tells a
recording's session from its SessionInfo) and `archive/` can both use it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote

from .errors import ArchiveError


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
        return is_testing_name(self.meeting_name)


# ---------------------------------------------------------------- archive paths

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


# ---------------------------------------------------------------- from index entries and SessionInfo


def int_or_none(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    return None


def str_or_none(value) -> str | None:
    return value if isinstance(value, str) and value != "" else None


def name_of(value) -> str | None:
    """Country/Circuit are objects ({"Name"} / {"ShortName"}); tolerate plain strings."""
    if isinstance(value, dict):
        return str_or_none(value.get("Name")) or str_or_none(value.get("ShortName"))
    return str_or_none(value)


def session_ref(year: int, meeting: dict, s: dict, path: str) -> SessionRef:
    return SessionRef(
        year=year,
        round=int_or_none(meeting.get("Number")),
        meeting_key=int_or_none(meeting.get("Key")),
        meeting_name=meeting["Name"],
        meeting_official_name=str_or_none(meeting.get("OfficialName")),
        location=str_or_none(meeting.get("Location")),
        country=name_of(meeting.get("Country")),
        circuit=name_of(meeting.get("Circuit")),
        session_key=int_or_none(s.get("Key")),
        session_name=s["Name"],
        session_type=str_or_none(s.get("Type")) or s["Name"],
        session_number=int_or_none(s.get("Number")),
        start_date=str_or_none(s.get("StartDate")),
        end_date=str_or_none(s.get("EndDate")),
        gmt_offset=str_or_none(s.get("GmtOffset")),
        path=path,
    )


def year_of(info: dict, path: str | None) -> int | None:
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
    key = int_or_none(session_info.get("Key"))
    if key is None or key <= 0:
        raise ArchiveError(f"SessionInfo has no usable session Key ({session_info.get('Key')!r})")
    raw_path = path if path is not None else session_info.get("Path")
    try:
        clean = sanitize_path(raw_path)
    except ValueError as exc:
        raise ArchiveError(f"SessionInfo of session {key} has an unusable Path: {exc}") from None
    year = year if year is not None else year_of(session_info, clean)
    if year is None:
        raise ArchiveError(f"cannot tell the year of session {key}; pass year=")
    name = str_or_none(session_info.get("Name")) or str_or_none(session_info.get("Type")) or f"Session {key}"
    m = dict(meeting)
    m["Name"] = str_or_none(meeting.get("Name")) or "Unknown meeting"
    s = dict(session_info)
    s["Name"] = name
    return session_ref(year, m, s, clean)


def normalize(text: object) -> str:
    """Case-, accent- and punctuation-insensitive form: 'São-Paulo GP' -> 'sao paulo grand prix'."""
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = re.sub(r"[^0-9a-z]+", " ", text).strip()
    text = re.sub(r"\bgp\b", "grand prix", text)
    return re.sub(r"\s+", " ", text)


def is_testing_name(name: str) -> bool:
    return "test" in normalize(name)
