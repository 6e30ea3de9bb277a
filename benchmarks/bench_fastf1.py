"""f1nb against FastF1 3.9 on the same files: the real 2018 Azerbaijan race (laps; no telemetry exists).

    python benchmarks/bench_fastf1.py [--repeat 3]

f1nb: archive folder (file://, through ArchiveClient) -> load_archive_session -> lake.build (Silver, Gold),
then get_laps() + get_results(). FastF1: the same folder converted once (not timed) to FastF1's
live-recording format (benchmarks/fastf1_recording.py), then `Session.load(livedata=LiveTimingData(rec),
laps=True, telemetry=False)` with an empty cache, offline (network blocked; Ergast and other HTTP calls
answer from FastF1's offline cache, i.e. miss at once).

Every run is a fresh process; runs alternate f1nb / FastF1. Two clocks per run:
  in-process  : after imports, load -> data in hand;
  whole proc  : wall time of `python -c ...` (interpreter start and imports included).
"reopen": f1nb opening the built lake (Lake(path) + session_from_lake(key).get_laps() + .get_results())
against FastF1's warm load (a second load in a new process with its cache, which stores the parsed
live data per api function, populated).
Targets: in-process cold >= 4x, reopen >= 4x, whole-process cold >= 1.5x faster than FastF1.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
REAL_ARCHIVE = REPO.parent / "shared" / "realdata" / "archive"
BAKU = "2018/2018-04-29_Azerbaijan_Grand_Prix/2018-04-29_Race/"

F1NB_COLD = r"""
import json, resource, sys, time
t_start = time.perf_counter()
from f1nb.archive.client import ArchiveClient
from f1nb.bronze.load import load_archive_session
from f1nb.lake.lake import Lake
from f1nb.session_lookup import session_from_lake
import pandas  # pyarrow imports it at the first array a load builds; FastF1 imports it up front: both count it as an import
t0 = time.perf_counter()
root, path, lake_file, cache = sys.argv[1:5]
client = ArchiveClient(base_url=root, cache_dir=cache, progress=False)
lake = Lake(lake_file)
report = load_archive_session(lake, client, client.session_from_path(path))
t_bronze = time.perf_counter()
build = lake.build([report.session_key])
t_gold = time.perf_counter()
s = session_from_lake(report.session_key, lake)
laps, results = s.get_laps(), s.get_results()
t_frames = time.perf_counter()
lake.close()
print(json.dumps({"imports_s": t0 - t_start, "bronze_s": t_bronze - t0, "build_s": t_gold - t_bronze,
                  "load_s": t_gold - t0, "frames_s": t_frames - t0, "key": report.session_key,
                  "laps": len(laps), "results": len(results),
                  "slowest": sorted(build.seconds.items(), key=lambda kv: -kv[1])[:4],
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

F1NB_REOPEN = r"""
import json, resource, sys, time
t_start = time.perf_counter()
from f1nb.lake.lake import Lake
from f1nb.session_lookup import session_from_lake
t0 = time.perf_counter()
lake_file, key = sys.argv[1], int(sys.argv[2])
lake = Lake(lake_file)
s = session_from_lake(key, lake)
laps, results = s.get_laps(), s.get_results()
t1 = time.perf_counter()
lake.close()
print(json.dumps({"imports_s": t0 - t_start, "load_s": t1 - t0, "laps": len(laps), "results": len(results),
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

FASTF1 = r"""
import json, resource, sys, time
t_start = time.perf_counter()
sys.path.insert(0, sys.argv[1])
from fastf1_recording import offline_fastf1, fastf1_session
rec, meta_file, cache, telemetry = sys.argv[2:6]
fastf1 = offline_fastf1(cache)
from fastf1.livetiming.data import LiveTimingData
t0 = time.perf_counter()
s = fastf1_session(json.loads(open(meta_file).read()))
s.load(livedata=LiveTimingData(rec), laps=True, telemetry=telemetry == "1", weather=True, messages=True)
laps, results = s.laps, s.results
t1 = time.perf_counter()
out = {"imports_s": t0 - t_start, "load_s": t1 - t0, "laps": len(laps), "results": len(results),
       "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
if telemetry == "1":
    out["car_samples"] = int(sum(len(v) for v in s.car_data.values()))
    out["pos_samples"] = int(sum(len(v) for v in s.pos_data.values()))
print(json.dumps(out))
"""


def run(code: str, *args: str) -> dict:
    """One fresh process; adds its whole-process wall time as `wall_s`."""
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True)
    wall = time.perf_counter() - t
    if out.returncode != 0:
        raise SystemExit(f"child failed ({out.returncode}):\n{out.stderr[-3000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["wall_s"] = wall
    return result


def med(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def verdict(ratio: float, target: float) -> str:
    return f"{ratio:5.2f}x  (target >= {target}x: {'met' if ratio >= target else 'MISSED'})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    folder = REAL_ARCHIVE / BAKU
    if not folder.is_dir():
        raise SystemExit(f"needs the real archive at {folder}")
    import fastf1

    from fastf1_recording import write_recording

    tmp = Path(tempfile.mkdtemp(prefix="f1nb-bench-ff1-"))
    rec, meta_file = tmp / "recording.txt", tmp / "meta.json"
    meta = write_recording(folder, rec)
    meta_file.write_text(json.dumps(meta))
    root = REAL_ARCHIVE.as_uri() + "/"

    cold_f, cold_x, re_f, warm_x = [], [], [], []
    for i in range(args.repeat):
        lake, cache, ffcache = tmp / f"lake{i}.duckdb", tmp / f"cache{i}", tmp / f"ff1cache{i}"
        cold_f.append(run(F1NB_COLD, root, BAKU, lake, cache))
        cold_x.append(run(FASTF1, HERE, rec, meta_file, ffcache, "0"))
        re_f.append(run(F1NB_REOPEN, lake, cold_f[-1]["key"]))
        warm_x.append(run(FASTF1, HERE, rec, meta_file, ffcache, "0"))  # cache populated by the cold run
        shutil.rmtree(cache, ignore_errors=True)

    print(f"2018 Azerbaijan race (real, {meta['lines']} records, {meta['bytes'] / 1e6:.1f} MB recording; "
          f"no telemetry); FastF1 {fastf1.__version__}")
    print(f"median of {args.repeat} alternating runs, each in a fresh process; seconds")
    print(f"f1nb -> {cold_f[0]['laps']} laps, {cold_f[0]['results']} results; FastF1 -> {cold_x[0]['laps']} laps, "
          f"{cold_x[0]['results']} results")
    print()
    print(f"{'case':44s} {'f1nb':>8s} {'FastF1':>8s}   ratio (FastF1 / f1nb)")
    rows = [
        ("cold, in-process: files -> Gold", med(cold_f, "load_s"), med(cold_x, "load_s"), 4.0),
        ("cold, in-process: files -> laps+results", med(cold_f, "frames_s"), med(cold_x, "load_s"), None),
        ("reopen / warm cache, in-process", med(re_f, "load_s"), med(warm_x, "load_s"), 4.0),
        ("cold, whole process (python -c)", med(cold_f, "wall_s"), med(cold_x, "wall_s"), 1.5),
        ("reopen / warm cache, whole process", med(re_f, "wall_s"), med(warm_x, "wall_s"), None),
        ("imports alone", med(cold_f, "imports_s"), med(cold_x, "imports_s"), None),
    ]
    for name, a, b, target in rows:
        tail = verdict(b / a, target) if target else f"{b / a:5.2f}x"
        print(f"{name:44s} {a:8.3f} {b:8.3f}   {tail}")
    print()
    print(f"f1nb cold split: bronze {med(cold_f, 'bronze_s'):.3f} s, silver+gold build {med(cold_f, 'build_s'):.3f} s; "
          f"reopen imports {med(re_f, 'imports_s'):.3f} s")
    print("f1nb slowest models (last run): " + ", ".join(f"{n} {s:.3f}s" for n, s in cold_f[-1]["slowest"]))
    print(f"peak RSS MB: f1nb cold {med(cold_f, 'peak_rss_mb'):.0f}, FastF1 cold {med(cold_x, 'peak_rss_mb'):.0f}, "
          f"f1nb reopen {med(re_f, 'peak_rss_mb'):.0f}, FastF1 warm {med(warm_x, 'peak_rss_mb'):.0f}")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
