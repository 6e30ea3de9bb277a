"""Qualifying TimingData / TimingAppData / TimingStats: parts, knock-outs, a deleted lap."""

from __future__ import annotations


from .feeds_timing import Bests, empty_line, lap_events, stats_first, stint_entry
from .fmt import Events, gap, laptime
from .simulate import Sim


def build_quali_timing(sim: Sim, rng) -> tuple[Events, Events, Events, list]:
    td, app, stats = Events(), Events(), Events()
    n = len(sim.drivers)
    rn = [d.rn for d in sim.drivers]
    start_order = list(range(n))
    first = {"NoEntries": sim.entries, "SessionPart": 1, "CutOffTime": "", "CutOffPercentage": "107",
             "Lines": {rn[c]: empty_line(sim, c, i + 1, True) for i, c in enumerate(start_order)}}
    td.add(5.032, first)
    app.add(2.848, {"Lines": {rn[c]: {"RacingNumber": rn[c], "Line": i + 1, "Stints": []}
                              for i, c in enumerate(start_order)}})
    stats.add(6.5, stats_first(sim, start_order))
    bests, seg_best = Bests(n), {}
    best_events = []  # (time, car, part, lap ms or None, lap number)
    for car in range(n):
        stint_idx = -1
        for lp in sim.laps[car]:
            late = float(rng.uniform(0.15, 2.5))
            if lp.pit_out is not None:  # a new set of tyres for every run
                stint_idx += 1
                app.add(lp.start - 1.0, {"Lines": {rn[car]: {"Stints": {str(stint_idx): stint_entry(sim.stints[car][stint_idx], 0)}}}})
            patch = lap_events(sim, lp, td, stats, bests, False, late, seg_best)
            if not patch:
                continue
            patch["NumberOfLaps"] = lp.number
            # NumberOfLaps first, then sector 3 / lap time a moment later
            td.add(lp.end, {"Lines": {rn[car]: {"NumberOfLaps": lp.number}}})
            del patch["NumberOfLaps"]
            if "BestLapTime" in patch:
                patch["BestLapTimes"] = {str(lp.part - 1): {"Value": patch["BestLapTime"]["Value"], "Lap": lp.number}}
            td.add(lp.end + late, {"Lines": {rn[car]: patch}})
            st = sim.stints[car][stint_idx]
            app.add(lp.end + 0.5, {"Lines": {rn[car]: {"Stints": {str(stint_idx): {"TotalLaps": lp.number - st.start_lap}}}}})
            if lp.push:
                best_events.append((lp.end + late, car, lp.part, None if lp.deleted else lp.ms[0], lp.number, lp))
    # the deleted lap: shown as best, then race control deletes it and the best is re-sent
    if sim.deleted is not None:
        car, dlap, t_ann, _ = sim.deleted
        prev = [e for e in best_events if e[1] == car and e[2] == dlap.part and e[3] is not None and e[0] < t_ann]
        if prev:
            pb = min(prev, key=lambda e: e[3])
            value, lapno = laptime(pb[3]), pb[4]
            td.add(t_ann + 0.8, {"Lines": {rn[car]: {"BestLapTime": {"Value": value, "Lap": lapno},
                                                     "BestLapTimes": {str(dlap.part - 1): {"Value": value, "Lap": lapno}}}}})
        else:
            td.add(t_ann + 0.8, {"Lines": {rn[car]: {"BestLapTime": {"Value": "", "_deleted": ["Lap"]},
                                                     "BestLapTimes": {str(dlap.part - 1): {"Value": ""}}}}})
        best_events.append((t_ann + 0.8, car, dlap.part, -1, dlap.number, dlap))
    # part changes: knock-outs, cleared bests and sectors
    for p in (2, 3):
        p_start = sim.parts[p - 1][0]
        ko = sim.knocked[p - 2]
        lines = {}
        for c in range(n):
            if c in ko:
                lines[rn[c]] = {"KnockedOut": True, "Sectors": {str(i): {"Value": ""} for i in range(3)}}
            elif all(c not in k for k in sim.knocked[: p - 2]):
                lines[rn[c]] = {"BestLapTimes": {str(p - 1): {"Value": ""}},
                                "Sectors": {str(i): {"Value": ""} for i in range(3)},
                                "BestLapTime": {"Value": "", "_deleted": ["Lap"]},
                                "LastLapTime": {"Value": "", "PersonalFastest": True}}
        td.add(p_start - 120.0, {"SessionPart": p, "Lines": lines})
    # positions by best lap of the current part; knocked-out cars below, in their order
    events = sorted(best_events, key=lambda e: e[0])
    part_best: dict[tuple[int, int], int] = {}
    frozen: list[int] = []
    pos = {c: i for i, c in enumerate(start_order)}
    history = []
    part_now = 1
    ei = 0
    ticks = [(t, "ev") for t, *_ in events] + [(sim.parts[p][0] - 119.0, p + 1) for p in (1, 2)]
    for t, what in sorted(ticks, key=lambda x: x[0]):
        patch: dict = {}
        if what != "ev":
            part_now = what
            knocked_now = sim.knocked[what - 2]
            ranked_prev = sorted((c for c in range(n) if c not in frozen),
                                 key=lambda c: (part_best.get((c, what - 1), 10**9), pos[c]))
            frozen = [c for c in ranked_prev if c in knocked_now] + frozen
        else:
            _, car, part, ms, lapno, lp = events[ei]
            ei += 1
            if ms == -1:  # deleted lap withdrawn: recompute this car's part best
                vals = [e[3] for e in events[:ei] if e[1] == car and e[2] == part and e[3] not in (None, -1)]
                if vals:
                    part_best[(car, part)] = min(vals)
                else:
                    part_best.pop((car, part), None)
            elif ms is not None and ms < part_best.get((car, part), 10**9):
                part_best[(car, part)] = ms
            elif ms is None and lp.deleted:
                part_best[(car, part)] = min(part_best.get((car, part), 10**9), lp.ms[0])
        alive = [c for c in range(n) if c not in frozen]
        alive.sort(key=lambda c: (part_best.get((c, part_now), 10**9), pos[c]))
        order = alive + frozen
        fastest = part_best.get((order[0], part_now))
        for i, c in enumerate(order):
            mine = {}
            if pos[c] != i:
                mine.update({"Line": i + 1, "Position": str(i + 1)})
            if c in alive and (c, part_now) in part_best and fastest is not None:
                ahead = order[i - 1] if i else None
                mine["TimeDiffToFastest"] = "" if i == 0 else gap((part_best[(c, part_now)] - fastest) / 1000)
                mine["TimeDiffToPositionAhead"] = "" if ahead is None or (ahead, part_now) not in part_best \
                    else gap((part_best[(c, part_now)] - part_best[(ahead, part_now)]) / 1000)
            if mine:
                patch[rn[c]] = mine
        pos = {c: i for i, c in enumerate(order)}
        if patch:
            td.add(t + 0.002, {"Lines": patch})
            history.append((t, order))
    return td, app, stats, history
