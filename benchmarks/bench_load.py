"""Load and build times, and peak memory, for a real race and a race-size demo.

    python benchmarks/bench_load.py [--repeat 3]

Each measurement runs in a fresh subprocess (so peak RSS is that stage's own):
archive files (file:// tree, through ArchiveClient) -> Bronze -> Silver -> Gold.
`decode` parses the files; `bronze` makes and writes the Bronze tables (the samples
inflated, decoded and written slice by slice inside the one transaction). The *_cpu_s
columns are the process's CPU time for a stage, steadier than wall time on a busy machine.
The real 2018 Azerbaijan race needs ../shared/realdata; it is skipped if absent.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REAL_ARCHIVE = REPO.parent / "shared" / "realdata" / "archive"
BAKU = "2018/2018-04-29_Azerbaijan_Grand_Prix/2018-04-29_Race/"

CHILD = r"""
import json, resource, sys, time
t_import = time.perf_counter()
from f1nb.archive.client import ArchiveClient
from f1nb.bronze.load import gc_paused, source_from_files, write_source
from f1nb.lake.lake import Lake
import pandas  # pyarrow imports it on its first array: an import, not a stage
def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
t0 = time.perf_counter()
root, path, lake_file = sys.argv[1], sys.argv[2], sys.argv[3]
client = ArchiveClient(base_url=root, progress=False)
ref = client.session_from_path(path)
files = client.fetch_session(ref)
lake = Lake(lake_file)
t_read, c_read = time.perf_counter(), cpu()
with gc_paused():  # as load_archive_session runs
    src = source_from_files(files, root)
    t_decode, c_decode = time.perf_counter(), cpu()
    report = write_source(lake, src)  # Bronze tables, samples streamed into the one transaction
t_bronze, c_bronze = time.perf_counter(), cpu()
silver = lake.build([src.session_key], ("silver",))
t_silver = time.perf_counter()
gold = lake.build([src.session_key], ("gold",))
t_gold = time.perf_counter()
print(json.dumps({
    "imports_s": t0 - t_import, "read_s": t_read - t0, "decode_s": t_decode - t_read,
    "bronze_s": t_bronze - t_decode, "decode_cpu_s": c_decode - c_read, "bronze_cpu_s": c_bronze - c_decode,
    "archive_to_bronze_s": t_bronze - t0, "silver_s": t_silver - t_bronze, "gold_s": t_gold - t_silver,
    "archive_to_gold_s": t_gold - t0,
    "slowest_silver": sorted(silver.seconds.items(), key=lambda kv: -kv[1])[:3],
    "rows": {"messages": sum(report.messages.values()), "car_samples": report.car_samples},
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""


def run_case(root: str, path: str, repeat: int) -> dict:
    runs = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            out = subprocess.run([sys.executable, "-c", CHILD, root, path, str(Path(tmp) / "lake.duckdb")],
                                 capture_output=True, text=True, check=True)
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0] if isinstance(runs[0][k], float)}
    med["rows"] = runs[0]["rows"]
    med["slowest_silver"] = runs[-1]["slowest_silver"]
    return med


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--laps", type=int, default=57)
    args = parser.parse_args()
    cases = []
    if REAL_ARCHIVE.is_dir():
        cases.append(("2018 Azerbaijan race (real, no telemetry)", REAL_ARCHIVE.as_uri() + "/", BAKU))
    else:
        print(f"skipping the real race: {REAL_ARCHIVE} not present")
    from f1nb.demo import DemoConfig, demo_session_path, write_demo_archive

    tmp = tempfile.mkdtemp(prefix="f1nb-bench-")
    cfg = DemoConfig(drivers=20, race_laps=args.laps, sample_hz=4.0, sessions=("Race",))
    write_demo_archive(Path(tmp), cfg)
    cases.append((f"demo race ({cfg.drivers} drivers, {cfg.race_laps} laps, 4 Hz telemetry)",
                  Path(tmp).as_uri() + "/", demo_session_path(cfg, session="Race")))
    cols = ["read_s", "decode_s", "decode_cpu_s", "bronze_s", "bronze_cpu_s", "archive_to_bronze_s", "silver_s",
            "gold_s", "archive_to_gold_s", "peak_rss_mb"]
    print(f"median of {args.repeat} runs, each in a fresh process (imports excluded from times)")
    print(f"{'case':58s} " + " ".join(f"{c:>12s}" for c in cols))
    for name, root, path in cases:
        r = run_case(root, path, args.repeat)
        print(f"{name:58s} " + " ".join(f"{r[c]:12.2f}" for c in cols))
        print(f"{'':58s} rows: {r['rows']}; slowest silver tables: "
              + ", ".join(f"{n} {s:.2f}s" for n, s in r["slowest_silver"]))


if __name__ == "__main__":
    main()
