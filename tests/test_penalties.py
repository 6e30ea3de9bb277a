"""gold.penalties (stewards' decisions parsed from race-control text) and their
effect on gold.results: unserved time penalties added after the flag, the
order re-sorted, and a declared check where the feed's final Position still
disagrees. On the wording variants (every embedded backend), on the real
archive sessions and on the demo race, which gives one car a time penalty."""

from __future__ import annotations

import re
import subprocess
import sys

import pandas as pd
import pyarrow as pa
import pytest

from .backend_compare import build_on
from .conftest import REAL_ARCHIVE

# (message, cars named, kind, seconds, grid places); the real texts are from ../shared/realdata
VARIANTS = [
    ("10 SECOND TIME PENALTY FOR CAR 9 (ERI) - CAUSING A COLLISION", [9], "time", 10, None),
    ("5 SECOND TIME PENALTY FOR CAR 11 (PER) - OVERTAKING BEFORE THE SAFETY CAR LINE", [11], "time", 5, None),
    ("FIA STEWARDS: 5 SECOND TIME PENALTY FOR CAR 44 (HAM) - CAUSING A COLLISION", [44], "time", 5, None),
    ("FIA STEWARDS: 10 SECONDS TIME PENALTY FOR CAR 1 (VER)", [1], "time", 10, None),
    ("DRIVE THROUGH PENALTY FOR CAR 9 (ERI) - SPEEDING IN THE PIT LANE", [9], "drive_through", None, None),
    ("FIA STEWARDS: DRIVE THROUGH PENALTY FOR CAR 1 (VER) - SPEEDING IN THE PIT LANE", [1], "drive_through", None, None),
    ("10 SECOND STOP/GO PENALTY FOR CAR 11 (PER) - CAUSING A COLLISION", [11], "stop_go", 10, None),
    ("FIA STEWARDS: 10 SECOND STOP-AND-GO PENALTY FOR CAR 44 (HAM)", [44], "stop_go", 10, None),
    ("CAR 1 (VER) 5 SECOND TIME PENALTY SERVED", [1], "served", 5, None),
    ("FIA STEWARDS: PENALTY SERVED - 5 SECOND TIME PENALTY FOR CAR 44 (HAM) - CAUSING A COLLISION", [44], "served",
     5, None),
    ("FIA STEWARDS: 3 PLACE GRID PENALTY FOR CAR 11 (PER) - CAUSING A COLLISION (NEXT RACE)", [11], "grid", None, 3),
    ("FIA STEWARDS: REPRIMAND FOR CAR 9 (ERI) - UNSAFE RELEASE", [9], "reprimand", None, None),
    ("FIA STEWARDS: CAR 44 (HAM) DISQUALIFIED - SKID BLOCK WEAR", [44], "disqualified", None, None),
    (" INCIDENT INVOLVING CAR 11 (PER) UNDER INVESTIGATION - OVERTAKING BEFORE THE SAFETY CAR LINE", [11],
     "investigation", None, None),
    ("INCIDENT INVOLVING CARS 11 (PER), 1 (VER) AND 9 (ERI) WILL BE INVESTIGATED AFTER THE RACE - USE OF DRS",
     [1, 9, 11], "investigation", None, None),
    ("TURN 2 INCIDENT INVOLVING CARS 44 (HAM),9 (ERI)  AND 11 (PER) NOTED - NO INVESTIGATION NECESSARY",
     [9, 11, 44], "noted", None, None),
    ("FIA STEWARDS: PIT EXIT INCIDENT INVOLVING CAR 1 (VER) NO FURTHER ACTION - PIT LANE INFRINGEMENT", [1],
     "no_further_action", None, None),
    ("FIA STEWARDS: TURN 1 INCIDENT INVOLVING CARS 44 (HAM) AND 1 (VER) REVIEWED NO FURTHER INVESTIGATION",
     [1, 44], "no_further_action", None, None),
    ("NO FURTHER INVESTIGATION FOR CAR 11", [11], "no_further_action", None, None),
    # not decisions, or no car: no row
    ("THE LAST LAP OF QUALIFYING IS UNDER INVESTIGATION", [], None, None, None),
    ("FIRST LAP INCIDENTS AT TURNS 2 AND 3 ALL NOTED", [], None, None, None),
    ("CAR 44 (HAM) TIME 1:20.456 DELETED - TRACK LIMITS AT TURN 11", [], None, None, None),
    ("NO PRACTICE STARTS ON GRID", [], None, None, None),
    ("BLUE FLAG FOR CAR 11 (PER)", [], None, None, None),
]
CARS = {1: "VER", 9: "ERI", 11: "PER", 44: "HAM"}


