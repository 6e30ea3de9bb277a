"""`f1nb reset`: delete the lake and the generated demo tree (and, with --cache, the
raw download cache), so the next `f1nb demo` or load starts from nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

from . import config
from .errors import F1nbError


def reset_targets(lake: str | None = None, cache: str | None = None, with_cache: bool = False) -> list[Path]:
    """What a reset deletes that exists now: the lake file and its WAL, the demo
    archive trees, compiled plans of edited models; the raw cache only when asked."""
    lake_file = config.lake_path(lake)
    data = config.data_dir()
    paths = [lake_file, lake_file.with_name(lake_file.name + ".wal"), data / "demo-archive", data / "compiled"]
    if with_cache:
        paths.append(config.cache_dir(cache))
    return [p for p in paths if p.exists()]


def reset(lake: str | None = None, cache: str | None = None, with_cache: bool = False, yes: bool = False) -> list[Path]:
    """Delete the reset targets; without `yes`, only say what would go."""
    targets = reset_targets(lake, cache, with_cache)
    if targets and not yes:
        listing = ", ".join(str(p) for p in targets)
        raise F1nbError(f"reset would delete: {listing}; run `f1nb reset --yes` to do it")
    for p in targets:
        if p.is_dir():
            shutil.rmtree(p)
        else:
            p.unlink()
    return targets
