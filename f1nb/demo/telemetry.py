"""CarData.z and Position.z, sampled from the same motion nodes as the timing (vectorised)."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import orjson

from .fmt import utc7_many
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


def _line_template(rns: list[str], entry: str) -> str:
    """A %-format for one sample of every car: `entry` per car, keyed by racing number."""
    return ",".join(f'"{rn}":{entry}' for rn in rns)


_CHANNELS = '{"Channels":{"0":%d,"2":%d,"3":%d,"4":%d,"5":%d,"45":%d}}'
_POSITION = '{"Status":"%s","X":%d,"Y":%d,"Z":%d}'


def telemetry_records(sim: Sim, t0: datetime, t_begin: float, t_end: float, hz: float, rng
                      ) -> tuple[list, list]:
    """(CarData.z records, Position.z records): (offset ms, inflated JSON as an orjson.Fragment).

    The JSON text is formatted here, one %-format per sample of all cars, rather than built
    as dicts and serialised: the bytes are the same as orjson.dumps of those dicts (compact,
    keys in the same order), in a fraction of the time."""
    ts_car = sample_times(t_begin, t_end, hz)
    ts_pos = ts_car + 0.5 / hz
    rns = [d.rn for d in sim.drivers]
    car_cols, pos_cols = [], []  # one list per %-placeholder, in the template's order
    for c in range(len(sim.drivers)):
        a = car_state(sim, c, ts_car)
        car_cols += [a[k].tolist() for k in ("rpm", "speed", "gear", "throttle", "brake", "drs")]
        b = car_state(sim, c, ts_pos)
        pos_cols += [np.where(b["off"], "OffTrack", "OnTrack").tolist()] + [b[k].tolist() for k in ("x", "y", "z")]
    car_rows = list(zip(*car_cols)) if car_cols else [()] * len(ts_car)
    pos_rows = list(zip(*pos_cols)) if pos_cols else [()] * len(ts_pos)
    car_fmt = _line_template(rns, _CHANNELS)
    pos_fmt = _line_template(rns, _POSITION)
    jitter = rng.uniform(0.0, 0.0009, len(ts_car))
    car_utc = utc7_many(t0, ts_car + jitter)
    pos_utc = utc7_many(t0, ts_pos + jitter)
    car_text = [f'{{"Utc":"{utc}","Cars":{{{car_fmt % row}}}}}' for utc, row in zip(car_utc, car_rows)]
    pos_text = [f'{{"Timestamp":"{utc}","Entries":{{{pos_fmt % row}}}}}' for utc, row in zip(pos_utc, pos_rows)]
    per = max(1, int(round(hz)))  # about one second of samples per line, like F1
    cars_out, pos_out = [], []
    for k0 in range(0, len(ts_car), per):
        k1 = min(k0 + per, len(ts_car))
        cars_out.append((round((ts_car[k1 - 1] + 0.21) * 1000),
                         orjson.Fragment('{"Entries":[' + ",".join(car_text[k0:k1]) + "]}")))
        pos_out.append((round((ts_pos[k1 - 1] + 0.23) * 1000),
                        orjson.Fragment('{"Position":[' + ",".join(pos_text[k0:k1]) + "]}")))
    return cars_out, pos_out
