"""F1's static live-timing archive: season indexes, session lookup, downloads with a raw cache, a local server."""

from ..session_ref import SessionRef, session_ref_from_info
from .index import ArchiveIndexWarning, parse_season_index
from .lookup import find_meeting, find_session
from .topics import CORE_TOPICS, KNOWN_TOPICS

__all__ = [
    "ArchiveIndexWarning",
    "SessionRef",
    "find_meeting",
    "find_session",
    "parse_season_index",
    "session_ref_from_info",
    "KNOWN_TOPICS",
    "CORE_TOPICS",
    "ArchiveClient",
    "SessionFiles",
    "ArchiveServer",
]


def __getattr__(name):  # the client and server pull in httpx / http.server only when used
    if name in ("ArchiveClient", "SessionFiles"):
        from . import client

        return getattr(client, name)
    if name == "ArchiveServer":
        from .serve import ArchiveServer

        return ArchiveServer
    raise AttributeError(name)
