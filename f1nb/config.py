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
