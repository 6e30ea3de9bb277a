"""Session-level topics: SessionInfo, SessionStatus, ArchiveStatus, TrackStatus, LapCount,
ExtrapolatedClock, Heartbeat, DriverList, RaceControlMessages, WeatherData."""

from __future__ import annotations

from datetime import datetime

import numpy as np

from .fmt import Events, utc0, utc7
from .grid import Driver
from .penalty import penalty_messages
from .simulate import Sim


def session_info(meeting: dict, session: dict) -> Events:
    ev = Events()
    ev.add(0.0, {"Meeting": {"Key": meeting["Key"], "Name": meeting["Name"], "OfficialName": meeting["OfficialName"],
                             "Location": meeting["Location"], "Country": meeting["Country"],
                             "Circuit": meeting["Circuit"]},
                 "ArchiveStatus": {"Status": "Generating"}, "Key": session["Key"], "Type": session["Type"],
                 "Name": session["Name"], "StartDate": session["StartDate"], "EndDate": session["EndDate"],
                 "GmtOffset": session["GmtOffset"], "Path": session["Path"]})
    return ev


def status_feeds(sim: Sim, stream_end: float) -> tuple[Events, Events]:
    ss, arch = Events(), Events()
    ss.add(1.258, {"Status": "Inactive"})
    arch.add(0.4, {"Status": "Generating"})
    if sim.kind == "Race":
        ss.add(sim.start, {"Status": "Started"})
        ss.add(sim.flag + 0.05, {"Status": "Finished"})
    else:
        for i, (a, b) in enumerate(sim.parts):
            if i:
                ss.add(a - 60.0, {"Status": "Inactive"})
            ss.add(a, {"Status": "Started"})
            ss.add(b, {"Status": "Finished"})
    ss.add(stream_end - 140.0, {"Status": "Finalised"})
    ss.add(stream_end - 70.0, {"Status": "Ends"})
    arch.add(stream_end - 0.5, {"Status": "Complete"})
    return ss, arch


def track_status(sim: Sim) -> Events:
    ev = Events()
    ev.add(0.0, {"Status": "1", "Message": "AllClear"})
    if sim.dnf is not None:
        ev.add(sim.dnf[1] + 3.0, {"Status": "2", "Message": "Yellow"})
    if sim.sc is not None:
        ev.add(sim.sc[0], {"Status": "4", "Message": "SCDeployed"})
        ev.add(sim.sc[2], {"Status": "1", "Message": "AllClear"})
    return ev


def lap_count(sim: Sim, total: int) -> Events:
    ev = Events()
    ev.add(2.024, {"CurrentLap": 1, "TotalLaps": total})
    firsts: dict[int, float] = {}
    for laps in sim.laps:
        for lp in laps:
            if lp.number < total and lp.end == lp.end and lp.sector_end[2] == lp.sector_end[2]:
                firsts[lp.number] = min(firsts.get(lp.number, 1e18), lp.end)
    for n, t in sorted(firsts.items()):
        ev.add(t + 0.035, {"CurrentLap": n + 1})
    return ev


def _hms(sec: float) -> str:
    sec = max(0, int(round(sec)))
    return f"{sec // 3600:02d}:{sec % 3600 // 60:02d}:{sec % 60:02d}"


def extrapolated_clock(sim: Sim, t0: datetime, race_minutes: int = 120) -> Events:
    ev = Events()
    if sim.kind == "Race":
        ev.add(3.0, {"Utc": utc7(t0, 3.0), "Remaining": _hms(race_minutes * 60), "Extrapolating": False, "_kf": True})
        ev.add(sim.start, {"Utc": utc7(t0, sim.start), "Remaining": _hms(race_minutes * 60), "Extrapolating": True})
        ev.add(sim.flag, {"Utc": utc7(t0, sim.flag), "Remaining": _hms(race_minutes * 60 - (sim.flag - sim.start)),
                          "Extrapolating": False})
    else:
        a0, b0 = sim.parts[0]
        ev.add(3.0, {"Utc": utc7(t0, 3.0), "Remaining": _hms(b0 - a0), "Extrapolating": False, "_kf": True})
        for i, (a, b) in enumerate(sim.parts):
            if i:
                ev.add(a - 60.0, {"Utc": utc7(t0, a - 60.0), "Remaining": _hms(b - a), "Extrapolating": False})
            ev.add(a, {"Utc": utc7(t0, a), "Remaining": _hms(b - a), "Extrapolating": True})
            ev.add(b, {"Utc": utc7(t0, b), "Remaining": "00:00:00", "Extrapolating": False})
    return ev


def heartbeat(t0: datetime, end: float, rng) -> Events:
    ev = Events()
    t = 1.0 + float(rng.uniform(0, 1))
    while t < end:
        frac = float(rng.uniform(0, 0.0009))  # sub-millisecond part so the 7 digits are real
        ev.add(t, {"Utc": utc7(t0, t + frac), "_kf": True})
        t += 5.0
    return ev


def driver_list(drivers: list[Driver], support: Driver, history: list, first_order: list[int]) -> Events:
    ev = Events()
    entries = {drivers[c].rn: drivers[c].driver_list_entry(i + 1) for i, c in enumerate(first_order)}
    entries[support.rn] = support.driver_list_entry(len(drivers) + 1)
    ev.add(5.032, entries)
    pos = {c: i for i, c in enumerate(first_order)}
    for t, order in history:
        patch = {drivers[c].rn: {"Line": i + 1} for i, c in enumerate(order) if pos.get(c) != i}
        pos = {c: i for i, c in enumerate(order)}
        if patch:
            ev.add(t + 0.01, patch)
    return ev


