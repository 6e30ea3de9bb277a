"""CarData.z and Position.z, sampled from the same motion nodes as the timing (vectorised)."""

from __future__ import annotations

from datetime import datetime

import numpy as np

from .fmt import utc7
from .simulate import Sim
from .track import GEAR_UP, V_TOP


def sample_times(t_begin: float, t_end: float, hz: float) -> np.ndarray:
    return t_begin + np.arange(int((t_end - t_begin) * hz)) / hz


def car_state(sim: Sim, car: int, ts: np.ndarray) -> dict[str, np.ndarray]:
    T, D, V = sim.motion[car]
    d = np.interp(ts, T, D)
    v = np.interp(ts, T, V)
    seg = np.clip(np.searchsorted(T, ts, side="right") - 1, 0, len(T) - 2)
    dt = np.maximum(T[seg + 1] - T[seg], 1e-6)
    acc = np.where((ts >= T[0]) & (ts <= T[-1]), (V[seg + 1] - V[seg]) / dt, 0.0)
    kmh = v * 3.6
    gear = np.where(kmh < 2.0, 0, np.searchsorted(GEAR_UP, kmh, side="right"))
    lo = GEAR_UP[np.clip(gear - 1, 0, 7)]
    hi = np.where(gear >= 8, 345.0, GEAR_UP[np.clip(gear, 0, 7)])
    frac = np.clip((kmh - lo) / np.maximum(hi - lo, 1.0), 0, 1)
    rpm = np.where(gear <= 1, 4200 + 6500 * kmh / GEAR_UP[1], 9300 + 2500 * frac)
    rpm = np.where(kmh < 2.0, 4200, rpm)
    brake = np.where(acc < -2.5, 100, 0)
    throttle = np.where(acc < -2.5, 0, np.where((acc > 0.4) | (kmh > 0.93 * V_TOP * 3.6), 100, 45))
    throttle = np.where(kmh < 2.0, 0, throttle)
    status = np.zeros(len(ts), dtype=bool)  # True: OffTrack
    if sim.dnf is not None and sim.dnf[0] == car:
        stopped = ts >= sim.dnf[1]
        rpm = np.where(stopped, 0, rpm)
        gear = np.where(stopped, 0, gear)
        throttle = np.where(stopped, 104, throttle)
        brake = np.where(stopped, 104, brake)
        status = stopped
    L = sim.track.length
    s = np.mod(d, L)
    drs = np.zeros(len(ts), dtype=int)
    eligible = kmh > 200
    if sim.kind == "Race":
        eligible &= d >= 2 * L
        if sim.sc is not None:
            eligible &= ~((ts >= sim.sc[0]) & (ts < sim.sc[2] + 160.0))
    for a, b in sim.track.drs_zones:
        drs = np.where(eligible & (s >= a) & (s <= b), 12, drs)
        drs = np.where(eligible & (s >= a - 120) & (s < a), 8, drs)
    x, y, z = sim.track.xyz(d)
    return {"d": d, "rpm": np.round(rpm).astype(int), "speed": np.round(kmh).astype(int), "gear": gear.astype(int),
            "throttle": throttle.astype(int), "brake": brake.astype(int), "drs": drs,
            "x": np.round(x * 10).astype(int), "y": np.round(y * 10).astype(int), "z": np.round(z * 10).astype(int),
            "off": status}


def telemetry_records(sim: Sim, t0: datetime, t_begin: float, t_end: float, hz: float, rng
                      ) -> tuple[list, list]:
    """(CarData.z records, Position.z records): (offset ms, inflated JSON value)."""
    ts_car = sample_times(t_begin, t_end, hz)
    ts_pos = ts_car + 0.5 / hz
    rns = [d.rn for d in sim.drivers]
    car_cols, pos_cols = [], []
    for c in range(len(sim.drivers)):
        a = car_state(sim, c, ts_car)
        car_cols.append(list(zip(a["rpm"].tolist(), a["speed"].tolist(), a["gear"].tolist(),
                                 a["throttle"].tolist(), a["brake"].tolist(), a["drs"].tolist())))
        b = car_state(sim, c, ts_pos)
        pos_cols.append(list(zip(np.where(b["off"], "OffTrack", "OnTrack").tolist(), b["x"].tolist(),
                                 b["y"].tolist(), b["z"].tolist())))
    jitter = rng.uniform(0.0, 0.0009, len(ts_car))
    per = max(1, int(round(hz)))  # about one second of samples per line, like F1
    cars_out, pos_out = [], []
    for k0 in range(0, len(ts_car), per):
        ks = range(k0, min(k0 + per, len(ts_car)))
        entries = []
        for k in ks:
            cars = {}
            for c, rn in enumerate(rns):
                r, sp, g, th, br, dr = car_cols[c][k]
                cars[rn] = {"Channels": {"0": r, "2": sp, "3": g, "4": th, "5": br, "45": dr}}
            entries.append({"Utc": utc7(t0, float(ts_car[k] + jitter[k])), "Cars": cars})
        cars_out.append((round((ts_car[ks[-1]] + 0.21) * 1000), {"Entries": entries}))
        plist = []
        for k in ks:
            ent = {}
            for c, rn in enumerate(rns):
                st, x, y, z = pos_cols[c][k]
                ent[rn] = {"Status": st, "X": x, "Y": y, "Z": z}
            plist.append({"Timestamp": utc7(t0, float(ts_pos[k] + jitter[k])), "Entries": ent})
        pos_out.append((round((ts_pos[ks[-1]] + 0.23) * 1000), {"Position": plist}))
    return cars_out, pos_out
