"""A season downloaded over HTTP into one lake: each session's download overlapped with the
decode and write of the one before (`ingest`'s default) against one after the other
(`ingest(..., download_ahead=False)`), side by side in one run.

    python benchmarks/bench_season_download.py [--rounds 3] [--mbps 100] [--latency-ms 50]
                                               [--no-telemetry] [--repeat 3]

The demo archive (qualifying + race per round, 4 Hz car and position data unless --no-telemetry)
is generated once, not timed, and served by `f1nb.archive.serve.ArchiveServer` in its own process,
slowed to a remote archive: --mbps megabits per second shared by every answer, --latency-ms before
each answer. Timed, in a fresh process with an empty cache and lake, alternating the two modes:
`ingest([ArchiveSession(ref, client) for every session], lake, build=False)` (download, decode,
write Bronze) and then `lake.build()`. Prints the medians, the ratio and each mode's peak RSS; the
first pair's two lakes are compared table by table (`tools/compare_lakes.py`).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_fastf1 import REPO, run

ENV = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}

SERVE = r"""
import sys, time
from f1nb.archive.serve import ArchiveServer
server = ArchiveServer(sys.argv[1], bandwidth=float(sys.argv[2]), latency=float(sys.argv[3])).start()
print(server.url, flush=True)
while True:
    time.sleep(3600)
"""

LOAD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from f1nb.archive.client import ArchiveClient
from f1nb.ingest import ArchiveSession, ingest
from f1nb.lake.lake import Lake
url, year, folder, ahead = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4] == "ahead"
lake = Lake(folder + "/lake.duckdb")
t1 = time.perf_counter()
with ArchiveClient(base_url=url, cache_dir=folder + "/cache", progress=False) as client:
    sources = [ArchiveSession(ref, client) for ref in client.season(year)]
    loads = ingest(sources, lake, build=False, download_ahead=ahead).loads
t2 = time.perf_counter()
lake.build([load.session_key for load in loads])
t3 = time.perf_counter()
lake.close()
print(json.dumps({"sessions": len(loads), "load_s": t2 - t1, "build_s": t3 - t2, "total_s": t3 - t1,
                  "imports_s": t1 - t0, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--mbps", type=float, default=100.0, help="the served archive's bandwidth, megabits/s")
    ap.add_argument("--latency-ms", type=float, default=50.0)
    ap.add_argument("--telemetry", action=argparse.BooleanOptionalAction, default=True)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    sys.path.insert(0, str(REPO))
    from f1nb.demo import DemoConfig
    from f1nb.demo.tree import demo_tree

    cfg = DemoConfig(rounds=args.rounds, telemetry=args.telemetry)
    tmp = Path(tempfile.mkdtemp(prefix="f1nb-bench-season-dl-"))
    server = None
    try:
        root = demo_tree(cfg, tmp / "archive")
        size = sum(p.stat().st_size for p in root.rglob("*.jsonStream"))
        server = subprocess.Popen([sys.executable, "-c", SERVE, str(root), str(args.mbps * 1e6 / 8),
                                   str(args.latency_ms / 1000)], stdout=subprocess.PIPE, text=True, env=ENV)
        url = server.stdout.readline().strip()
        print(f"{args.rounds} rounds, {size / 1e6:.1f} MB of feeds, served at {args.mbps:g} Mbit/s, "
              f"{args.latency_ms:g} ms latency ({url})")
        runs: dict[str, list[dict]] = {"ahead": [], "sequential": []}
        for i in range(args.repeat):
            for mode, results in runs.items():
                folder = tmp / f"{mode}-{i}"
                folder.mkdir()
                results.append(run(LOAD, url, cfg.year, folder, mode))
                if i > 0:
                    shutil.rmtree(folder)
            if i == 0:
                same = subprocess.run([sys.executable, str(REPO / "tools" / "compare_lakes.py"),
                                       str(tmp / "ahead-0" / "lake.duckdb"), str(tmp / "sequential-0" / "lake.duckdb")],
                                      check=False, capture_output=True, text=True, env=ENV)
                print("the two lakes:", "equal, table by table" if same.returncode == 0 else
                      f"DIFFER (tools/compare_lakes.py):\n{same.stdout[-2000:]}")
        med = {mode: {k: statistics.median(r[k] for r in rs) for k in ("load_s", "build_s", "total_s", "peak_rss_mb")}
               for mode, rs in runs.items()}
        for mode, m in med.items():
            print(f"{mode:>10}: download + Bronze {m['load_s']:6.2f} s, build {m['build_s']:5.2f} s, "
                  f"total {m['total_s']:6.2f} s, peak RSS {m['peak_rss_mb']:5.0f} MB  "
                  f"(each run: {', '.join(format(r['load_s'], '.2f') for r in runs[mode])} s)")
        print(f"download + Bronze: {med['sequential']['load_s'] / med['ahead']['load_s']:.2f}x faster ahead; "
              f"total {med['sequential']['total_s'] / med['ahead']['total_s']:.2f}x "
              f"(median of {args.repeat} fresh processes each)")
    finally:
        if server is not None:
            server.kill()
            server.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
