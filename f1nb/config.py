"""Where things live: archive URL, lake file and raw cache, from arguments or environment."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

DEFAULT_ARCHIVE_URL = "https://livetiming.formula1.com/static/"
F1_HOST = "livetiming.formula1.com"


def archive_url(url: str | None = None) -> str:
    """The archive base URL, always ending in '/'. Argument > F1NB_ARCHIVE_URL > F1's."""
    url = url or os.environ.get("F1NB_ARCHIVE_URL") or DEFAULT_ARCHIVE_URL
    return url if url.endswith("/") else url + "/"


def data_dir() -> Path:
    """Per-user data directory (override the whole tree with F1NB_HOME)."""
    home = os.environ.get("F1NB_HOME")
    return Path(home) if home else Path(platformdirs.user_data_dir("f1nb"))


def lake_path(path: str | os.PathLike | None = None) -> Path:
    """The lake's DuckDB file. Argument > F1NB_LAKE > <data dir>/lake.duckdb."""
    chosen = path or os.environ.get("F1NB_LAKE")
    return Path(chosen) if chosen else data_dir() / "lake.duckdb"


def cache_dir(path: str | os.PathLike | None = None) -> Path:
    """Byte-exact raw cache of downloaded archive files. Argument > F1NB_CACHE > <data dir>/cache."""
    chosen = path or os.environ.get("F1NB_CACHE")
    return Path(chosen) if chosen else data_dir() / "cache"


def f1tv_token() -> str | None:
    """F1TV bearer token, read from the environment only; f1nb never stores it."""
    return os.environ.get("F1NB_F1TV_TOKEN") or None


def _env_number(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        from .errors import F1nbError

        raise F1nbError(f"${name} is {raw!r}, not a number; unset it or give a number") from None
    if value <= 0:
        from .errors import F1nbError

        raise F1nbError(f"${name} is {raw!r}; give a positive number")
    return value


# Far above any real file (a race's CarData.z stream is ~30 MB) and far below what exhausts memory.
MAX_FILE_MB = 512.0
# A whole file's download, retries included; a body dripping a byte at a time never trips a read timeout.
FILE_DEADLINE_S = 600.0
# All `.z` payloads of one session, inflated (a race's are ~45 MB).
MAX_INFLATED_MB = 256.0


def max_file_bytes() -> int:
    """Largest archive file body accepted, decoded (F1NB_MAX_FILE_MB, default 512)."""
    return int(_env_number("F1NB_MAX_FILE_MB", MAX_FILE_MB) * 1024 * 1024)


def file_deadline_s() -> float:
    """Total time one archive file may take to download (F1NB_FILE_DEADLINE_S, default 600)."""
    return _env_number("F1NB_FILE_DEADLINE_S", FILE_DEADLINE_S)


def max_inflated_bytes() -> int:
    """Total inflated size of one session's `.z` payloads (F1NB_MAX_INFLATED_MB, default 256)."""
    return int(_env_number("F1NB_MAX_INFLATED_MB", MAX_INFLATED_MB) * 1024 * 1024)