def _inputs(messages: list[str], pits: list[tuple[int, float, float | None]] = ()) -> dict:
    """Arrow inputs of gold.penalties: one session, the messages 100 s apart from t=1000 s."""
    n = len(messages)
    rcm = pa.table({
        "session_key": pa.array([1] * n, pa.int64()), "message_index": pa.array(range(n), pa.int32()),
        "seq": pa.array(range(10, 10 + n), pa.int64()),
        "session_time_s": pa.array([1000.0 + 100 * i for i in range(n)], pa.float64()),
        "utc": pa.array([None] * n, pa.timestamp("us", tz="UTC")), "lap_number": pa.array(range(1, n + 1), pa.int32()),
        "category": pa.array(["Other"] * n), "flag": pa.array([None] * n, pa.string()),
        "scope": pa.array([None] * n, pa.string()), "sector": pa.array([None] * n, pa.int32()),
        "driver_number": pa.array([None] * n, pa.int32()), "status": pa.array([None] * n, pa.string()),
        "mode": pa.array([None] * n, pa.string()), "message": pa.array(messages)})
    drivers = pa.table({"session_key": pa.array([1] * len(CARS), pa.int64()),
                        "driver_number": pa.array(list(CARS), pa.int32()), "abbreviation": list(CARS.values()),
                        "in_timing": [True] * len(CARS)})
    pit = pa.table({"session_key": pa.array([1] * len(pits), pa.int64()),
                    "driver_number": pa.array([p[0] for p in pits], pa.int32()),
                    "stop_number": pa.array(range(1, len(pits) + 1), pa.int32()),
                    "pit_in_session_s": pa.array([p[1] for p in pits], pa.float64()),
                    "pit_out_session_s": pa.array([p[2] for p in pits], pa.float64())})
    return {"silver.race_control_messages": rcm, "silver.drivers": drivers, "silver.pit_stops": pit}


@pytest.mark.parametrize("backend", ["duckdb", "sqlite", "datafusion"])
def test_every_wording_variant_on_every_embedded_backend(backend):
    df = build_on(backend, "gold.penalties", _inputs([v[0] for v in VARIANTS]))
    for i, (text, cars, kind, seconds, places) in enumerate(VARIANTS):
        rows = df[df.message_index == i]
        assert sorted(rows.driver_number) == cars, text
        assert set(rows.kind) <= {kind}, text
        assert set(rows.abbreviation) == {CARS[c] for c in cars}, text
        for _, r in rows.iterrows():
            assert (r.seconds if r.seconds == r.seconds else None) == seconds, text
            assert (None if r.grid_places is None or r.grid_places != r.grid_places else r.grid_places) == places, text
            assert r.seq == 10 + i and r.lap_number == i + 1 and r.message == text
    assert df[df.message_index == 0].reason.tolist() == ["CAUSING A COLLISION"]
    assert df[df.message_index == 9].reason.tolist() == ["CAUSING A COLLISION"]  # after the SERVED prefix


@pytest.mark.parametrize("backend", ["duckdb", "sqlite", "datafusion"])
def test_served_in_the_pit_lane_or_after_the_flag(backend):
    msgs = ["5 SECOND TIME PENALTY FOR CAR 9 (ERI) - A",         # t=1000; ERI stops at 1500: pit_stop
            "10 SECOND TIME PENALTY FOR CAR 11 (PER) - B",       # t=1100; PER stopped at 900 only, and the
                                                             # SERVED below is for 5 s: after_flag
            "DRIVE THROUGH PENALTY FOR CAR 1 (VER) - C",         # t=1200; VER goes in at 1250 and out
            "5 SECOND TIME PENALTY FOR CAR 44 (HAM) - D",        # t=1300; HAM's entry at 1900 never leaves
            "FIA STEWARDS: 5 SECOND TIME PENALTY FOR CAR 11 (PER) - E",  # t=1400; the SERVED below names it
            "FIA STEWARDS: PENALTY SERVED - 5 SECOND TIME PENALTY FOR CAR 11 (PER) - E",  # t=1500
            "TURN 1 INCIDENT INVOLVING CAR 9 (ERI) UNDER INVESTIGATION"]   # t=1600: not a penalty
    pits = [(9, 1500.0, 1520.0), (11, 900.0, 920.0), (1, 1250.0, 1262.0), (44, 1900.0, None)]
    df = build_on(backend, "gold.penalties", _inputs(msgs, pits)).set_index("message_index").sort_index()
    served = [None if pd.isna(v) else v for v in df.served]  # pandas 3 reads a null string as NaN
    assert served == ["pit_stop", "after_flag", "pit_stop", "after_flag", "pit_stop", None, None]
    assert df.kind.tolist() == ["time", "time", "drive_through", "time", "time", "served", "investigation"]


