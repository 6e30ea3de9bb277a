"""Per-model cost of the compiled build plan on a built lake: where a build's time goes.

    python benchmarks/bench_models.py LAKE [--session KEY] [--repeat 3] [--threads N] [--top 12]

Each model's SELECT runs from the shipped plan against the lake (read-only; its inputs are
the lake's own tables, restricted to --session when given) as CREATE TEMP TABLE AS, --repeat
times; the table prints the median wall and process CPU seconds per model, and how much of the
CPU is planning (a PREPARE of the same SQL: parse, bind, optimise). CPU is the steadier figure
on a shared machine: under load, wall time is mostly waiting for a core.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import duckdb

from f1nb.engine.compiled import input_view, plan


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _point_inputs(con, session: int | None) -> None:
    for full in sorted({i for step in plan() for i in step.inputs}):
        layer, name = full.split(".")
        cols = [r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() WHERE schema_name = ? "
                                          "AND table_name = ?", [layer, name]).fetchall()]
        where = f" WHERE session_key = {int(session)}" if session is not None and "session_key" in cols else ""
        con.execute(f'CREATE TEMP VIEW "{input_view(full)}" AS SELECT * FROM {full}{where}')


def measure(con, repeat: int) -> list[tuple[str, float, float, float]]:
    """(model, wall s, cpu s, planning cpu s) per model, medians over `repeat`."""
    out = []
    for i, step in enumerate(plan()):
        started = _cpu()
        con.execute(f"PREPARE _p{i} AS {step.sql}")
        planning = _cpu() - started
        walls, cpus = [], []
        for _ in range(repeat):
            w, c = time.perf_counter(), _cpu()
            con.execute(f"CREATE OR REPLACE TEMP TABLE _out AS {step.sql}")
            walls.append(time.perf_counter() - w)
            cpus.append(_cpu() - c)
        out.append((step.name, statistics.median(walls), statistics.median(cpus), planning))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("lake")
    ap.add_argument("--session", type=int)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, help="DuckDB threads (default: DuckDB's own)")
    ap.add_argument("--top", type=int, default=12)
    args = ap.parse_args()
    con = duckdb.connect(args.lake, read_only=True)
    con.execute("SET enable_progress_bar = false")
    if args.threads:
        con.execute(f"SET threads = {args.threads}")
    _point_inputs(con, args.session)
    rows = measure(con, args.repeat)
    print(f"{len(rows)} models, median of {args.repeat}, threads {con.execute('SELECT current_setting(?)', ['threads']).fetchone()[0]}, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"{'model':34s} {'wall s':>8s} {'cpu s':>8s} {'plan cpu':>9s}")
    for name, wall, cpu, planning in sorted(rows, key=lambda r: -r[2])[:args.top]:
        print(f"{name:34s} {wall:8.3f} {cpu:8.3f} {planning:9.3f}")
    print(f"{'all':34s} {sum(r[1] for r in rows):8.3f} {sum(r[2] for r in rows):8.3f} {sum(r[3] for r in rows):9.3f}")


if __name__ == "__main__":
    main()
