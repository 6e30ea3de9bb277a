"""The floor: time just to read and decode the raw bytes of a session (files -> parse_jsonstream,
`.z` inflate included), so each later stage can be read as a distance from it. The inflated
CarData.z / Position.z JSON is not parsed here: its one parse is the samples decode in Bronze.

    python benchmarks/bench_floor.py [--repeat 5] [--laps 57]

Race-size demo (20 drivers, 57 laps, 4 Hz car and position data), and the real 2018
Azerbaijan race when ../shared/realdata is present. In-process, after imports; median.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REAL = REPO.parent / "shared" / "realdata" / "archive" / "2018/2018-04-29_Azerbaijan_Grand_Prix/2018-04-29_Race"


def floor(folder: Path) -> dict:
    from f1nb.decode.jsonstream import parse_jsonstream

    t0 = time.perf_counter()
    bodies = {p.name[: -len(".jsonStream")]: p.read_bytes() for p in folder.glob("*.jsonStream")}
    t1 = time.perf_counter()
    n = 0
    for topic, body in bodies.items():
        msgs, _ = parse_jsonstream(topic, body)
        n += len(msgs)
    t2 = time.perf_counter()
    return {"read_s": t1 - t0, "decode_s": t2 - t1, "total_s": t2 - t0, "mb": sum(map(len, bodies.values())) / 1e6,
            "messages": n}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--laps", type=int, default=57)
    args = ap.parse_args()
    from f1nb.demo import DemoConfig, demo_session_path, write_demo_archive

    cases = []
    tmp = Path(tempfile.mkdtemp(prefix="f1nb-floor-"))
    cfg = DemoConfig(drivers=20, race_laps=args.laps, sample_hz=4.0, sessions=("Race",))
    write_demo_archive(tmp, cfg)
    cases.append((f"demo race ({cfg.drivers} drivers, {cfg.race_laps} laps, 4 Hz)", tmp / demo_session_path(cfg)))
    if REAL.is_dir():
        cases.append(("2018 Azerbaijan race (real, no telemetry)", REAL))
    print(f"median of {args.repeat} runs, in-process after imports")
    print(f"{'case':48s} {'MB':>8s} {'messages':>10s} {'read_s':>8s} {'decode_s':>9s} {'total_s':>8s}")
    for name, folder in cases:
        runs = [floor(folder) for _ in range(args.repeat)]
        med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        print(f"{name:48s} {med['mb']:8.1f} {int(med['messages']):10d} {med['read_s']:8.3f} {med['decode_s']:9.3f} "
              f"{med['total_s']:8.3f}")


if __name__ == "__main__":
    main()
