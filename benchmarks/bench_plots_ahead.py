"""The engine work and the figures of issue 16's two plots on a race-size demo race: the gap to
the car ahead (gold.car_ahead joined with silver.car_telemetry, binned per tenth of a lap) and
the mini-sector comparison (two laps cut into 25 parts, in the engine).

    python benchmarks/bench_plots_ahead.py [--lake LAKE.duckdb]

With --lake, a lake that holds the demo race (session 90011, e.g. `f1nb --lake X demo`);
without, the race-size demo (20 cars, 57 laps) is generated into a temporary lake first (not
timed). Each call runs three times; the best and every run are printed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import matplotlib  # noqa: E402

matplotlib.use("Agg")

DEMO_RACE = 90011


def session(lake_path: str | None):
    import f1nb
    from f1nb.demo import DemoConfig
    from f1nb.session_lookup import session_from_lake

    if lake_path:
        return session_from_lake(DEMO_RACE, f1nb.Lake(lake_path))
    lake = f1nb.Lake(Path(tempfile.mkdtemp(prefix="bench-plots-")) / "lake.duckdb")
    return f1nb.demo_session("Race", lake=lake, config=DemoConfig(sessions=("Race",)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lake", help="a lake holding the demo race (default: generate one)")
    args = ap.parse_args()
    from f1nb import plots

    s = session(args.lake)
    drivers = list(s.get_drivers().driver_number)
    a, b = s.get_results().sort_values("position").abbreviation.iloc[:2]
    print(f"{s.label}: {len(drivers)} drivers, {int(s.get_laps().lap_number.max())} laps")
    calls = {
        "Session.car_ahead_gaps, 6 drivers": lambda: s.car_ahead_gaps(drivers[:6]),
        "Session.car_ahead_gaps, every driver": lambda: s.car_ahead_gaps(),
        f"Session.compare_mini_sectors {a} {b}": lambda: s.compare_mini_sectors(a, b),
        "plots.gap_to_car_ahead (top 6)": lambda: plots.gap_to_car_ahead(s, style="light"),
        f"plots.mini_sector_map {a} {b}": lambda: plots.mini_sector_map(s, a, b, style="light"),
    }
    for name, fn in calls.items():
        runs = []
        for _ in range(3):
            started = time.perf_counter()
            fn()
            runs.append(time.perf_counter() - started)
        print(f"{name}: best {min(runs):.3f} s (runs {', '.join(f'{r:.3f}' for r in runs)})")


if __name__ == "__main__":
    main()