def weather(end: float, rng) -> Events:
    ev = Events()
    air, track, hum, press, wd = rng.uniform(18, 30), 0.0, rng.uniform(35, 70), rng.uniform(990, 1016), rng.uniform(0, 360)
    track = air + rng.uniform(8, 18)
    t = 13.893
    while t < end:
        air += rng.normal(0, 0.08)
        track += rng.normal(0.01, 0.25)
        hum = float(np.clip(hum + rng.normal(0, 0.4), 10, 99))
        press += rng.normal(0, 0.05)
        wd = (wd + rng.normal(0, 25)) % 360
        ev.add(t, {"AirTemp": f"{air:.1f}", "Humidity": f"{hum:.1f}", "Pressure": f"{press:.1f}", "Rainfall": "0",
                   "TrackTemp": f"{track:.1f}", "WindDirection": str(int(wd)), "WindSpeed": f"{abs(rng.normal(1.2, 0.6)):.1f}"})
        t += 60.0 + float(rng.uniform(0.005, 0.03))
    return ev


class _RCM:
    def __init__(self, t0: datetime) -> None:
        self.t0, self.ev, self.n = t0, Events(), 0

    def add(self, t: float, msg: dict) -> None:
        body = {"Utc": utc0(self.t0, t), **msg}
        self.ev.add(t, {"Messages": [body]} if self.n == 0 else {"Messages": {str(self.n): body}})
        self.n += 1


def race_control(sim: Sim, t0: datetime, local_offset_h: int) -> Events:
    rc = _RCM(t0)
    d = sim.drivers
    green = {"Category": "Flag", "Flag": "GREEN", "Scope": "Track", "Message": "GREEN LIGHT - PIT EXIT OPEN"}
    flag = {"Category": "Flag", "Flag": "CHEQUERED", "Scope": "Track", "Message": "CHEQUERED FLAG"}
    items: list[tuple[float, dict]] = []
    if sim.kind == "Race":
        items.append((sim.start - 540.0, green))
        items.append((sim.start - 240.0, {"Category": "Other", "Message": "PIT EXIT CLOSED"}))
        lead = min((ls for ls in sim.laps if len(ls) > 2), key=lambda ls: ls[1].end, default=None)
        if lead is not None:
            items.append((lead[1].end + 1.0, {"Lap": 3, "Category": "Drs", "Status": "ENABLED", "Message": "DRS ENABLED"}))
        if sim.dnf is not None:
            car, ts, lapno, dist = sim.dnf
            ms = sim.track.track_sector_of(dist)
            drv = d[car]
            items.append((ts + 3.0, {"Lap": lapno, "Category": "Flag", "Flag": "YELLOW", "Scope": "Sector", "Sector": ms,
                                     "Message": f"YELLOW IN TRACK SECTOR {ms}"}))
            items.append((ts + 6.0, {"Lap": lapno, "Category": "Other", "Message":
                                     f"CAR {drv.number} ({drv.tla}) STOPPED AT TURN {sim.track.turn_near(dist)}"}))
        if sim.sc is not None:
            dep, inl, clr, first, last = sim.sc
            items.append((dep - 0.2, {"Lap": first - 1, "Category": "SafetyCar", "Status": "DEPLOYED",
                                      "Mode": "SAFETY CAR", "Message": "SAFETY CAR DEPLOYED"}))
            items.append((dep + 1.0, {"Lap": first - 1, "Category": "Drs", "Status": "DISABLED", "Message": "DRS DISABLED"}))
            items.append((inl, {"Lap": last, "Category": "SafetyCar", "Status": "IN THIS LAP", "Mode": "SAFETY CAR",
                                "Message": "SAFETY CAR IN THIS LAP"}))
            items.append((clr + 0.1, {"Lap": last + 1, "Category": "Flag", "Flag": "CLEAR", "Scope": "Track",
                                      "Message": "TRACK CLEAR"}))
            items.append((clr + 2 * 80.0, {"Lap": last + 3, "Category": "Drs", "Status": "ENABLED", "Message": "DRS ENABLED"}))
        items.extend(penalty_messages(sim))
        items.append((sim.flag + 0.1, {"Lap": max(len(ls) for ls in sim.laps), **flag}))
    else:
        for i, (a, b) in enumerate(sim.parts):
            items.append((a + 0.1, green))
            items.append((b + 0.1, flag))
            if i < 2:
                nxt = sim.parts[i + 1][0]
                local = (t0.hour + local_offset_h) * 3600 + t0.minute * 60 + t0.second + nxt
                items.append((b + 130.0, {"Category": "Other",
                                          "Message": f"Q{i + 2} WILL START AT {int(local // 3600) % 24:02d}:{int(local % 3600 // 60):02d}"}))
        if sim.deleted is not None:
            car, lp, t_ann, turn = sim.deleted
            drv = d[car]
            items.append((t_ann, {"Category": "Other", "Message":
                                  f"CAR {drv.number} ({drv.tla}) TIME {_rc_time(lp.ms[0])} DELETED - TRACK LIMITS AT TURN {turn}"}))
    for t, m in sorted(items, key=lambda x: x[0]):
        rc.add(t, m)
    return rc.ev


def _rc_time(ms: int) -> str:
    m, rest = divmod(ms, 60000)
    return f"{m}:{rest // 1000:02d}.{rest % 1000:03d}"
