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
those blocks go to the lake's temporary file (`<lake>.tmp`) instead of RAM; then, with the
limit back, a CHECKPOINT on one thread writes them into the lake file, compressed (left to
the checkpoint at close, on every thread, they came back all at once: a higher peak than no
bound at all). The checkpoint itself is never bounded: a checkpoint that runs out of memory
invalidates the database in the process (DuckDB's rule), and bounded its need was seen from
1 to over 28 MiB for a few rows. Baku into a lake holding 48 demo sessions: 380-388 MB ->
298-300 MB (into an empty lake: 266-276).

The limit comes back to DuckDB's default in bytes: `RESET memory_limit` (DuckDB 1.5) changes
the setting shown but leaves the buffer pool at the bound, and the limit's text does not read
back to the same bytes ('18.7 GiB' set reads '18.6 GiB'). So a limit the user set (one that
does not read as DuckDB's default) is left alone, and so is a lake another connection shares
(the settings hold for all of them, and CHECKPOINT fails while another has a write open: a
live session's writer and builder): those commits are plain.

A commit that cannot get its memory under the bound fails as any failed COMMIT does: DuckDB
ends the transaction and the lake is as it was; the error says so. The headroom covers what a
commit pins: a data and a validity block for each column of the table it is appending to.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from ..errors import LakeError

BLOCK_BYTES = 256 * 2**10  # DuckDB's block size
# Above what DuckDB holds before the COMMIT, besides the blocks of the widest table.
HEADROOM_BYTES = 16 * 2**20
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
    """COMMIT the open transaction of `raw` (a DuckDB connection to a lake file) with DuckDB's
    memory bounded, then CHECKPOINT."""
    connections, used, widest_table, limit, threads = raw.execute(
        "SELECT (SELECT * FROM duckdb_connection_count()), "
        "(SELECT coalesce(sum(memory_usage_bytes), 0) FROM duckdb_memory() WHERE tag <> 'BASE_TABLE'), "
        "(SELECT coalesce(max(column_count), 0) FROM duckdb_tables() WHERE database_name = current_database()), "
        "current_setting('memory_limit'), current_setting('threads')").fetchone()
    # (blocks read from the lake file are not counted in `used`: DuckDB can drop them and read them again)
    bound = int(used) + HEADROOM_BYTES + 2 * BLOCK_BYTES * widest_table
    default = duckdb_default_limit()
    if connections != 1 or default is None or limit != render_bytes(default) or bound >= default:
        raw.execute("COMMIT")
        return
    raw.execute(f"SET memory_limit = '{bound} bytes'")
    try:
        raw.execute("COMMIT")
    except (duckdb.OutOfMemoryException, duckdb.TransactionException) as exc:  # DuckDB has ended the transaction
        raise LakeError(f"storing the write failed: {str(exc).splitlines()[0]}; nothing was stored, the lake "
                        "is as it was") from exc
    finally:
        raw.execute(f"SET memory_limit = '{default} bytes'")
    raw.execute("SET threads = 1")
    try:
        raw.execute("CHECKPOINT")
    finally:
        raw.execute(f"SET threads = {int(threads)}")
