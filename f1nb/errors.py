"""Exceptions raised by f1nb. Each message says what went wrong and what to do."""

import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager


class F1nbError(Exception):
    """Base class: the CLI prints these as one line and exits non-zero."""


class ArchiveError(F1nbError):
    """The archive (HTTP or local tree) could not be read."""


class SessionNotFound(ArchiveError):
    """A season/meeting/session lookup matched nothing."""


class DownloadError(ArchiveError):
    """A file could not be downloaded after all retries."""


class DecodeError(F1nbError):
    """Bytes that are not in any format f1nb knows."""


class LakeError(F1nbError):
    """The lake could not be opened or written."""


class LakeNotFound(LakeError):
    """A command that only reads was pointed at a lake that does not exist."""


class ReadOnlyQuery(LakeError):
    """User SQL that would change the lake, run without asking to write."""


class SessionNotAvailable(ArchiveError):
    """The index lists the session, but the archive has none of its feeds."""


class SessionSkipped(UserWarning):
    """A session of a season's load was skipped: the archive has none of its data yet."""


class InvalidChoice(F1nbError, ValueError):
    """A Python API argument outside its valid choices (the message lists them)."""


class LiveError(F1nbError):
    """A live session (or a replay) could not go on."""


@contextmanager
def warnings_as_lines(prefix: str) -> Iterator[None]:
    """Within the block a warning prints as one line, `{prefix}: warning: {message}`, on stderr,
    as the CLI and the magics print errors: not Python's file, line and source text. The
    filters stay the user's (a warning turned into an error still raises)."""
    def show(message, category, filename, lineno, file=None, line=None) -> None:
        print(f"{prefix}: warning: {message}", file=sys.stderr if file is None else file)

    with warnings.catch_warnings():
        warnings.showwarning = show
        yield
