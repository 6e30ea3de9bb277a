"""SQL literals for the values f1nb puts into its own statements (session keys, topic names).

DuckDB's Python client imports pandas the first time it binds a parameter: about 0.5 s in a
process that has not imported pandas, e.g. `f1nb build`, whose SQL needs no DataFrame at all.
These values are written into the SQL instead (the lake's reads and writes, the build).
"""

from __future__ import annotations

from collections.abc import Iterable


def sql_int(value) -> str:
    """An integer literal (TypeError or ValueError for anything `int()` refuses)."""
    return str(int(value))


def sql_text(value: str) -> str:
    """A string literal: quotes doubled; a NUL, which ends a literal in DuckDB's parser, as chr(0)."""
    return " || chr(0) || ".join("'" + part.replace("'", "''") + "'" for part in str(value).split("\0"))


def sql_texts(values: Iterable[str]) -> str:
    """A list literal of strings (`list_contains(<this>, topic)`); typed, so an empty one is too."""
    return f"[{', '.join(map(sql_text, values))}]::VARCHAR[]"
