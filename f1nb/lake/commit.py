"""COMMIT of a write to a lake file, with DuckDB's memory bounded while the rows are stored.

Why: a commit that appends rows to a table already stored in the file gives every column of
that table a new in-memory block of the file's block size (256 KiB), whose validity mask
DuckDB initialises in full, however few rows arrive; the blocks stay in memory until the next
checkpoint. A table made in the same transaction keeps the transaction's own small blocks
instead. So building one session into a lake whose Silver and Gold tables exist (any lake but
a new one) cost ~265 KiB for each of their ~460 columns: +96 MB against an empty lake for the
2018 Baku race, the same with 8 or 48 sessions in the lake (`benchmarks/run_all.py --only
memory`; a lake of 20 tables of 20 columns: +103 MB at COMMIT whether each table held 5,000
or 200,000 rows, so it is not the size of the lake; `checkpoint_threshold`,
`preserve_insertion_order` and `allocator_flush_threshold` change nothing).

While the commit runs, DuckDB's memory_limit is set just above what it holds already, so
those blocks go to the lake's temporary file (`<lake>.tmp`) instead of RAM, and a CHECKPOINT
under the same bound then writes them into the lake file, compressed. Without that
checkpoint, the next one (at the latest when the lake is closed) would read them all back at
once. After, the settings are put back.

A commit that cannot get its memory fails as any failed COMMIT does: DuckDB ends the
transaction, the lake is as it was, and the error is raised. A checkpoint that fails
invalidates the database in this process (DuckDB's rule), so it runs on one thread, and the
headroom is well above what it was seen to need (the Baku load ran with 12 MiB, failed with 8).
"""

from __future__ import annotations

import re

BLOCK_BYTES = 256 * 2**10  # DuckDB's block size
# Above what DuckDB holds before the COMMIT: the commit pins a data and a validity block per
# column of the table it is appending to, the checkpoint a few blocks at a time.
HEADROOM_BYTES = 16 * 2**20
_UNITS = {"bytes": 1, "b": 1, "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40,
          "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12}


def setting_bytes(text: str) -> int | None:
    """DuckDB's rendering of a memory setting ('18.8 GiB', '512.0 MiB', '0 bytes') in bytes."""
    match = re.fullmatch(r"\s*([\d.]+)\s*([A-Za-z]+)\s*", text)
    if not match or match.group(2).lower() not in _UNITS:
        return None
    return int(float(match.group(1)) * _UNITS[match.group(2).lower()])


def bounded_commit(raw) -> None:
    """COMMIT the open transaction of `raw` (a DuckDB connection to a lake file) with its
    memory bounded, then CHECKPOINT under the same bound."""
    connections, used, widest_table, limit, threads = raw.execute(
        "SELECT (SELECT * FROM duckdb_connection_count()), "
        "(SELECT coalesce(sum(memory_usage_bytes), 0) FROM duckdb_memory()), "
        "(SELECT coalesce(max(column_count), 0) FROM duckdb_tables() WHERE database_name = current_database()), "
        "current_setting('memory_limit'), current_setting('threads')").fetchone()
    bound = int(used) + HEADROOM_BYTES + 2 * BLOCK_BYTES * widest_table
    # The settings hold for every connection to the lake, and CHECKPOINT fails while another
    # has a write open (a live session's writer and builder): bounded only when alone. A
    # lower limit of the user's own, or one not understood, stays as it is.
    if connections != 1 or bound >= (setting_bytes(limit) or 0):
        raw.execute("COMMIT")
        return
    raw.execute(f"SET memory_limit = '{bound // 2**10}KiB'")
    try:
        raw.execute("COMMIT")
        raw.execute("SET threads = 1")
        raw.execute("CHECKPOINT")
    finally:
        raw.execute(f"SET threads = {int(threads)}")
        # DuckDB shows the limit rounded ('18.7 GiB' set back reads '18.6 GiB'), so its own
        # default comes back through RESET, exactly; a limit of the user's as it reads.
        raw.execute("RESET memory_limit")
        if raw.execute("SELECT current_setting('memory_limit')").fetchone()[0] != limit:
            raw.execute(f"SET memory_limit = '{limit}'")
