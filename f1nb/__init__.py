"""f1nb: Formula 1 live-timing data as a Bronze/Silver/Gold lakehouse in Jupyter.

Public API:
    get_session(year, meeting, session) -> Session       (lazy load + build, DataFrames out)
    get_season(year) -> Season                            (season roll-ups across the lake)
    demo_session("Race" | "Qualifying") -> Session        (offline, generated)
    Lake(path)                                            (the lakehouse: sql, tables, lineage, checks)
    load_ipython_extension                                (`%load_ext f1nb`)
"""

from __future__ import annotations

__version__ = "0.1.0"

_LAZY = {
    "Lake": ("f1nb.lake.lake", "Lake"),
    "Session": ("f1nb.session", "Session"),
    "get_session": ("f1nb.session_lookup", "get_session"),
    "session_from_lake": ("f1nb.session_lookup", "session_from_lake"),
    "Season": ("f1nb.season", "Season"),
    "get_season": ("f1nb.season", "get_season"),
    "demo_session": ("f1nb.season", "demo_session"),
    "ArchiveClient": ("f1nb.archive.client", "ArchiveClient"),
    "F1nbError": ("f1nb.errors", "F1nbError"),
    "show": ("f1nb.notebook.widgets", "show"),
}

__all__ = sorted(_LAZY) + ["load_ipython_extension", "__version__"]


def __getattr__(name: str):
    # imports stay lazy: `import f1nb` must not pay for ibis/duckdb until they are used
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'f1nb' has no attribute {name!r}")


def load_ipython_extension(ipython) -> None:
    """`%load_ext f1nb`: registers the %f1 / %%f1 magics."""
    from .notebook.magics import load_ipython_extension as load

    load(ipython)
