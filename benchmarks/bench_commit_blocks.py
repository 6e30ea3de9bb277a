"""What a DuckDB COMMIT costs in memory when it appends a few rows to tables already stored in
the lake file: the figure behind the memory row of issue 13 (one session into a lake that holds
others costs more than into an empty lake).

    python benchmarks/bench_commit_blocks.py [--tables 20] [--columns 20] [--block-sizes 262144 32768 16384]

Makes a lake file with `tables` tables of `columns` INT columns (5,000 or 200,000 rows each),
reopens it, appends 100 rows to every table in one transaction and prints the RSS the COMMIT
adds, per column, with DuckDB's own account (duckdb_memory). Then the same with the tables made
inside the transaction (what a build into a new lake does). DuckDB 1.5 gives each column of a
table stored in the file a fresh block of the file's block size (256 KiB) at such a commit,
with its validity mask initialised in full, however few rows arrive; the blocks stay in memory
until the next checkpoint. f1nb's Silver and Gold have ~460 columns: ~+120 MB for any session
built into a lake whose tables exist, against none for a new lake. The block is the file's: it is
fixed when DuckDB creates the file, so the figures repeat for each of --block-sizes (f1nb makes new
lakes with 32 KiB blocks, `lake.backends.NEW_LAKE_BLOCK_SIZE`).
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from pathlib import Path

import duckdb


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) / 1024


def in_memory_mb(con) -> float:
    (total,) = con.execute("SELECT coalesce(sum(memory_usage_bytes), 0) FROM duckdb_memory() "
                           "WHERE tag = 'IN_MEMORY_TABLE'").fetchone()
    return total / 2**20


def run(folder: Path, tables: int, columns: int, rows: int, stored: bool, block_size: int) -> None:
    path = folder / f"lake-{tables}-{columns}-{rows}-{stored}-{block_size}.duckdb"
    made = {"default_block_size": str(block_size)}
    cols = ", ".join(f"c{i} INT" for i in range(columns))
    values = ", ".join(f"(i * {i + 1})::INT" for i in range(columns))
    if stored:
        con = duckdb.connect(str(path), config=made)
        for t in range(tables):
            con.execute(f"CREATE TABLE t{t} ({cols})")
            con.execute(f"INSERT INTO t{t} SELECT {values} FROM range({rows}) r(i)")
        con.close()
    con = duckdb.connect(str(path), config=made)  # applies only where the file is new
    before = rss_mb()
    con.execute("BEGIN")
    for t in range(tables):
        if not stored:
            con.execute(f"CREATE TABLE t{t} ({cols})")
        con.execute(f"INSERT INTO t{t} SELECT {values} FROM range(100) r(i)")
    pending = rss_mb()
    con.execute("COMMIT")
    after = rss_mb()
    what = f"{rows} rows stored" if stored else "tables made in the transaction"
    print(f"{block_size // 1024} KiB blocks, {tables} tables x {columns} columns, {what}: COMMIT +{after - pending:.0f} MB RSS "
          f"({(after - pending) * 1024 / (tables * columns):.0f} KiB a column; the inserts +{pending - before:.0f} MB), "
          f"DuckDB in-memory table blocks {in_memory_mb(con):.0f} MB")
    con.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tables", type=int, default=20)
    ap.add_argument("--columns", type=int, default=20)
    ap.add_argument("--block-sizes", type=int, nargs="+", default=[262_144, 32_768, 16_384])
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="f1nb-commit-blocks-"))
    try:
        print(f"duckdb {duckdb.__version__}, pid {os.getpid()}")
        for block_size in args.block_sizes:
            for rows in (5_000, 200_000):
                run(folder, args.tables, args.columns, rows, stored=True, block_size=block_size)
            run(folder, args.tables, args.columns, 0, stored=False, block_size=block_size)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
