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
once. After, the settings are put back: threads as they were, the memory limit to DuckDB's
default, in bytes (`RESET memory_limit` in DuckDB 1.5 changes the setting shown but leaves the
buffer pool at the bound, and the limit's text does not read back to the same bytes: '18.7
GiB' set reads '18.6 GiB'). So a limit the user set (one that does not read as DuckDB's
default) is left alone, and that commit is not bounded.

A commit that cannot get its memory fails as any failed COMMIT does: DuckDB ends the
transaction, the lake is as it was, and the error is raised. A checkpoint that fails
invalidates the database in this process (DuckDB's rule), so only a transaction that added
rows and removed none is bounded (`Lake.transaction`: after a delete the checkpoint rewrites
row groups whole), the checkpoint runs on one thread, and the headroom is well above what it
was seen to need: the demo's telemetry race loaded with 4 MiB and failed with 1 MiB; here it
is 8 MiB and two blocks for each column of the widest table (24 MiB today).
"""

from __future__ import annotations

import os
from pathlib import Path

BLOCK_BYTES = 256 * 2**10  # DuckDB's block size
# Above what DuckDB holds before the COMMIT: the commit pins a data and a validity block per
# column of the table it is appending to, the checkpoint a few blocks at a time.
HEADROOM_BYTES = 8 * 2**20
_UNITS = ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB")
_CGROUP_LIMITS = ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes")


def render_bytes(count: int) -> str:
    """`count` bytes as DuckDB shows a memory setting (its BytesToHumanReadableString)."""
    parts = [count]
    for _ in range(1, len(_UNITS)):
        parts[-1], carry = parts[-1] % 1024, parts[-1] // 1024
        parts.append(carry)
    for i in range(len(_UNITS) - 1, 0, -1):
        if parts[i]:
            return f"{parts[i]}.{parts[i - 1] * 10 // 1024} {_UNITS[i]}"
    return f"{count} byte" if count == 1 else f"{count} bytes"


def duckdb_default_limit() -> int | None:
    """DuckDB's default memory_limit: 80 % of the memory it finds (physical, or the cgroup's
    limit when lower), or None where that cannot be read."""
    try:
        memory = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):  # not a POSIX system DuckDB reads this way
        return None
    for path in _CGROUP_LIMITS:
        try:
            text = Path(path).read_text().strip()
        except OSError:  # no such cgroup file here
            continue
        if text.isdigit():
            memory = min(memory, int(text))
    return memory * 8 // 10


def bounded_commit(raw) -> None:
    """COMMIT the open transaction of `raw` (a DuckDB connection to a lake file) with its
    memory bounded, then CHECKPOINT under the same bound."""
    connections, used, widest_table, limit, threads = raw.execute(
        "SELECT (SELECT * FROM duckdb_connection_count()), "
        "(SELECT coalesce(sum(memory_usage_bytes), 0) FROM duckdb_memory() WHERE tag <> 'BASE_TABLE'), "
        "(SELECT coalesce(max(column_count), 0) FROM duckdb_tables() WHERE database_name = current_database()), "
        "current_setting('memory_limit'), current_setting('threads')").fetchone()
    # (blocks read from the lake file are not counted in `used`: DuckDB can drop them and read them again)
    bound = int(used) + HEADROOM_BYTES + 2 * BLOCK_BYTES * widest_table
    default = duckdb_default_limit()
    # The settings hold for every connection to the lake, and CHECKPOINT fails while another
    # has a write open (a live session's writer and builder): bounded only when alone, and
    # only under DuckDB's default limit, which can be put back exactly.
    if connections != 1 or default is None or limit != render_bytes(default) or bound >= default:
        raw.execute("COMMIT")
        return
    raw.execute(f"SET memory_limit = '{bound} bytes'")
    try:
        raw.execute("COMMIT")
        raw.execute("SET threads = 1")
        raw.execute("CHECKPOINT")
    finally:
        raw.execute(f"SET threads = {int(threads)}")
        raw.execute(f"SET memory_limit = '{default} bytes'")
