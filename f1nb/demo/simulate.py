"""Session timelines: every lap of every car, from one seeded pace model.

Race: lap-by-lap, cars ordered by their previous crossing; lap time = base pace
+ driver pace + fuel + tyre compound and wear + noise; pit stops are real
in/out laps through the limiter; one car stops (DNF) and brings out a safety
car, during which laps slow down and the field bunches up. Qualifying: three
parts with two runs (out lap, push lap, in lap) per car, knock-outs and one
deleted lap. All times are seconds on the stream clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .grid import Driver
from .motion import Motion, crossing, ref_lap_time, speed_at, stretch
from .track import Track

COMPOUND = {"SOFT": (0.0, 0.085), "MEDIUM": (0.35, 0.05), "HARD": (0.7, 0.028)}
SC_FACTOR = 1.5  # safety-car lap time / reference
CATCH_FACTOR = 1.22  # how fast cars behind close up under the safety car


@dataclass
class Lap:
    car: int  # index into the driver list
    number: int  # lap number; crossing the line at `end` makes NumberOfLaps == number
    start: float
    end: float
    sector_end: tuple[float, float, float]
    segment_end: list[list[float]]
    speeds: dict[str, int]
    timed: bool = True  # False: no LastLapTime (race lap 1, qualifying out laps)
    pit_in: float | None = None  # time of pit entry on this lap
    pit_out: float | None = None  # time of pit exit on this lap
    deleted: bool = False
    sc: bool = False
    part: int = 0  # qualifying part
    push: bool = False
    compound: str = "MEDIUM"
    trap_t: dict = field(default_factory=dict)

    @property
    def ms(self) -> tuple[int, int, int, int]:
        """(lap, s1, s2, s3) in ms from ms-rounded crossing times: sectors always sum to the lap."""
        a, b, c, d = (round(x * 1000) for x in (self.start, *self.sector_end))
        return d - a, b - a, c - b, d - c


@dataclass
class Stint:
    compound: str
    new: bool
    start_lap: int  # laps already completed when fitted
    start_age: int  # tyre age when fitted


@dataclass
class Sim:
    kind: str
    track: Track
    drivers: list[Driver]
    start: float  # lights out / Q1 green
    end: float  # last chequered flag
    laps: list[list[Lap]]
    motion: list[tuple[np.ndarray, np.ndarray, np.ndarray]]
    stints: list[list[Stint]]
    grid: list[int] = field(default_factory=list)  # race: car indices in grid order
    flag: float = 0.0  # race chequered flag
    dnf: tuple | None = None  # (car, t_stop, lap, distance on lap)
    sc: tuple | None = None  # (deploy, in_this_lap, clear, first_lap, last_lap)
    parts: list[tuple[float, float]] = field(default_factory=list)
    knocked: list[list[int]] = field(default_factory=list)  # cars knocked out after each part
    entries: list[int] = field(default_factory=list)  # NoEntries per part
    deleted: tuple | None = None  # (car, Lap, announce time, turn)


def _lap_from(track: Track, car: int, number: int, t, s, base_d: float, **kw) -> Lap:
    """Build a Lap from a stretch's nodes (s is lap-relative, the lap ends at s == L)."""
    L = track.length
    reach = float(s[-1])
    ends = tuple(crossing(t, s, e) if e <= reach else np.nan for e in track.sector_ends[:2])
    ends += (float(t[-1]) if reach >= L else np.nan,)
    segs = [[crossing(t, s, p) if p <= reach else np.nan for p in sec] for sec in track.segment_points()]
    vv = np.asarray(kw.pop("v"))
    speeds = {k: int(round(speed_at(t, s, vv, p) * 3.6)) for k, p in track.traps.items() if p <= reach}
    trap_t = {k: crossing(t, s, p) for k, p in track.traps.items() if p <= reach}
    start = crossing(t, s, 0.0) if s[0] <= 0 <= s[-1] else float(t[0])
    return Lap(car, number, start, float(t[-1]), ends, segs, speeds, trap_t=trap_t, **kw)


def _base_time(tref: float, drv: Driver, lap: int, total: int, compound: str, age: int, noise: float) -> float:
    off, deg = COMPOUND[compound]
    fuel = 2.0 * (total - lap) / max(total, 1)
    return tref + drv.pace + fuel + off + deg * age + noise


def _start(track: Track, n: int) -> tuple[float, float, list[Motion], list[list[Lap]]]:
    """What a race and a qualifying start from: the track's length, its reference lap
    time, and per car a motion and an empty list of laps."""
    return track.length, ref_lap_time(track), [Motion() for _ in range(n)], [[] for _ in range(n)]


