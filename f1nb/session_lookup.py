"""Finding a Session: by year, meeting and session name (the lake first, then the archive's
index), by session key, or among the sessions a lake holds.

    s = f1nb.get_session(2024, "Monaco", "R")
    s = f1nb.session_from_lake(9523, lake)
"""

from __future__ import annotations

from .archive.lookup import find_session
from .errors import F1nbError, LakeError
from .lake.lake import Lake
from .session import Session, ref_from_row


def sessions_in_lake(lake: Lake, year: int | None = None) -> list[SessionRef]:
    where = f"WHERE year = {int(year)}" if year is not None else ""
    rows = lake.sql(f"SELECT * FROM bronze.sessions {where}").to_pylist()
    return [ref_from_row(r) for r in rows if r.get("path") and r.get("meeting_name") and r.get("session_name")
            and r.get("session_type")]


def session_args(meeting, session, meeting_identifier=None, session_identifier=None):
    """get_session's meeting/session, from f1nb's names or livef1's keywords."""
    meeting = meeting if meeting is not None else meeting_identifier
    session = session if session is not None else session_identifier
    return meeting, session


def find_by_key(season: int, session_key: int, lake, archive_url: str | None, owns: tuple[str, ...] = ()):
    """A Session for `session_key`: from the lake if loaded there, else from the season's index.
    `owns`: ("lake",) when the caller opened `lake` for the Session alone."""
    from .archive.client import ArchiveClient

    if int(session_key) in lake.session_keys():
        return _from_lake_row(int(session_key), lake, owns)
    client = ArchiveClient(base_url=archive_url)
    try:
        for ref in client.season(int(season)):
            if ref.session_key == int(session_key):
                return Session(ref, lake, client, owns=(*owns, "client"))  # the client serves its loads
    except BaseException:
        client.close()  # not found or failed: nobody else holds the client's connections
        raise
    client.close()
    raise F1nbError(f"no session with key {session_key} in {season}; `f1nb sessions {season}` lists the keys")


def get_session(year: int | None = None, meeting: str | int | None = None, session: str | int | None = None,
                lake: Lake | str | None = None, archive_url: str | None = None, *, season: int | None = None,
                meeting_identifier=None, session_identifier=None, session_key: int | None = None) -> Session:
    """Find a session by year, meeting (name, place, country or round) and session
    (name or R, Q, S, SQ, FP1…): f1nb's words everywhere, as in the lake's columns
    (year, meeting_name, session_name). Sessions already in the lake are found offline.
    livef1's keywords work too: season (for year), meeting_identifier, session_identifier,
    session_key."""
    season = year if year is not None else season
    if season is None:
        raise F1nbError("get_session needs a year, e.g. get_session(2024, 'Monaco', 'R')")
    owns = () if isinstance(lake, Lake) else ("lake",)
    lake = lake if isinstance(lake, Lake) else Lake(lake)
    if session_key is not None:
        return find_by_key(season, session_key, lake, archive_url, owns)
    meeting, session = session_args(meeting, session, meeting_identifier, session_identifier)
    if meeting is None or session is None:
        raise F1nbError("get_session needs a meeting and a session, e.g. get_session(2024, 'Monaco', 'R'), "
                        "or session_key=")
    loaded = sessions_in_lake(lake, season)
    if loaded and archive_url is None:
        try:
            return Session(find_session(loaded, meeting, session), lake, owns=owns)
        except F1nbError:
            pass
    from .archive.client import ArchiveClient

    client = ArchiveClient(base_url=archive_url)
    try:
        ref = client.find(season, meeting, session)
    except BaseException:
        client.close()  # no session for it to serve: its pooled connections would be left open
        raise
    return Session(ref, lake, client, owns=(*owns, "client"))


def session_from_lake(session_key: int, lake: Lake | str | None = None) -> Session:
    """A Session for a key already loaded in the lake (recordings included)."""
    owns = () if isinstance(lake, Lake) else ("lake",)
    return _from_lake_row(session_key, lake if isinstance(lake, Lake) else Lake(lake), owns)


def _from_lake_row(session_key: int, lake: Lake, owns: tuple[str, ...]) -> Session:
    rows = lake.sql(f"SELECT * FROM bronze.sessions WHERE session_key = {int(session_key)}").to_pylist()
    if not rows:
        raise LakeError(f"session {session_key} is not in the lake; `f1nb tables` / lake.sessions() lists what is")
    row = dict(rows[0])
    for k in ("meeting_name", "session_name", "session_type", "path"):
        row[k] = row.get(k) or ""
    row["year"] = row.get("year") or 0
    return Session(ref_from_row(row), lake, owns=owns)
