"""A race with telemetry: f1nb (archive -> Gold) against FastF1 3.9 (laps + telemetry) on the same bytes.

    python benchmarks/bench_telemetry.py [--repeat 3] [--laps 57] [--drivers 20]

Race-size demo: DemoConfig(drivers=20, race_laps=57, sample_hz=4.0, sessions=("Race",)), generated once
(not timed). f1nb: file:// archive through ArchiveClient -> load_archive_session -> lake.build (Silver,
Gold). FastF1: the same folder converted once (not timed) to its live-recording format
(benchmarks/fastf1_recording.py), then `Session.load(livedata=..., laps=True, telemetry=True)`, offline,
with an empty cache. Every run is a fresh process (peak RSS is the run's own, from getrusage); runs
alternate; in-process times are after imports, whole-process times are `python -c` wall time.
Targets: f1nb <= 5 s and <= 1.5 GB, and >= 3x faster than FastF1.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
from pathlib import Path

from bench_fastf1 import FASTF1, HERE, run

F1NB = r"""
import json, resource, sys, time
t_start = time.perf_counter()
from f1nb.archive.client import ArchiveClient
from f1nb.bronze.load import load_archive_session
from f1nb.lake.lake import Lake
import pandas  # DuckDB imports it on its first Arrow scan; FastF1 imports it up front: both count it as an import
t0 = time.perf_counter()
root, path, lake_file, cache = sys.argv[1:5]
client = ArchiveClient(base_url=root, cache_dir=cache, progress=False)
lake = Lake(lake_file)
report = load_archive_session(lake, client, client.session_from_path(path))
t_bronze = time.perf_counter()
silver = lake.build([report.session_key], ("silver",))
t_silver = time.perf_counter()
gold = lake.build([report.session_key], ("gold",))
t_gold = time.perf_counter()
lake.close()
secs = {**silver.seconds, **gold.seconds}
print(json.dumps({"imports_s": t0 - t_start, "bronze_s": t_bronze - t0, "silver_s": t_silver - t_bronze,
                  "gold_s": t_gold - t_silver, "load_s": t_gold - t0,
                  "car_samples": report.car_samples, "pos_samples": report.position_samples,
                  "slowest": sorted(secs.items(), key=lambda kv: -kv[1])[:5],
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--laps", type=int, default=57)
    ap.add_argument("--drivers", type=int, default=20)
    args = ap.parse_args()
    import fastf1

    from f1nb.demo import DemoConfig, demo_session_path, write_demo_archive
    from fastf1_recording import write_recording

    tmp = Path(tempfile.mkdtemp(prefix="f1nb-bench-tel-"))
    cfg = DemoConfig(drivers=args.drivers, race_laps=args.laps, sample_hz=4.0, sessions=("Race",))
    archive = tmp / "archive"
    write_demo_archive(archive, cfg)
    path = demo_session_path(cfg, session="Race")
    folder = archive / path
    mb = sum(p.stat().st_size for p in folder.glob("*.jsonStream")) / 1e6
    rec, meta_file = tmp / "recording.txt", tmp / "meta.json"
    meta = write_recording(folder, rec)
    meta_file.write_text(json.dumps(meta))
    root = archive.resolve().as_uri() + "/"

    f1nb, ff1 = [], []
    for i in range(args.repeat):
        f1nb.append(run(F1NB, root, path, tmp / f"lake{i}.duckdb", tmp / f"cache{i}"))
        ff1.append(run(FASTF1, HERE, rec, meta_file, tmp / f"ff1cache{i}", "1"))
        (tmp / f"lake{i}.duckdb").unlink(missing_ok=True)
        shutil.rmtree(tmp / f"ff1cache{i}", ignore_errors=True)

    def m(runs, key):
        return statistics.median(r[key] for r in runs)

    print(f"demo race: {cfg.drivers} drivers, {cfg.race_laps} laps, 4 Hz car and position data; "
          f"{mb:.1f} MB of .jsonStream, {meta['lines']} records; FastF1 {fastf1.__version__}")
    print(f"f1nb: {f1nb[0]['car_samples']} car + {f1nb[0]['pos_samples']} position samples; FastF1: "
          f"{ff1[0]['car_samples']} car + {ff1[0]['pos_samples']} position samples, {ff1[0]['laps']} laps")
    print(f"median of {args.repeat} alternating runs, each in a fresh process")
    print()
    print(f"{'':36s} {'f1nb':>9s} {'FastF1':>9s}   ratio (FastF1 / f1nb)")
    a, b = m(f1nb, "load_s"), m(ff1, "load_s")
    print(f"{'in-process, after imports (s)':36s} {a:9.2f} {b:9.2f}   {b / a:5.2f}x  "
          f"(target >= 3x: {'met' if b / a >= 3 else 'MISSED'})")
    a2, b2 = m(f1nb, "wall_s"), m(ff1, "wall_s")
    print(f"{'whole process, python -c (s)':36s} {a2:9.2f} {b2:9.2f}   {b2 / a2:5.2f}x")
    r1, r2 = m(f1nb, "peak_rss_mb"), m(ff1, "peak_rss_mb")
    print(f"{'peak RSS (MB)':36s} {r1:9.0f} {r2:9.0f}")
    print()
    print(f"f1nb targets: time {a:.2f} s (<= 5 s: {'met' if a <= 5 else 'MISSED'}), "
          f"peak {r1:.0f} MB (<= 1536 MB: {'met' if r1 <= 1536 else 'MISSED'})")
    print(f"f1nb split: bronze {m(f1nb, 'bronze_s'):.2f} s, silver {m(f1nb, 'silver_s'):.2f} s, "
          f"gold {m(f1nb, 'gold_s'):.2f} s, imports {m(f1nb, 'imports_s'):.2f} s")
    print("f1nb slowest models (last run): " + ", ".join(f"{n} {s:.2f}s" for n, s in f1nb[-1]["slowest"]))
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
