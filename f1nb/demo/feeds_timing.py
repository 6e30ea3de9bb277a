"""TimingData, TimingAppData and TimingStats for a race or a qualifying session."""

from __future__ import annotations

import math

from .fmt import Events, gap, laptime, sectime
from .simulate import Lap, Sim

TRAPS = ("I1", "I2", "FL", "ST")


def empty_line(sim: Sim, car: int, pos: int, quali: bool) -> dict:
    d = sim.drivers[car]
    segs = sim.track.segments
    line: dict = {}
    if quali:
        line.update({"KnockedOut": False, "Cutoff": False, "BestLapTimes": [{"Value": ""}, {}, {}],
                     "TimeDiffToFastest": "", "TimeDiffToPositionAhead": ""})
    else:
        line.update({"GapToLeader": "LAP 1" if pos == 1 else "",
                     "IntervalToPositionAhead": {"Value": "LAP 1" if pos == 1 else "", "Catching": True}})
    line.update({
        "Line": pos, "Position": str(pos), "ShowPosition": not quali, "RacingNumber": d.rn,
        "Retired": False, "InPit": quali, "PitOut": False, "Stopped": False,
        "Sectors": [{"Stopped": False, "Value": "", "OverallFastest": False, "PersonalFastest": False,
                     "Segments": [{"Status": 0} for _ in range(k)]} for k in segs],
        "Speeds": {k: {"Value": "", "OverallFastest": False, "PersonalFastest": False} for k in TRAPS},
        "BestLapTime": {"Value": ""},
        "LastLapTime": {"Value": "", "OverallFastest": False, "PersonalFastest": False},
    })
    return line


class Bests:
    """Personal and overall bests, to set the Fastest flags and TimingStats."""

    def __init__(self, n: int) -> None:
        self.p: dict[tuple, float] = {}
        self.o: dict[str, float] = {}

    def check(self, car: int, key: str, value: float, lower_is_better: bool = True) -> tuple[bool, bool]:
        sign = 1 if lower_is_better else -1
        pb = self.p.get((car, key))
        personal = pb is None or sign * value < sign * pb
        if personal:
            self.p[(car, key)] = value
        ob = self.o.get(key)
        overall = personal and (ob is None or sign * value < sign * ob)
        if overall:
            self.o[key] = value
        return personal, overall

    def rank(self, car: int, key: str, lower_is_better: bool = True) -> int:
        mine = self.p[(car, key)]
        vals = [v for (c, k), v in self.p.items() if k == key]
        return 1 + sum(1 for v in vals if (v < mine if lower_is_better else v > mine))


