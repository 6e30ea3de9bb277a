"""The telemetry samples of a race-size demo: decode alone, and decode + write to a lake, in CPU seconds.

    python benchmarks/bench_samples.py [--repeat 5] [--laps 57] [--drivers 20]

The part of a telemetry load (bench_telemetry.py) that runs in Bronze's worker threads:
CarData.z and Position.z inflated, decoded by DuckDB slice by slice (bronze/samples.py) and,
in the second figure, written to a fresh lake in one transaction the way a load writes them
(bronze/build.py: row-group batches, the lake on one thread). The demo archive is generated
once (not timed); every figure is the median over --repeat runs in this process. CPU is the
process's (all threads): on a shared machine the steadier figure; wall is printed beside it
with the load average.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from f1nb.bronze import build
from f1nb.bronze.samples import iter_session_samples
from f1nb.decode.jsonstream import parse_jsonstream
from f1nb.decode.zpayload import InflateBudget
from f1nb.demo import DemoConfig, demo_session_path, write_demo_archive
from f1nb.lake.lake import Lake


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _median(runs, repeat: int, setup=lambda i: None) -> tuple[float, float]:
    walls, cpus = [], []
    for i in range(repeat):
        arg = setup(i)  # not timed
        wall, cpu = time.perf_counter(), _cpu()
        runs(arg)
        walls.append(time.perf_counter() - wall)
        cpus.append(_cpu() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--laps", type=int, default=57)
    ap.add_argument("--drivers", type=int, default=20)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="f1nb-bench-samples-"))
    cfg = DemoConfig(drivers=args.drivers, race_laps=args.laps, sample_hz=4.0, sessions=("Race",))
    write_demo_archive(tmp / "archive", cfg)
    folder = tmp / "archive" / demo_session_path(cfg, session="Race")
    by_topic = {topic: parse_jsonstream(topic, (folder / f"{topic}.jsonStream").read_bytes())[0]
                for topic in build.SAMPLE_TABLES}
    topics = list(by_topic.items())
    rows = sum(part.table.num_rows for _, part in iter_session_samples(1, topics, InflateBudget()))

    def decode(_) -> None:
        for _ in iter_session_samples(1, topics, InflateBudget()):
            pass

    def decode_and_write(lake: Lake) -> None:
        src = build.SessionSource(1, {}, [], budget=InflateBudget())
        with build._one_thread(lake), lake.session_writer(1, "bronze") as write:
            build._write_samples(src, by_topic, write)

    print(f"{rows} car + position samples of {sum(map(len, by_topic.values()))} messages; "
          f"median of {args.repeat}, load average {os.getloadavg()[0]:.1f}")
    wall, cpu = _median(decode, args.repeat)
    print(f"{'decode':38s} CPU {cpu:6.3f} s   wall {wall:6.3f} s")
    lakes = []  # closed at the end: a close checkpoints, which a load does not wait for
    wall, cpu = _median(decode_and_write, args.repeat, lambda i: lakes.append(Lake(tmp / f"lake{i}.duckdb")) or lakes[-1])
    print(f"{'decode + write (commit) to a new lake':38s} CPU {cpu:6.3f} s   wall {wall:6.3f} s")
    for lake in lakes:
        lake.close()
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