def simulate_race(track: Track, drivers: list[Driver], laps_total: int, rng, start: float,
                  grid: list[int]) -> Sim:
    n = len(drivers)
    L, tref, motions, laps = _start(track, n)
    # strategy: one stop for all, two for one car; no stops when the race is too short
    stints: list[list[Stint]] = []
    pit_laps: list[list[int]] = []
    for i in range(n):
        first = "SOFT" if i % 3 == 0 else "MEDIUM"
        plan = [Stint(first, i % 4 != 1, 0, 0 if i % 4 != 1 else 3)]
        stops = []
        if laps_total >= 4:
            p = int(np.clip(round(laps_total * rng.uniform(0.35, 0.6)), 1, laps_total - 2))
            stops.append(p)
            if i == 2 and laps_total >= 12:
                stops = [round(laps_total * 0.3), round(laps_total * 0.65)]
        pit_laps.append(stops)
        stints.append(plan)
    dnf_car = n // 2 + 1 if n >= 4 else None
    dnf_lap = max(2, int(np.ceil(laps_total * 0.55))) if dnf_car is not None and laps_total >= 3 else None
    if dnf_lap is not None and dnf_lap in pit_laps[dnf_car]:
        pit_laps[dnf_car] = [p for p in pit_laps[dnf_car] if p != dnf_lap]
    noise = rng.normal(0.0, 0.18, (n, laps_total + 2))
    prev_end = {i: start for i in range(n)}
    grid_gap = {car: 8.0 + 8.0 * pos for pos, car in enumerate(grid)}
    order = list(grid)
    running = set(range(n))
    ages = [plan[0].start_age for plan in stints]
    dnf = sc = None
    sc_laps: set[int] = set()
    for lap in range(1, laps_total + 1):
        if dnf is not None and not sc_laps:  # decide the safety car once the stop is known
            deploy = dnf[1] + 8.0
            leader = order[0]
            lead_lap = lap + 1 if prev_end[leader] < deploy else lap
            sc_laps = set(range(lead_lap, min(lead_lap + 3, laps_total)))
            sc = [deploy, None, None, min(sc_laps) if sc_laps else lap, max(sc_laps) if sc_laps else lap]
        last_e = None
        for car in order:
            if car not in running:
                continue
            drv = drivers[car]
            t0 = prev_end[car]
            stint = stints[car][-1]
            pit_in = lap in pit_laps[car]
            pit_out = (lap - 1) in pit_laps[car]
            if pit_out:
                comp = "HARD" if stint.compound != "HARD" else "MEDIUM"
                stint = Stint(comp, True, lap - 1, 0)
                stints[car].append(stint)
                ages[car] = 0
            base = _base_time(tref, drv, lap, laps_total, stint.compound, ages[car], float(noise[car, lap]))
            if lap in sc_laps:
                own = t0 + tref * CATCH_FACTOR
                target = max(own, (last_e + 0.8) if last_e is not None else t0 + tref * SC_FACTOR)
                target = max(target, t0 + tref * CATCH_FACTOR)
                f = tref / (target - t0)
            else:
                f = tref / base
            if lap == 1:
                t, s, v = stretch(track, t0, -grid_gap[car], L, f * 1.02, standing=True)
            elif car == dnf_car and lap == dnf_lap:
                stop_at = L * 0.45
                t, s, v = stretch(track, t0, 0.0, L, f, stop_at=stop_at)
                motions[car].add(t, s + (lap - 1) * L, v)
                dnf = (car, float(t[-1]), lap, stop_at)
                running.discard(car)
                partial = _lap_from(track, car, lap, t, s, 0.0, v=v, compound=stint.compound)
                partial.sector_end = (partial.sector_end[0], np.nan, np.nan)
                laps[car].append(partial)
                continue
            else:
                t, s, v = stretch(track, t0, 0.0, L, f, pit_in=pit_in, pit_out=pit_out)
            motions[car].add(t, s + (lap - 1) * L, v)
            lp = _lap_from(track, car, lap, t, s, 0.0, v=v, timed=lap > 1, sc=lap in sc_laps,
                           compound=stint.compound)
            if pit_in:
                lp.pit_in = crossing(t, s, track.pit_entry)
            if pit_out:
                lp.pit_out = crossing(t, s, track.pit_exit)
            laps[car].append(lp)
            prev_end[car] = lp.end
            ages[car] += 1
            last_e = lp.end
        order = sorted((c for c in running), key=lambda c: prev_end[c])
    # the flag falls when the leader completes the distance; later laps are dropped
    flag = min(laps[c][-1].end for c in range(n) if laps[c] and laps[c][-1].number == laps_total)
    for car in range(n):
        laps[car] = [lp for lp in laps[car] if lp.start < flag]
    for car in range(n):  # cool-down lap and back to the box, then parked
        if dnf is not None and car == dnf[0]:
            continue
        last = laps[car][-1]
        t, s, v = stretch(track, last.end, 0.0, L, 0.55, pit_in=True)
        motions[car].add(t, s + last.number * L, v)
        t2, s2, v2 = stretch(track, float(t[-1]), 0.0, track.box, 0.5, end_still=True)
        motions[car].add(t2, s2 + (last.number + 1) * L, v2)
    if sc is not None:
        first, lastl = sc[3], sc[4]
        lead = [laps[c] for c in range(n) if len(laps[c]) >= lastl]
        leader_laps = min(lead, key=lambda ls: ls[first - 1].end)
        sc[1] = leader_laps[min(lastl - 1, len(leader_laps) - 1)].start + 20.0
        sc[2] = leader_laps[min(lastl - 1, len(leader_laps) - 1)].end
        sc = tuple(sc)
    end = max(m.arrays()[0][-1] for m in motions)
    return Sim("Race", track, drivers, start, end, laps, [m.arrays() for m in motions], stints,
               grid=list(grid), flag=flag, dnf=dnf, sc=sc)