def lap_events(sim: Sim, lp: Lap, ev: Events, stats: Events, bests: Bests, first_lap_race: bool,
                late: float, seg_best: dict) -> dict:
    """Sector, segment, speed-trap and pit events of one lap; returns the delayed end-of-lap patch."""
    rn = sim.drivers[lp.car].rn
    quali = sim.kind == "Qualifying"
    pts = sim.track.segment_points()
    for i, sec in enumerate(lp.segment_end):
        prev = lp.sector_end[i - 1] if i else lp.start
        for j, t in enumerate(sec):
            if math.isnan(t):
                continue
            dt = t - prev
            prev = t
            key = (i, j)
            in_pit = (lp.pit_in is not None and pts[i][j] > sim.track.pit_entry) or \
                (lp.pit_out is not None and pts[i][j] <= sim.track.pit_exit + 1)
            if in_pit:
                status = 2064
            elif first_lap_race and i == 0:
                status = 2048
            else:
                pb = seg_best.setdefault((lp.car, key), dt)
                ob = seg_best.setdefault(("all", key), dt)
                status = 2051 if dt <= ob else 2049 if dt <= pb else 2048
                seg_best[(lp.car, key)] = min(pb, dt)
                seg_best[("all", key)] = min(ob, dt)
            ev.add(t, {"Lines": {rn: {"Sectors": {str(i): {"Segments": {str(j): {"Status": status}}}}}}})
    for k, t in sorted(lp.trap_t.items(), key=lambda kv: kv[1]):
        if k == "FL":
            continue
        val = lp.speeds[k]
        pers, ovr = bests.check(lp.car, "S" + k, val, lower_is_better=False)
        patch: dict = {"Speeds": {k: {"Value": str(val), "PersonalFastest": pers}}}
        if ovr:
            patch["Speeds"][k]["OverallFastest"] = True
        if k == "I1" and lp.pit_out is not None:
            patch["PitOut"] = False
        ev.add(t, {"Lines": {rn: patch}})
        if pers:
            stats.add(t, {"Lines": {rn: {"BestSpeeds": {k: {"Value": str(val),
                                                             "Position": bests.rank(lp.car, "S" + k, False)}}}}})
    lap_ms, *sec_ms = lp.ms if not math.isnan(lp.sector_end[2]) else (0, 0, 0, 0)
    for i in range(2):
        if math.isnan(lp.sector_end[i]) or (first_lap_race and i == 0):
            continue
        ms = round(lp.sector_end[i] * 1000) - round((lp.sector_end[i - 1] if i else lp.start) * 1000)
        pers, ovr = bests.check(lp.car, f"s{i}", ms)
        ev.add(lp.sector_end[i], {"Lines": {rn: {"Sectors": {str(i): {
            "Value": sectime(ms), "OverallFastest": ovr, "PersonalFastest": pers}}}}})
        if pers and not quali or pers and lp.push:
            stats.add(lp.sector_end[i], {"Lines": {rn: {"BestSectors": {str(i): {
                "Value": sectime(ms), "Position": bests.rank(lp.car, f"s{i}")}}}}})
    if lp.pit_in is not None:
        ev.add(lp.pit_in, {"Lines": {rn: {"InPit": True}}})
    if lp.pit_out is not None:
        ev.add(lp.pit_out, {"Lines": {rn: {"InPit": False, "PitOut": True}}})
    if math.isnan(lp.sector_end[2]):
        return {}
    # the end-of-lap patch arrives `late` seconds after NumberOfLaps
    s3 = sec_ms[2]
    p3, o3 = bests.check(lp.car, "s2", s3)
    late_patch: dict = {"Sectors": {"2": {"Value": sectime(s3), "OverallFastest": o3, "PersonalFastest": p3}}}
    if p3:
        stats.add(lp.end + late, {"Lines": {rn: {"BestSectors": {"2": {"Value": sectime(s3),
                                                                      "Position": bests.rank(lp.car, "s2")}}}}})
    fl = lp.speeds.get("FL")
    if fl is not None:
        pf, of = bests.check(lp.car, "SFL", fl, lower_is_better=False)
        late_patch["Speeds"] = {"FL": {"Value": str(fl), "PersonalFastest": pf}}
    if lp.timed and not lp.deleted:
        pers, ovr = bests.check(lp.car, "lap", lap_ms)
        late_patch["LastLapTime"] = {"Value": laptime(lap_ms), "OverallFastest": ovr, "PersonalFastest": pers}
        if pers:
            late_patch["BestLapTime"] = {"Value": laptime(lap_ms), "Lap": lp.number}
            stats.add(lp.end + late, {"Lines": {rn: {"PersonalBestLapTime": {
                "Value": laptime(lap_ms), "Lap": lp.number, "Position": bests.rank(lp.car, "lap")}}}})
    elif lp.timed and lp.deleted:  # shown first, then removed by race control
        late_patch["LastLapTime"] = {"Value": laptime(lap_ms), "OverallFastest": False, "PersonalFastest": True}
        late_patch["BestLapTime"] = {"Value": laptime(lap_ms), "Lap": lp.number}
    return late_patch


def stats_first(sim: Sim, order: list[int]) -> dict:
    return {"Withheld": False, "Lines": {sim.drivers[c].rn: {
        "Line": i + 1, "RacingNumber": sim.drivers[c].rn, "PersonalBestLapTime": {"Value": ""},
        "BestSectors": [{"Value": ""}, {"Value": ""}, {"Value": ""}],
        "BestSpeeds": {k: {"Value": ""} for k in TRAPS}} for i, c in enumerate(order)}, "_kf": True}