def _real_decisions() -> set[tuple[str, str]]:
    """(session folder, message) for each real race-control text that states a decision about a car."""
    pattern = re.compile(r'"Message":"([^"]*)"')
    words = ("PENALTY", "INVESTIGAT", "NOTED", "REPRIMAND", "FURTHER ACTION", "DISQUALIFIED")
    found = set()
    for f in REAL_ARCHIVE.glob("*/*/*/RaceControlMessages.jsonStream"):
        for text in pattern.findall(f.read_text(encoding="utf-8-sig")):
            if any(w in text for w in words) and re.search(r"CARS? \d+|\d+ \([A-Z]{3}\)", text):
                found.add((f.parent.name, text))
    return found


def test_every_real_penalty_wording_is_parsed(real_lake):
    real = _real_decisions()
    assert len(real) == 22  # 2018 Baku 9, 2024 China sprint qualifying 9, 2024 Silverstone FP1 4 (grep)
    got = real_lake.sql("SELECT DISTINCT message FROM gold.penalties").to_pandas().message
    assert {m for _, m in real} == set(got)
    p = real_lake.sql("SELECT * FROM gold.penalties WHERE session_key = 5090 AND kind = 'time' "
                      "ORDER BY driver_number").to_pandas()
    # 2018 Baku: both time penalties were served at the next stop (ERI lap 36, PER lap 40)
    assert p[["abbreviation", "seconds", "served", "lap_number"]].values.tolist() == [
        ["ERI", 10.0, "pit_stop", 20], ["PER", 5.0, "pit_stop", 24]]
    multi = real_lake.sql("SELECT driver_number FROM gold.penalties WHERE message LIKE "
                          "'%CARS 14 (ALO),27 (HUL)  AND 35 (SIR)%'").to_pandas()
    assert sorted(multi.driver_number) == [14, 27, 35]
    kinds = set(real_lake.sql("SELECT DISTINCT kind FROM gold.penalties").to_pandas().kind)
    assert kinds == {"time", "investigation", "noted", "no_further_action"}


def test_real_results_keep_the_feed_order_and_fill_best_laps(real_lake):
    r = real_lake.sql("SELECT * FROM gold.results WHERE session_kind = 'race' ORDER BY position").to_pandas()
    assert (r.penalty_s == 0).all() and (r.position == r.feed_position).all()  # served penalties change nothing
    fl = real_lake.sql("SELECT driver_number, lap_time_s FROM gold.fastest_laps WHERE session_key = 5090").to_pandas()
    best = dict(zip(fl.driver_number, fl.lap_time_s))
    assert len(best) == 18 and r.best_lap_s.notna().sum() == 18  # OCO and SIR retired on lap 1
    assert all(r.set_index("driver_number").best_lap_s[k] == v for k, v in best.items())
    assert r.set_index("abbreviation").gap_to_fastest_s["BOT"] == 0.0  # 1:45.149, the race's fastest lap


@pytest.fixture(scope="module")
def demo_race(tmp_path_factory):
    pytest.importorskip("f1nb.demo")
    from f1nb.demo import DemoConfig
    from f1nb.lake.lake import Lake
    from f1nb.ingest import Demo, ingest

    root = tmp_path_factory.mktemp("penalty-demo")
    lake = Lake(root / "lake.duckdb")
    ingest(Demo(DemoConfig(telemetry=False), root / "tree", progress=False), lake)
    yield lake
    lake.close()


