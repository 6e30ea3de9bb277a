"""The car ahead at every car sample of a race: f1nb's gold.car_ahead (the whole session, in the
engine) against FastF1 3.9's `Telemetry.add_driver_ahead` (one lap at a time, in Python).

    python benchmarks/bench_car_ahead.py [--laps 57] [--drivers 20] [--sample-laps 40]

Race-size demo (DemoConfig(drivers=20, race_laps=57, sample_hz=4.0, sessions=("Race",))),
generated once. f1nb: the session loaded and Silver built (not timed), then the Gold build
timed, with gold.car_ahead's own time from the build report. FastF1: the same folder as a
live recording (benchmarks/fastf1_recording.py), `Session.load(telemetry=True)` (not timed),
then `lap.get_car_data().add_driver_ahead()` timed on --sample-laps laps spread over the
race and scaled to every lap (FastF1 has no whole-session call). Each side runs in its own
process. Also printed: gold.car_ahead's agreement with the timing feed's
IntervalToPositionAhead at the line (tests/test_car_ahead.py).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

from bench_fastf1 import HERE, run

F1NB = r"""
import json, sys, time
sys.path.insert(0, sys.argv[5])
from f1nb.archive.client import ArchiveClient
from f1nb.bronze.load import load_archive_session
from f1nb.lake.lake import Lake
from tests.test_car_ahead import car_ahead_agreement
root, path, lake_file, cache = sys.argv[1:5]
client = ArchiveClient(base_url=root, cache_dir=cache, progress=False)
lake = Lake(lake_file)
report = load_archive_session(lake, client, client.session_from_path(path))
lake.build([report.session_key], ("silver",))
t0 = time.perf_counter()
gold = lake.build([report.session_key], ("gold",))
t1 = time.perf_counter()
rows = lake.sql("SELECT count(*) n, count(driver_ahead) a FROM gold.car_ahead").to_pylist()[0]
print(json.dumps({"gold_s": t1 - t0, "car_ahead_s": gold.seconds["gold.car_ahead"], "rows": rows["n"],
                  "with_ahead": rows["a"], "agreement": car_ahead_agreement(lake)}))
"""

FASTF1 = r"""
import json, sys, time, warnings
sys.path.insert(0, sys.argv[1])
from fastf1_recording import offline_fastf1, fastf1_session
rec, meta_file, cache, sample = sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
fastf1 = offline_fastf1(cache)
from fastf1.livetiming.data import LiveTimingData
s = fastf1_session(json.loads(open(meta_file).read()))
s.load(livedata=LiveTimingData(rec), laps=True, telemetry=True, weather=False, messages=False)
laps = s.laps[s.laps.LapTime.notna()]
picked = laps.iloc[:: max(1, len(laps) // sample)].head(sample)
warnings.simplefilter("ignore")
t0 = time.perf_counter()
samples = 0
for _, lap in picked.iterlaps():
    tel = lap.get_car_data().add_driver_ahead()
    samples += len(tel)
t1 = time.perf_counter()
print(json.dumps({"laps_timed": len(picked), "laps_total": len(s.laps), "seconds": t1 - t0, "samples": samples}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--laps", type=int, default=57)
    ap.add_argument("--drivers", type=int, default=20)
    ap.add_argument("--sample-laps", type=int, default=40)
    args = ap.parse_args()
    import fastf1

    from f1nb.demo import DemoConfig, demo_session_path, write_demo_archive
    from fastf1_recording import write_recording

    tmp = Path(tempfile.mkdtemp(prefix="f1nb-bench-ahead-"))
    cfg = DemoConfig(drivers=args.drivers, race_laps=args.laps, sample_hz=4.0, sessions=("Race",))
    archive = tmp / "archive"
    write_demo_archive(archive, cfg)
    path = demo_session_path(cfg, session="Race")
    rec, meta_file = tmp / "recording.txt", tmp / "meta.json"
    meta_file.write_text(json.dumps(write_recording(archive / path, rec)))
    repo = str(Path(__file__).resolve().parents[1])
    mine = run(F1NB, archive.resolve().as_uri() + "/", path, tmp / "lake.duckdb", tmp / "cache", repo)
    theirs = run(FASTF1, HERE, rec, meta_file, tmp / "ff1cache", str(args.sample_laps))
    per_lap = theirs["seconds"] / theirs["laps_timed"]
    whole = per_lap * theirs["laps_total"]
    print(f"demo race: {cfg.drivers} drivers, {cfg.race_laps} laps, 4 Hz; FastF1 {fastf1.__version__}")
    print(f"f1nb gold.car_ahead: {mine['car_ahead_s']:.2f} s for the whole session "
          f"({mine['rows']} car samples, {mine['with_ahead']} with a car ahead); whole Gold build {mine['gold_s']:.2f} s")
    print(f"FastF1 add_driver_ahead: {per_lap:.3f} s per lap ({theirs['laps_timed']} laps timed, "
          f"{theirs['samples']} samples) -> {whole:.1f} s for all {theirs['laps_total']} laps")
    print(f"ratio (FastF1 whole session / f1nb): {whole / mine['car_ahead_s']:.0f}x")
    a = mine["agreement"]
    print(f"agreement with IntervalToPositionAhead at {a['crossings']} line crossings (no pit stop): "
          f"median |error| {a['median_error_s'] * 1000:.0f} ms, {a['within_0_1_s']:.0%} within 0.1 s, "
          f"{a['within_0_5_s']:.0%} within 0.5 s; same car ahead {a['same_driver']:.0%}")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    main()
