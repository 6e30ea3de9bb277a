"""Where the real 2018 Baku race's files -> Gold time goes, stage by stage, in CPU seconds (the best
of --repeat runs in one process, so a busy machine shows the same figures), and the alternatives
measured against the stages that dominate:

    python benchmarks/bench_baku_floor.py [--repeat 5]

Bronze: parsing the files (one orjson parse per line, whose values the fields walk takes), the
fields walk (one JSON leaf = one row, in Python) split into the walk and its Arrow columns, and
DuckDB's own json_tree over the same payloads (the in-engine alternative). Build: every model's
planning (binding, optimisers and physical planning, from DuckDB's detailed profiler) against
planned and run (the SELECT fetched), on one thread as the build runs them. Needs
../shared/realdata.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
REAL = HERE.parent.parent / "shared" / "realdata" / "archive"
BAKU = "2018/2018-04-29_Azerbaijan_Grand_Prix/2018-04-29_Race/"


def best(fn, repeat: int) -> tuple[float, object]:
    """(least CPU seconds over `repeat` calls, the last result)."""
    times, out = [], None
    for _ in range(repeat):
        start = time.process_time()
        out = fn()
        times.append(time.process_time() - start)
    return min(times), out


def bronze_stages(files, repeat: int) -> list[tuple[str, float]]:
    from f1nb.bronze import fields
    from f1nb.bronze.load import source_from_files
    from f1nb.bronze.messages import messages_table

    parse_s, src = best(lambda: source_from_files(files, "bench"), repeat)  # one orjson parse per line
    msgs, bodies = src.messages, src.values
    utc = messages_table(1, msgs).column("utc")

    def walk():
        out: list = []
        number = functools.cache(fields._string_number)  # as fields_table walks: each text's number once
        for body, msg in zip(bodies, msgs):
            if body is not None:
                fields._walk(body, (msg.topic,), out, number)
        return out

    walk_s, leaves = best(walk, repeat)
    whole_s, (table, _) = best(lambda: fields.fields_table(1, msgs, bodies, utc), repeat)
    messages_s, _ = best(lambda: messages_table(1, msgs), repeat)
    return [(f"parse the files ({len(msgs)} messages; the walk takes these parsed values)", parse_s),
            (f"fields walk, whole ({table.num_rows} leaves)", whole_s),
            ("  of which: the walk itself", walk_s),
            ("  of which: rows -> Arrow columns (the rest)", whole_s - walk_s),
            ("messages table", messages_s)]


def engine_stages(lake, repeat: int) -> list[tuple[str, float]]:
    from f1nb.engine.compiled import input_view, plan

    raw = lake.raw
    raw.execute("SET threads = 1")
    json_tree_s, _ = best(lambda: raw.execute(
        "SELECT count(*) FROM bronze.messages m, json_tree(m.payload) j WHERE m.topic NOT LIKE '%.z'").fetchall(),
        repeat)
    planned = ran = 0.0
    rows = []
    for step in plan():
        for full in step.inputs:
            raw.execute(f'CREATE OR REPLACE TEMP VIEW "{input_view(full)}" AS SELECT * FROM {full}')
        p = min(_planning_s(raw, step.sql) for _ in range(repeat))
        r, _ = best(lambda: raw.execute(step.sql).fetchall(), repeat)
        planned, ran = planned + p, ran + r
        rows.append((step.name, p, r))
    out = [("DuckDB json_tree over the same payloads (in-engine walk)", json_tree_s),
           (f"build: {len(rows)} models planned (bind, optimise, physical plan)", planned),
           (f"build: {len(rows)} models planned and run", ran)]
    for name, p, r in sorted(rows, key=lambda row: -row[2])[:6]:
        out.append((f"  {name} (of which planned: {p * 1000:.0f} ms)", r))
    return out


def _planning_s(raw, sql: str) -> float:
    """Seconds DuckDB's detailed profiler gives one run of `sql` for binding, the optimisers and
    physical planning (an EXPLAIN's time also renders the plan as text: twice as much here)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "profile.json"
        raw.execute("PRAGMA enable_profiling = 'json'")
        raw.execute("SET profiling_mode = 'detailed'")
        raw.execute(f"SET profiling_output = '{out}'")
        try:
            raw.execute(sql).fetchall()
        finally:
            raw.execute("PRAGMA disable_profiling")
        profile = json.loads(out.read_text())
    return profile["planner"] + profile["physical_planner"] + sum(
        v for k, v in profile.items() if k.startswith("optimizer_") and isinstance(v, (int, float)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    if not REAL.is_dir():
        raise SystemExit(f"skipped: {REAL} is absent (the real 2018 Baku race lives in ../shared/realdata)")
    from f1nb.archive.client import ArchiveClient
    from f1nb.bronze.load import load_archive_session
    from f1nb.lake.lake import Lake

    tmp = Path(tempfile.mkdtemp(prefix="f1nb-baku-floor-"))
    with ArchiveClient(base_url=REAL.resolve().as_uri() + "/", cache_dir=tmp / "cache", progress=False) as client:
        ref = client.session_from_path(BAKU)
        files = client.fetch_session(ref)
        stages = bronze_stages(files, args.repeat)
        with Lake(tmp / "lake.duckdb") as lake:
            load_archive_session(lake, client, ref)
            lake.build()
            stages += engine_stages(lake, args.repeat)
    print(f"2018 Baku race: CPU seconds, best of {args.repeat}")
    for name, seconds in stages:
        print(f"  {name:62s} {seconds * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