def test_demo_race_time_penalty_is_applied_after_the_flag(demo_race):
    p = demo_race.sql("SELECT * FROM gold.penalties WHERE kind = 'time'").to_pandas()
    assert len(p) == 1 and p.served[0] == "after_flag" and p.seconds[0] in (5.0, 10.0)
    assert p.message[0] == f"FIA STEWARDS: {int(p.seconds[0])} SECOND TIME PENALTY FOR CAR {p.driver_number[0]} " \
                           f"({p.abbreviation[0]}) - CAUSING A COLLISION"
    r = demo_race.sql("SELECT r.*, l.last_line_s FROM gold.results r JOIN (SELECT session_key, driver_number, "
                      "max(lap_end_session_s) last_line_s FROM silver.laps GROUP BY ALL) l USING (session_key, "
                      "driver_number) WHERE session_kind = 'race' ORDER BY position").to_pandas()
    car = r.set_index("driver_number").loc[p.driver_number[0]]
    assert car.penalty_s == p.seconds[0] and r.penalty_s.sum() == car.penalty_s
    # by the line the car was ahead of the next one; with the penalty it is behind, as in the feed
    crossed = r[r.status == "finished"].sort_values("last_line_s").driver_number.tolist()
    assert crossed.index(car.name) < r.driver_number.tolist().index(car.name)
    assert (r.position == r.feed_position).all()
    start = r.total_time_s - r.last_line_s
    assert (start[r.status == "finished"] - start[r.status == "finished"].iloc[0]).abs().max() == pytest.approx(
        car.penalty_s, abs=1e-6)
    gaps = r[r.status == "finished"].set_index("driver_number").gap_s
    assert gaps.iloc[0] == 0.0 and gaps.is_monotonic_increasing
    assert r[r.status != "dnf"].best_lap_s.notna().all()
    checks = demo_race.check(["gold.results", "gold.penalties"])
    assert len(checks) > 10 and [c for c in checks if c["violations"]] == []


def test_a_disagreement_with_the_feed_fails_f1nb_check(demo_race, tmp_path):
    """Without the penalty (as results were before), the computed order and the feed's
    final Position differ for two cars, and `f1nb check` reports it and exits 1."""
    import shutil

    path = tmp_path / "lake.duckdb"
    demo_race.raw.execute("CHECKPOINT")
    shutil.copy(demo_race.location, path)
    import duckdb

    con = duckdb.connect(str(path))
    # the order by line-crossing time alone, as gold.results had it before penalties
    con.execute("""UPDATE gold.results r SET position = o.pos FROM (
        SELECT r.session_key, r.driver_number, row_number() OVER (PARTITION BY r.session_key ORDER BY
               r.laps_completed DESC, r.total_time_s - r.penalty_s, r.feed_position) pos
        FROM gold.results r WHERE r.session_kind = 'race' AND r.status IN ('finished', 'lapped')) o
        WHERE r.session_key = o.session_key AND r.driver_number = o.driver_number""")
    con.close()
    out = subprocess.run([sys.executable, "-m", "f1nb", "--lake", str(path), "check", "gold.results"],
                         capture_output=True, text=True, check=False)
    assert out.returncode == 1, out.stderr
    line = next(x for x in out.stdout.splitlines() if "position_matches_feed" in x)
    assert line.split()[-1] == "2"


def test_unserved_drive_through_and_stop_go_become_time():
    """A drive-through or stop/go that could not be served is converted as the Sporting
    Regulations do (Art. 54.3): +20 s, and +20 s plus the stop; a served one adds nothing."""
    import ibis

    from f1nb.gold.results_race import unserved_penalties

    rows = [(1, "time", 5.0, "after_flag"), (1, "drive_through", None, "after_flag"), (2, "stop_go", 10.0, "after_flag"),
            (3, "time", 10.0, "pit_stop"), (3, "drive_through", None, "pit_stop"), (4, "grid", None, None),
            (5, "reprimand", None, None)]
    t = ibis.memtable(pa.table({"session_key": pa.array([1] * len(rows), pa.int64()),
                                "driver_number": pa.array([r[0] for r in rows], pa.int32()),
                                "kind": [r[1] for r in rows], "seconds": pa.array([r[2] for r in rows], pa.float64()),
                                "served": pa.array([r[3] for r in rows], pa.string())}))
    got = ibis.duckdb.connect().execute(unserved_penalties(t))
    assert dict(zip(got.driver_number, got.penalty_s)) == {1: 25.0, 2: 30.0}
