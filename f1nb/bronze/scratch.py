"""An in-memory DuckDB in which Bronze decodes the telemetry payloads.

Decoding CarData.z and Position.z is the largest part of loading a session
with telemetry. Python and DuckDB spend about the same CPU on it, but DuckDB
releases the GIL: in worker threads, car and position samples decode while
Python flattens the timing feeds (`bronze.build`).

Nothing here touches the lake: a scratch database lives for one decode.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import pyarrow as pa

from ..decode.timeparse import MAX_YEAR, MIN_YEAR

# F1 timestamps as `decode.timeparse.parse_utc` accepts them; DuckDB's cast is
# laxer (dates alone, spaces), so the text must match this first.
UTC_PATTERN = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})?"


def utc_sql(expr: str) -> str:
    """SQL turning F1 timestamp text into a TIMESTAMPTZ, NULL where parse_utc would refuse it."""
    return (f"CASE WHEN regexp_full_match({expr}, '{UTC_PATTERN}') AND left({expr}, 4) BETWEEN '{MIN_YEAR}' "
            f"AND '{MAX_YEAR - 1}' THEN TRY_CAST({expr} AS TIMESTAMPTZ) END")


def render(sql: str, **values) -> str:
    """`sql` with `{name}` placeholders filled (not str.format: the SQL is full of JSON braces)."""
    for name, value in values.items():
        sql = sql.replace("{" + name + "}", str(value))
    return sql


@contextmanager
def scratch(**tables: pa.Table) -> Iterator[duckdb.DuckDBPyConnection]:
    """A fresh in-memory DuckDB with `tables` registered under their keyword names."""
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")  # zone-less F1 timestamps are UTC
        con.execute("SET enable_progress_bar = false")  # never DuckDB's own bar in a notebook
        # car and position samples decode side by side (bronze.build) next to Python's
        # own work: half the cores each; more only fight over them (measured on 2 cores)
        (cores,) = con.execute("SELECT current_setting('threads')").fetchone()  # DuckDB's own count
        con.execute(f"SET threads = {max(1, int(cores) // 2)}")
        for name, table in tables.items():
            con.register(name, table)
        yield con
    finally:
        con.close()