def build_race_timing(sim: Sim, rng) -> tuple[Events, Events, Events, list]:
    """TimingData, TimingAppData, TimingStats events and the (time, order) position history."""
    td, app, stats = Events(), Events(), Events()
    n = len(sim.drivers)
    rn = [d.rn for d in sim.drivers]
    grid = sim.grid
    t_first = 4.18
    td.add(t_first, {"Lines": {rn[c]: empty_line(sim, c, i + 1, False) for i, c in enumerate(grid)}})
    app.add(t_first, {"Lines": {rn[c]: {"RacingNumber": rn[c], "Line": i + 1, "GridPos": str(i + 1),
                                        "Stints": [stint_entry(sim.stints[c][0], 0)]} for i, c in enumerate(grid)}})
    stats.add(t_first + 1.5, stats_first(sim, grid))
    bests, seg_best = Bests(n), {}
    crossings = []  # (time, car, lap)
    for car in range(n):
        for lp in sim.laps[car]:
            late = float(rng.uniform(0.15, 2.8))
            patch = lap_events(sim, lp, td, stats, bests, lp.number == 1, late, seg_best)
            if patch:
                td.add(lp.end + late, {"Lines": {rn[car]: patch}})
                crossings.append((lp.end, car, lp.number))
    # stints: new stint at each pit stop, tyre laps every lap
    for car in range(n):
        st_idx, best_in_stint = 0, None
        stops = 0
        for lp in sim.laps[car]:
            if lp.pit_in is not None:
                stops += 1
                td.add(lp.pit_in + 0.001, {"Lines": {rn[car]: {"NumberOfPitStops": stops}}})
            if lp.pit_out is not None and st_idx + 1 < len(sim.stints[car]):
                st_idx += 1
                best_in_stint = None
                app.add(lp.pit_out - 5.0, {"Lines": {rn[car]: {"Stints": {str(st_idx): stint_entry(sim.stints[car][st_idx], 0)}}}})
            if math.isnan(lp.sector_end[2]):
                continue
            st = sim.stints[car][st_idx]
            p = {"TotalLaps": st.start_age + lp.number - st.start_lap}
            if lp.timed and (best_in_stint is None or lp.ms[0] < best_in_stint):
                best_in_stint = lp.ms[0]
                p.update({"LapTime": laptime(lp.ms[0]), "LapNumber": lp.number})
            app.add(lp.end + 0.6, {"Lines": {rn[car]: {"Stints": {str(st_idx): p}}}})
    # positions, gaps and intervals at every line crossing
    done = {c: (0, 0.0) for c in range(n)}
    pos = {c: i for i, c in enumerate(grid)}
    out_cars: set[int] = set()
    history = []
    lap_cross: dict[int, list[tuple[float, int]]] = {}
    dnf = sim.dnf
    events = sorted(crossings)
    if dnf is not None:
        car, t_stop, _, dist = dnf
        td.add(t_stop + 2.1, {"Lines": {rn[car]: {"Stopped": True}}})
        sec = 0 if dist < sim.track.sector_ends[0] else 1
        td.add(t_stop + 3.2, {"Lines": {rn[car]: {"Sectors": {str(sec): {"Stopped": True}}}}})
        events.append((t_stop + 40.0, car, -1))
        events.sort()
    for t, car, lapno in events:
        if lapno == -1:
            out_cars.add(car)
            patch = {car: {"Retired": True, "GapToLeader": "", "IntervalToPositionAhead": {"Value": ""}}}
        else:
            done[car] = (lapno, t)
            lap_cross.setdefault(lapno, []).append((t, car))
            patch = {car: {"NumberOfLaps": lapno}}
        order = sorted(range(n), key=lambda c: (c in out_cars, -done[c][0], done[c][1], pos[c]))
        for i, c in enumerate(order):
            if pos[c] != i:
                patch.setdefault(c, {}).update({"Line": i + 1, "Position": str(i + 1)})
        pos = {c: i for i, c in enumerate(order)}
        if lapno > 0:
            mine = patch[car]
            first_t, leader = lap_cross[lapno][0]
            if car == leader:
                lap_now = min(lapno + 1, max(len(x) for x in sim.laps))
                mine["GapToLeader"] = f"LAP {lap_now}"
                mine["IntervalToPositionAhead"] = {"Value": f"LAP {lap_now}"}
            else:
                down = done[leader][0] - lapno
                mine["GapToLeader"] = f"{down}L" if down >= 1 else gap(t - first_t)
                ahead = order[pos[car] - 1]
                a_cross = [x for x, c in lap_cross[lapno] if c == ahead]
                if done[ahead][0] >= lapno + 1:
                    mine["IntervalToPositionAhead"] = {"Value": f"{done[ahead][0] - lapno}L"}
                elif a_cross:
                    mine["IntervalToPositionAhead"] = {"Value": gap(t - a_cross[0])}
        td.add(t, {"Lines": {rn[c]: p for c, p in patch.items()}})
        history.append((t, order))
    return td, app, stats, history


def stint_entry(st, total_offset: int) -> dict:
    return {"LapFlags": 0, "Compound": st.compound, "New": "true" if st.new else "false",
            "TyresNotChanged": "0", "TotalLaps": st.start_age + total_offset, "StartLaps": st.start_age}
