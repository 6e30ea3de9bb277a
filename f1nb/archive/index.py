"""Season indexes (`{year}/Index.json`), session references and fuzzy lookup.

`parse_season_index` turns an index into `SessionRef`s, skipping the
archive's holes (no `Path`, `Key` -1, junk entries, unsafe paths) with one
warning each. `find_session` resolves what a user types — "Monaco", "monza",
"São Paulo", 8, "R", "FP2", "SQ", "Day 1" — to exactly one session, or raises
`SessionNotFound` listing the close matches and what to pass instead.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import quote

import orjson

from ..errors import ArchiveError, SessionNotFound


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


# ---------------------------------------------------------------- fuzzy lookup


def normalize(text: object) -> str:
    """Case-, accent- and punctuation-insensitive form: 'São-Paulo GP' -> 'sao paulo grand prix'."""
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = re.sub(r"[^0-9a-z]+", " ", text).strip()
    text = re.sub(r"\bgp\b", "grand prix", text)
    return re.sub(r"\s+", " ", text)


def _strip_gp(norm: str) -> str:
    return re.sub(r"\s*\bgrand prix\b\s*", " ", norm).strip()


def _is_testing_name(name: str) -> bool:
    return "test" in normalize(name)


@dataclass
class _Meeting:
    key: tuple
    name: str
    round: int | None
    sessions: list[SessionRef]

    @property
    def testing(self) -> bool:
        return _is_testing_name(self.name)

    def describe(self) -> str:
        r = f"round {self.round}, " if self.round is not None and not self.testing else ""
        loc = self.sessions[0].location
        return f"{self.name} ({r}{loc})" if loc else f"{self.name}" + (f" ({r[:-2]})" if r else "")


def _meetings(refs: Iterable[SessionRef]) -> list[_Meeting]:
    out: dict[tuple, _Meeting] = {}
    for r in refs:
        k = (r.year, r.meeting_key, r.meeting_name)
        if k not in out:
            out[k] = _Meeting(k, r.meeting_name, r.round, [])
        out[k].sessions.append(r)
    return list(out.values())


def _meeting_fields(m: _Meeting) -> tuple[list[str], list[str]]:
    """(name forms, other forms) normalized."""
    r = m.sessions[0]
    names = {normalize(m.name), _strip_gp(normalize(m.name))}
    if r.meeting_official_name:
        names.add(normalize(r.meeting_official_name))
    others = {normalize(x) for x in (r.location, r.country, r.circuit) if x}
    return [n for n in names if n], [o for o in others if o]


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def _year_text(refs: Sequence[SessionRef]) -> str:
    years = sorted({r.year for r in refs})
    return " ".join(map(str, years)) if years else "the index"


def find_meeting(refs: Sequence[SessionRef], meeting: str | int) -> list[SessionRef]:
    """The sessions of the one meeting `meeting` names (name, location, country, circuit or round)."""
    meetings = _meetings(refs)
    yt = _year_text(refs)
    if not meetings:
        raise SessionNotFound(f"no sessions in the {yt} index; load the session by path instead (--path YEAR/.../)")
    listing = "; ".join(m.describe() for m in meetings)

    round_no = meeting if isinstance(meeting, int) and not isinstance(meeting, bool) else None
    if round_no is None and isinstance(meeting, str) and re.fullmatch(r"\s*(?:r(?:ound)?\s*)?\d{1,2}\s*", meeting, re.I):
        round_no = int(re.sub(r"\D", "", meeting))
    if round_no is not None:
        found = [m for m in meetings if m.round == round_no]
        if len(found) > 1:
            found = [m for m in found if not m.testing] or found
        if len(found) == 1:
            return list(found[0].sessions)
        rounds = ", ".join(f"{m.round}: {m.name}" for m in meetings if m.round is not None and not m.testing)
        if not found:
            raise SessionNotFound(
                f"no round {round_no} in the {yt} index (rounds: {rounds or 'none numbered'}); "
                "pass a meeting name, location or country instead"
            )
        raise SessionNotFound(
            f"round {round_no} is ambiguous in the {yt} index: {'; '.join(m.describe() for m in found)}; pass the meeting name instead"
        )

    q = normalize(meeting)
    if not q:
        raise SessionNotFound(f"empty meeting name; pass one of: {listing}")
    wants_testing = "test" in q or q in ("preseason", "pre season", "winter")

    def tier(m: _Meeting) -> int | None:
        names, others = _meeting_fields(m)
        if wants_testing and m.testing:
            qs = q.replace("testing", "test")
            if any(qs == n.replace("testing", "test") for n in names):
                return 0
            return 2
        if q in names:
            return 0
        if q in others:
            return 1
        if any(q in n for n in names):
            return 2
        if any(q in o for o in others):
            return 3
        if any(len(n) >= 4 and n in q for n in names + others):
            return 4
        return None

    tiers: dict[int, list[_Meeting]] = {}
    for m in meetings:
        t = tier(m)
        if t is not None:
            tiers.setdefault(t, []).append(m)
    found: list[_Meeting] = []
    for t in sorted(tiers):
        found = tiers[t]
        if not wants_testing and len(found) > 1:
            found = [m for m in found if not m.testing] or found
        if len(found) > 1 and t in (1, 3):
            # "Italy" names Italy's meetings; prefer the one whose own name shares its stem ("Italian")
            stem = [m for m in found if any(_common_prefix(q, n) >= min(4, len(q)) for n in _meeting_fields(m)[0])]
            if len(stem) == 1:
                found = stem
        break
    if not found:  # close matches (typos)
        choices: dict[str, list[_Meeting]] = {}
        for m in meetings:
            names, others = _meeting_fields(m)
            for form in {_strip_gp(f) for f in names + others}:
                if not form:
                    continue
                choices.setdefault(form, [])
                if m not in choices[form]:
                    choices[form].append(m)
        close = difflib.get_close_matches(_strip_gp(q) or q, list(choices), n=5, cutoff=0.75)
        for form in close:
            for m in choices[form]:
                if m not in found:
                    found.append(m)
        if len(found) > 1:
            # only keep meetings as close as the best one
            best = close[0]
            found = list(choices[best])
        if found and not wants_testing:
            found = [m for m in found if not m.testing] or found
    if len(found) == 1:
        return list(found[0].sessions)
    if not found:
        stripped = {m.name: _strip_gp(normalize(m.name)) for m in meetings}
        close = difflib.get_close_matches(_strip_gp(q) or q, list(stripped.values()), n=5, cutoff=0.5)
        close_names = [m.describe() for m in meetings if stripped[m.name] in close]
        hint = f"close matches: {'; '.join(close_names)}" if close_names else f"meetings: {listing}"
        raise SessionNotFound(
            f"no meeting matches {meeting!r} in the {yt} index; {hint}. "
            "Pass a meeting name, location, country or round number"
        )
    raise SessionNotFound(
        f"{meeting!r} matches several meetings in the {yt} index: {'; '.join(m.describe() for m in found)}. "
        "Pass the meeting's full name or its round number"
    )


_PRACTICE = re.compile(r"^(?:fp|p|practice|free practice)\s*([1-3])$")
_DAY = re.compile(r"^(?:day|t|test|testing day|test day)\s*([1-9])$")
_RACE = {"r", "race", "grand prix", "main race", "feature race"}
_QUALI = {"q", "quali", "qualifying", "qualification"}
_SPRINT = {"s", "sprint", "sprint race", "spr"}
_SHOOTOUT = {"sq", "ss", "sprint shootout", "shootout", "sprint quali", "sprint qualifying"}


def _is_sprint_race(r: SessionRef) -> bool:
    n = normalize(r.session_name)
    if "sprint" not in n:
        return False
    if r.session_type:
        t = normalize(r.session_type)
        if t == "race":
            return True
        if t == "qualifying":
            return False
    # types missing: by name and year (2021 "Sprint Qualifying" was the sprint race)
    return n == "sprint" or (r.year == 2021 and n == "sprint qualifying")


def _is_shootout(r: SessionRef) -> bool:
    return "sprint" in normalize(r.session_name) and not _is_sprint_race(r)


def _session_listing(sessions: Sequence[SessionRef]) -> str:
    return ", ".join(repr(r.session_name) for r in sessions)


def find_session(refs: Sequence[SessionRef], meeting: str | int, session: str | int) -> SessionRef:
    """Resolve (meeting, session) to exactly one `SessionRef` or raise `SessionNotFound`."""
    sessions = find_meeting(refs, meeting)
    mname = f"{sessions[0].year} {sessions[0].meeting_name}"
    listing = _session_listing(sessions)
    q = normalize(session)
    if not q:
        raise SessionNotFound(f"empty session name; {mname} has {listing}")

    exact = [r for r in sessions if normalize(r.session_name) == q]
    # "Sprint Qualifying" typed literally means that session, except that in 2024+
    # naming "sprint qualifying" and in 2021 it is the race — the literal name wins.
    if len(exact) == 1:
        return exact[0]

    found: list[SessionRef] = []
    why = ""
    if q in _RACE:
        found = [r for r in sessions if normalize(r.session_name) == "race"] or [
            r for r in sessions if normalize(r.session_type) == "race" and "sprint" not in normalize(r.session_name)
        ]
    elif q in _QUALI:
        found = [r for r in sessions if normalize(r.session_name) == "qualifying"]
    elif q in _SPRINT:
        found = [r for r in sessions if _is_sprint_race(r)]
        if not found:
            why = f"{mname} has no sprint race"
    elif q in _SHOOTOUT:
        found = [r for r in sessions if _is_shootout(r)]
        if not found:
            races = [r for r in sessions if _is_sprint_race(r)]
            why = f"{mname} has no sprint shootout/qualifying session"
            if races:
                why += (
                    f" ({races[0].session_name!r} here is the sprint race itself, as in 2021: pass 'S' for it)"
                )
    elif (m := _PRACTICE.match(q)) or (m := _DAY.match(q)):
        n = int(m.group(1))
        found = [r for r in sessions if normalize(r.session_name) in (f"practice {n}", f"day {n}")]
        if not found:
            found = [r for r in sessions if normalize(r.session_type) == "practice" and r.session_number == n]
        practice = [r for r in sessions if normalize(r.session_type) == "practice"]
        if not found and n == 1 and len(practice) == 1:  # e.g. 2020 Imola: one session named "Practice"
            found = practice
    elif q in ("fp", "p", "practice", "free practice"):
        found = [r for r in sessions if normalize(r.session_type) == "practice"]
    if not found and not why:
        prefix = [r for r in sessions if normalize(r.session_name).startswith(q)]
        if prefix:
            found = prefix
        else:
            names = {normalize(r.session_name): r for r in sessions}
            close = difflib.get_close_matches(q, list(names), n=3, cutoff=0.75)
            found = [names[c] for c in close[:1]]
    if len(found) == 1:
        return found[0]
    if found:
        raise SessionNotFound(
            f"{session!r} matches several sessions of {mname}: {_session_listing(found)}; pass one of those names"
        )
    raise SessionNotFound(
        f"no session {session!r} in {mname}{': ' + why if why else ''}; it has {listing}. "
        "Pass a session name or R, Q, S, SQ, FP1, FP2, FP3 (testing: Day 1, Day 2, ...)"
    )
