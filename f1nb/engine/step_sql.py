"""SQL fragments of a build step's table, shared by the build in the lake's transaction
(duckdb_build) and the one on a stage (staged_build)."""

from __future__ import annotations

from .compiled import Step
from .literals import sql_int


def sessions_in(scope) -> str:
    """SQL condition: the row's session is one of `scope` (None: every session)."""
    return "TRUE" if scope is None else f"session_key IN ({', '.join(map(sql_int, scope))})"


def column_defs(step: Step) -> str:
    """The model's columns with their declared types, for CREATE TABLE."""
    return ", ".join(f'"{c}" {t}' for c, t in step.columns)


def typed_select(step: Step) -> str:
    """The model's query, each column cast to its declared type (the query's own type can be
    narrower, e.g. a DECIMAL for a DOUBLE column)."""
    cols = ", ".join(f'CAST("{c}" AS {t}) AS "{c}"' for c, t in step.columns)
    return f"SELECT {cols} FROM ({step.sql})"