def _entries(n: int) -> list[int]:
    cut = max(1, round(n * 0.25))
    return [n, max(2, n - cut), max(1, n - 2 * cut)]


def simulate_quali(track: Track, drivers: list[Driver], minutes: tuple, rng, start: float) -> Sim:
    n = len(drivers)
    L, tref, motions, laps = _start(track, n)
    stints: list[list[Stint]] = [[] for _ in range(n)]
    entries = _entries(n)
    parts, knocked = [], []
    alive = list(range(n))
    done = [0] * n  # laps completed (NumberOfLaps)
    deleted_car = min(3, n - 1)
    deleted = None
    t_part = start
    for p in range(3):
        dur = float(minutes[p]) * 60.0
        p_start, p_end = t_part, t_part + dur
        parts.append((p_start, p_end))
        best: dict[int, float] = {}
        for car in alive:
            drv = drivers[car]
            free = p_start + rng.uniform(0.03, 0.15) * dur
            for run in range(2):
                leave = free if run == 0 else max(free + 30.0, p_start + rng.uniform(0.5, 0.62) * dur)
                out_f, in_f = 0.74, 0.72
                t, s, v = stretch(track, leave, track.box, L, out_f, pit_out=True, standing=True)
                if t[-1] + tref * 1.05 > p_end + 0.5 * tref:
                    break  # no time left for a flying lap
                motions[car].add(t, s + done[car] * L, v)
                stints[car].append(Stint("SOFT", True, done[car], 0))
                done[car] += 1
                out = _lap_from(track, car, done[car], t, s, 0.0, v=v, timed=False, part=p + 1, compound="SOFT")
                out.pit_out = crossing(t, s, track.pit_exit)
                laps[car].append(out)
                if t[-1] >= p_end:
                    break
                push = tref + drv.pace - 0.5 - 0.12 * p - 0.1 * run + float(rng.normal(0, 0.1))
                if car == deleted_car and p == 0 and run == 1:
                    first = [lp for lp in laps[car] if lp.push and lp.part == 1]
                    if first:
                        push = min(push, first[0].ms[0] / 1000 - 0.3)
                t, s, v = stretch(track, float(t[-1]), 0.0, L, tref / push)
                motions[car].add(t, s + done[car] * L, v)
                done[car] += 1
                lp = _lap_from(track, car, done[car], t, s, 0.0, v=v, part=p + 1, push=True, compound="SOFT")
                if car == deleted_car and p == 0 and run == 1:
                    lp.deleted = True
                    deleted = (car, lp, lp.end + rng.uniform(15.0, 40.0), track.turn_near(rng.uniform(0, L)))
                laps[car].append(lp)
                if not lp.deleted:
                    best[car] = min(best.get(car, 1e9), lp.ms[0] / 1000)
                t, s, v = stretch(track, float(t[-1]), 0.0, L, in_f, pit_in=True)
                motions[car].add(t, s + done[car] * L, v)
                done[car] += 1
                inl = _lap_from(track, car, done[car], t, s, 0.0, v=v, part=p + 1, compound="SOFT")
                inl.pit_in = crossing(t, s, track.pit_entry)
                laps[car].append(inl)
                t2, s2, v2 = stretch(track, float(t[-1]), 0.0, track.box, 0.5, end_still=True)
                motions[car].add(t2, s2 + done[car] * L, v2)
                free = float(t2[-1]) + 60.0
        ranked = sorted(alive, key=lambda c: (best.get(c, 1e9), c))
        if p < 2:
            keep = entries[p + 1]
            knocked.append(ranked[keep:])
            alive = ranked[:keep]
        else:
            knocked.append([])
        last_end = max([lp.end for ls in laps for lp in ls if lp.part == p + 1] + [p_end])
        t_part = max(p_end, last_end) + 7 * 60.0
    for car in range(n):
        if not motions[car].t:  # a car that never ran still has a parked position
            motions[car].add(np.array([start, start + 1]), np.array([track.box] * 2), np.zeros(2))
    end = parts[-1][1]
    return Sim("Qualifying", track, drivers, start, end, laps, [m.arrays() for m in motions], stints,
               parts=parts, knocked=knocked, entries=entries, deleted=deleted)
