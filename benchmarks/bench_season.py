"""A season in one lake: N demo race weekends (qualifying + race each), loaded and built, then three
cross-session queries, on DuckDB and (when PySpark is there) on PySpark local.

    python benchmarks/bench_season.py [--rounds 24] [--drivers 20] [--laps 57] [--telemetry]
                                      [--repeat 3] [--no-spark] [--spark-timeout 300]

The demo archive is generated once (not timed; `f1nb.demo.tree.demo_tree`). Timed, in a fresh process:
every session loaded into Bronze (file:// archive through ArchiveClient, `ingest(Demo(...), build=False)`), then one
`lake.build` of Silver and Gold for all sessions. Then the lake's size on disk, and the median time of
each query (in-process, warm: after one untimed run):
  points  : season points table from gold.driver_season
  pace    : average race pace per team: gold.race_pace joined with silver.drivers (races only)
  quali   : qualifying head-to-heads from gold.quali_head_to_head
On Spark: `build_with_spark(lake, DIR)` (Bronze exported to Parquet, Silver and Gold built on Spark,
local[2]) in a fresh process, then the same three queries on `SparkLake(DIR)`; skipped with the reason
when PySpark is not importable or the run exceeds --spark-timeout seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

QUERIES = {
    "points": "SELECT abbreviation, team_name, points, wins, podiums, poles, races FROM gold.driver_season "
              "ORDER BY points DESC, wins DESC, abbreviation",
    "pace": "SELECT d.team_name, count(*) AS driver_races, avg(p.median_clean_lap_s) AS avg_median_lap_s, "
            "avg(p.gap_to_best_s) AS avg_gap_to_best_s FROM gold.race_pace p JOIN silver.drivers d "
            "ON p.session_key = d.session_key AND p.driver_number = d.driver_number "
            "JOIN bronze.sessions s ON p.session_key = s.session_key WHERE s.session_type = 'Race' "
            "GROUP BY d.team_name ORDER BY avg_gap_to_best_s",
    "quali": "SELECT team_name, driver_a, driver_b, sessions, a_ahead, b_ahead, mean_position_gap "
             "FROM gold.quali_head_to_head ORDER BY team_name, driver_a",
}

BUILD = r"""
import json, resource, sys, time
t_start = time.perf_counter()
from f1nb.demo import DemoConfig
from f1nb.lake.lake import Lake
from f1nb.ingest import Demo, ingest
t0 = time.perf_counter()
cfg = eval(sys.argv[1], {"DemoConfig": DemoConfig})
root, lake_file = sys.argv[2], sys.argv[3]
lake = Lake(lake_file)
reports = ingest(Demo(cfg, root, progress=False), lake, build=False).loads
t_bronze = time.perf_counter()
report = lake.build([r.session_key for r in reports])
t_gold = time.perf_counter()
lake.close()
print(json.dumps({"imports_s": t0 - t_start, "bronze_s": t_bronze - t0, "build_s": t_gold - t_bronze,
                  "total_s": t_gold - t0, "sessions": len(reports),
                  "car_samples": sum(r.car_samples for r in reports),
                  "slowest": sorted(report.seconds.items(), key=lambda kv: -kv[1])[:5],
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

SPARK = r"""
import json, statistics, sys, time
queries, repeat = json.loads(sys.argv[3]), int(sys.argv[4])
t_start = time.perf_counter()
from f1nb.lake.lake import Lake
from f1nb.engine.spark import SparkLake, build_with_spark, spark_session
t0 = time.perf_counter()
spark = spark_session()
t_session = time.perf_counter()
lake = Lake(sys.argv[1])
report = build_with_spark(lake, sys.argv[2], session=spark)
lake.close()
t_build = time.perf_counter()
out = {"imports_s": t0 - t_start, "session_s": t_session - t0, "build_s": t_build - t_session,
       "slowest": sorted(report.seconds.items(), key=lambda kv: -kv[1])[:5], "queries": {}, "rows": {}}
sl = SparkLake(sys.argv[2], session=spark)
for name, q in queries.items():
    for layer in ("bronze", "silver", "gold"):
        q = q.replace(layer + ".", layer + "_")
    first = time.perf_counter(); out["rows"][name] = sl.sql(q).num_rows; out.setdefault("first", {})[name] = time.perf_counter() - first
    times = []
    for _ in range(repeat):
        t = time.perf_counter(); sl.sql(q); times.append(time.perf_counter() - t)
    out["queries"][name] = statistics.median(times)
sl.close()
spark.stop()
print(json.dumps(out))
"""


def dir_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def duckdb_queries(lake_file: Path, repeat: int) -> dict:
    from f1nb.lake.lake import Lake

    out = {}
    with Lake(lake_file) as lake:
        for name, q in QUERIES.items():
            first = time.perf_counter()
            rows = lake.sql(q).num_rows
            first = time.perf_counter() - first
            times = []
            for _ in range(repeat):
                t = time.perf_counter()
                lake.sql(q)
                times.append(time.perf_counter() - t)
            out[name] = (rows, first, statistics.median(times))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=24)
    ap.add_argument("--drivers", type=int, default=20)
    ap.add_argument("--laps", type=int, default=57)
    ap.add_argument("--telemetry", action=argparse.BooleanOptionalAction, default=False,
                    help="4 Hz CarData.z / Position.z in every session (off by default: 48 sessions with "
                         "telemetry take well over 5 minutes to generate and load on 2 cores)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per query (median)")
    ap.add_argument("--no-spark", action="store_true")
    ap.add_argument("--spark-timeout", type=float, default=300.0)
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder (lake, archive)")
    args = ap.parse_args()
    from f1nb.demo import DemoConfig
    from f1nb.demo.tree import demo_tree

    cfg = DemoConfig(rounds=args.rounds, drivers=args.drivers, race_laps=args.laps,
                     telemetry=args.telemetry, sessions=("Qualifying", "Race"))
    tmp = Path(tempfile.mkdtemp(prefix="f1nb-bench-season-"))
    t = time.perf_counter()
    root = demo_tree(cfg, tmp / "archive")
    gen_s = time.perf_counter() - t
    archive_mb = sum(p.stat().st_size for p in root.rglob("*.jsonStream")) / 1e6
    size = (f"{cfg.rounds} weekends x (qualifying + race), {cfg.drivers} drivers, {cfg.race_laps} race laps, "
            + ("4 Hz telemetry" if cfg.telemetry else "no telemetry"))
    print(f"season: {size}; {archive_mb:.0f} MB of .jsonStream (generated in {gen_s:.0f} s, not timed)")

    lake_file = tmp / "lake.duckdb"
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", BUILD, repr(cfg), str(root), str(lake_file)],
                         capture_output=True, text=True)
    wall = time.perf_counter() - t
    if out.returncode != 0:
        raise SystemExit(f"build failed:\n{out.stderr[-3000:]}")
    b = json.loads(out.stdout.strip().splitlines()[-1])
    print()
    print("DuckDB lake (one fresh process, times after imports)")
    print(f"  sessions loaded           {b['sessions']:>8d}   ({b['car_samples']} car samples)")
    print(f"  archive -> Bronze         {b['bronze_s']:8.1f} s")
    print(f"  Silver + Gold build       {b['build_s']:8.1f} s   slowest: "
          + ", ".join(f"{n} {s:.1f}s" for n, s in b["slowest"]))
    print(f"  total build               {b['total_s']:8.1f} s   (whole process {wall:.1f} s, peak RSS "
          f"{b['peak_rss_mb']:.0f} MB)")
    print(f"  lake size on disk         {dir_size(lake_file) / 1e6:8.1f} MB")
    print(f"  {'query':24s} {'rows':>6s} {'first_s':>9s} {'median_s':>9s}")
    for name, (rows, first, m) in duckdb_queries(lake_file, args.repeat).items():
        print(f"  {name:24s} {rows:6d} {first:9.3f} {m:9.3f}")

    print()
    reason = None
    if args.no_spark:
        reason = "--no-spark"
    else:
        try:
            import pyspark  # noqa: F401

            import f1nb.engine.spark  # noqa: F401
        except ImportError as exc:
            reason = f"PySpark unavailable ({exc})"
        if reason is None and shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
            reason = "no Java runtime for PySpark"
    if reason:
        print(f"PySpark local: skipped: {reason}")
    else:
        spark_dir = tmp / "sparklake"
        t = time.perf_counter()
        try:
            out = subprocess.run([sys.executable, "-c", SPARK, str(lake_file), str(spark_dir), json.dumps(QUERIES),
                                  str(args.repeat)], capture_output=True, text=True, timeout=args.spark_timeout)
        except subprocess.TimeoutExpired:
            out = None
            print(f"PySpark local: skipped: export + build + queries did not finish within {args.spark_timeout:.0f} s")
        wall = time.perf_counter() - t
        if out is not None and out.returncode != 0:
            print(f"PySpark local: failed:\n{out.stderr[-2000:]}")
        elif out is not None:
            s = json.loads(out.stdout.strip().splitlines()[-1])
            print("PySpark local[2] (one fresh process)")
            print(f"  Spark session start       {s['session_s']:8.1f} s")
            print(f"  export + Silver/Gold      {s['build_s']:8.1f} s   slowest: "
                  + ", ".join(f"{n} {x:.1f}s" for n, x in s["slowest"]))
            print(f"  Parquet lake on disk      {dir_size(spark_dir) / 1e6:8.1f} MB   (whole process {wall:.0f} s)")
            print(f"  {'query':24s} {'rows':>6s} {'first_s':>9s} {'median_s':>9s}")
            for name, m in s["queries"].items():
                print(f"  {name:24s} {s['rows'][name]:6d} {s['first'][name]:9.3f} {m:9.3f}")
    if args.keep:
        print(f"\nkept {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
