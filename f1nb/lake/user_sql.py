"""SQL typed by a user (`f1nb sql`, `%%f1 sql`, `Session.sql`, `Lake.sql`).

It is read-only unless the caller asks to write: a statement that would change
the lake is refused before it runs, and what does run runs inside a
transaction that is rolled back, so no query (a PIVOT's implicit enum, a
function with side effects) can leave a trace in the lake by accident.
"""

from __future__ import annotations

import re

import duckdb
import pyarrow as pa

from ..errors import LakeError, ReadOnlyQuery

# Statement kinds that only read. DuckDB parses DESCRIBE/SHOW/SUMMARIZE/PRAGMA table_info
# as SELECT; everything else (INSERT, DROP, COPY, ATTACH, SET, CALL, …) may change the lake
# or the connection the rest of f1nb reads through.
_READS = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN}


def _writes(statements) -> list[str]:
    """Names of the statements that would write. A CREATE with no text of its own is
    the enum type DuckDB makes for `PIVOT … ON col` (rolled back with the rest)."""
    return [s.type.name for s in statements
            if s.type not in _READS and not (s.type == duckdb.StatementType.CREATE and not s.query.strip())]


def run_user_sql(raw: duckdb.DuckDBPyConnection, query: str, write: bool = False,
                 write_hint: str = "pass write=True") -> pa.Table:
    """Run `query` on the lake's connection and return Arrow (an empty table for statements without rows)."""
    try:
        statements = raw.extract_statements(query)
    except duckdb.Error as exc:
        raise LakeError(f"SQL failed: {str(exc).splitlines()[0]}") from None
    if not statements:
        raise LakeError("SQL failed: the query is empty")
    if not write and (writes := _writes(statements)):
        raise ReadOnlyQuery(f"not run: {', '.join(dict.fromkeys(writes))} would change the lake, and queries "
                            f"are read-only; {write_hint} to change it")
    if write:
        return _run(raw, query)
    raw.execute("BEGIN TRANSACTION")
    try:
        return _run(raw, query)
    finally:
        raw.execute("ROLLBACK")


def _run(raw, query: str) -> pa.Table:
    try:
        result = raw.execute(query)
        return pa.table({}) if result.description is None else result.to_arrow_table()
    except duckdb.Error as exc:
        raise LakeError(f"SQL failed: {str(exc).splitlines()[0]}") from None


_PLACEHOLDER = re.compile(r"\{([A-Za-z_]\w*)\}")


def fill_placeholders(query: str, session_key: int | None) -> str:
    """`{session_key}` -> the session's key; any other `{name}` is an error that names it
    (DuckDB's struct literals `{'a': 1}` have quotes or a colon, so they never match)."""
    unknown = sorted({m.group(1) for m in _PLACEHOLDER.finditer(query)} - {"session_key"})
    if unknown:
        raise LakeError(f"unknown placeholder {{{unknown[0]}}} in the query; the only placeholder is {{session_key}}")
    if "{session_key}" in query:
        if session_key is None:
            raise LakeError("the query uses {session_key} but there is no session; load one first (or write the key)")
        query = query.replace("{session_key}", str(int(session_key)))
    return query
