"""Demo physics and traps: sectors, distance, sample rate, samples inside laps, deliberate traps."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import orjson
import pytest

from f1nb.decode.jsonstream import parse_jsonstream
from f1nb.decode.zpayload import payload_json  # `.z` payloads are kept as received
from f1nb.demo import DemoConfig, demo_session_path, write_demo_archive
from f1nb.decode.merge import merge_value as merge

CFG = DemoConfig(seed=3, drivers=8, race_laps=8, quali_minutes=(10.0, 9.0, 8.0))


def _msgs(folder: Path, topic: str):
    return [(m.offset_ms, orjson.loads(payload_json(m.payload)))
            for m in parse_jsonstream(topic, (folder / f"{topic}.jsonStream").read_bytes())[0]]


def _utc(s: str) -> datetime:
    head, frac = s.rstrip("Z").split(".")
    return datetime.fromisoformat(head) + timedelta(microseconds=int(frac[:6]))


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("demo_phys")
    write_demo_archive(root, CFG)
    return root


def _laps_from_timing(folder: Path) -> dict[str, list[dict]]:
    """Per driver: [{lap, end_ms, time, sectors}] from NumberOfLaps + the late sector-3/lap-time patch."""
    laps: dict[str, list[dict]] = {}
    sectors: dict[str, dict[int, str]] = {}
    for off, msg in _msgs(folder, "TimingData"):
        for rn, line in msg.get("Lines", {}).items():
            if not isinstance(line, dict):
                continue
            if "NumberOfLaps" in line:
                laps.setdefault(rn, []).append({"lap": line["NumberOfLaps"], "end": off, "sectors": {}})
            secs = line.get("Sectors")
            if isinstance(secs, dict):
                for k, v in secs.items():
                    if isinstance(v, dict) and v.get("Value"):
                        sectors.setdefault(rn, {})[int(k)] = v["Value"]
                        if rn in laps and int(k) == 2:
                            laps[rn][-1]["sectors"] = dict(sectors[rn])
            if "LastLapTime" in line and line["LastLapTime"].get("Value") and rn in laps:
                laps[rn][-1]["time"] = line["LastLapTime"]["Value"]
    return laps


def _sec(v: str) -> float:
    if ":" in v:
        m, s = v.split(":")
        return int(m) * 60 + float(s)
    return float(v)


def test_sectors_sum_to_lap_time(tree):
    for name in ("Race", "Qualifying"):
        laps = _laps_from_timing(tree / demo_session_path(CFG, 1, name))
        checked = 0
        for rn, ls in laps.items():
            for lp in ls:
                if "time" in lp and len(lp["sectors"]) == 3:
                    total = sum(round(_sec(lp["sectors"][i]) * 1000) for i in range(3))
                    assert total == round(_sec(lp["time"]) * 1000), (name, rn, lp)
                    checked += 1
        assert checked > 20


def _samples(folder: Path):
    """Per car: (utc seconds array, speed km/h array) and the stream t0."""
    out: dict[str, list] = {}
    t0s = []
    for off, msg in _msgs(folder, "CarData.z"):
        for e in msg["Entries"]:
            t = _utc(e["Utc"])
            t0s.append(t - timedelta(milliseconds=off))
            for rn, car in e["Cars"].items():
                out.setdefault(rn, []).append((t, car["Channels"]))
    return out, min(t0s)


def test_speed_integrates_to_track_length_and_samples_in_laps(tree):
    folder = tree / demo_session_path(CFG, 1, "Race")
    laps = _laps_from_timing(folder)
    samples, _ = _samples(folder)
    hb = _msgs(folder, "Heartbeat")
    t0 = min(_utc(m["Utc"]) - timedelta(milliseconds=off) for off, m in hb)
    lengths = []
    for rn, ls in laps.items():
        ts = np.array([(t - t0).total_seconds() for t, _ in samples[rn]])
        v = np.array([ch["2"] for _, ch in samples[rn]]) / 3.6
        # lap end times on the stream clock (NumberOfLaps arrives at the crossing)
        ends = [lp["end"] / 1000 for lp in ls]
        for a, b in zip(ends[1:-1], ends[2:]):  # skip lap 1 (from the grid)
            m = (ts >= a) & (ts < b)
            dist = np.trapezoid(v[m], ts[m]) if hasattr(np, "trapezoid") else np.trapz(v[m], ts[m])
            lengths.append(dist)
    lengths = np.array(lengths)
    assert len(lengths) > 30
    ref = np.median(lengths)
    assert np.all(np.abs(lengths / ref - 1) < 0.02), (lengths.min(), lengths.max(), ref)
    # a car's samples follow the lap counter: speed is ~0 only when stationary, never inside a flying lap
    for rn, ls in laps.items():
        ts = np.array([(t - t0).total_seconds() for t, _ in samples[rn]])
        sp = np.array([ch["2"] for _, ch in samples[rn]])
        for a, b in zip([lp["end"] / 1000 for lp in ls][1:-1], [lp["end"] / 1000 for lp in ls][2:]):
            m = (ts > a + 1) & (ts < b - 1)
            assert sp[m].max() > 200


def test_sample_rate_per_car(tree):
    folder = tree / demo_session_path(CFG, 1, "Race")
    samples, _ = _samples(folder)
    for rn, rows in samples.items():
        ts = np.array([(t - rows[0][0]).total_seconds() for t, _ in rows])
        rate = (len(ts) - 1) / (ts[-1] - ts[0])
        assert abs(rate - CFG.sample_hz) / CFG.sample_hz < 0.02
        assert np.all(np.diff(ts) > 0)


def test_brake_and_throttle_coherent(tree):
    folder = tree / demo_session_path(CFG, 1, "Race")
    samples, _ = _samples(folder)
    for rn, rows in samples.items():
        ch = [c for _, c in rows]
        thr = np.array([c["4"] for c in ch])
        brk = np.array([c["5"] for c in ch])
        gear = np.array([c["3"] for c in ch])
        spd = np.array([c["2"] for c in ch])
        moving = thr != 104
        assert not np.any((brk[moving] == 100) & (thr[moving] == 100))
        assert set(np.unique(brk)) <= {0, 100, 104}
        fast = moving & (spd > 300)
        assert np.all(gear[fast] >= 7)
        assert np.all(gear[moving & (spd < 2)] == 0)
        assert set(np.unique([c["45"] for c in ch])) <= {0, 1, 8, 10, 12, 14}


def test_positions_follow_the_track(tree):
    folder = tree / demo_session_path(CFG, 1, "Race")
    pts = {}
    for _, msg in _msgs(folder, "Position.z"):
        for p in msg["Position"]:
            for rn, e in p["Entries"].items():
                pts.setdefault(rn, []).append((e["X"], e["Y"]))
    a = np.array(pts[next(iter(pts))], dtype=float)
    step = np.hypot(*np.diff(a, axis=0).T) / 10  # metres per 0.25 s
    assert step.max() < 95 / CFG.sample_hz + 1  # never faster than ~340 km/h
    b = np.array(pts[list(pts)[1]], dtype=float)
    # both cars drive the same line: every point of car B lies within 1 m of car A's trace
    from numpy.lib.stride_tricks import sliding_window_view  # noqa: F401
    sub = b[:: 7]
    d = np.min(np.hypot(sub[:, None, 0] - a[None, :, 0], sub[:, None, 1] - a[None, :, 1]), axis=1) / 10
    assert np.percentile(d, 99) < 8.0


# ---------------------------------------------------------------- traps

def test_race_traps(tree):
    folder = tree / demo_session_path(CFG, 1, "Race")
    td = _msgs(folder, "TimingData")
    first = td[0][1]["Lines"]
    assert all(isinstance(line["Sectors"], list) for line in first.values())
    assert any(isinstance(m.get("Lines", {}).get(rn, {}).get("Sectors"), dict) for _, m in td[1:] for rn in first)
    # lap 1: no LastLapTime and no sector 1 value
    for _, m in td:
        for rn, line in m.get("Lines", {}).items():
            assert not (line.get("NumberOfLaps") == 1 and "LastLapTime" in line)
    laps = _laps_from_timing(folder)
    lap1 = [lp for ls in laps.values() for lp in ls if lp["lap"] == 1]
    assert lap1 and all("time" not in lp for lp in lap1)
    # the sector-3 / lap-time patch arrives after NumberOfLaps, never with it
    assert not any("NumberOfLaps" in line and "LastLapTime" in line for _, m in td for line in m.get("Lines", {}).values())
    state = {}
    for _, m in td:
        state = merge(state, m)
    lines = state["Lines"]
    assert any(line.get("Retired") and line.get("Stopped") for line in lines.values())
    assert any(line.get("NumberOfPitStops", 0) >= 1 for line in lines.values())
    gaps = [line.get("GapToLeader") for _, m in td for line in m.get("Lines", {}).values() if "GapToLeader" in line]
    assert any(g.startswith("LAP ") for g in gaps) and any(g.startswith("+") for g in gaps) and "" in gaps
    ts = [m for _, m in _msgs(folder, "TrackStatus")]
    assert {"Status": "4", "Message": "SCDeployed"} in ts and ts[-1] == {"Status": "1", "Message": "AllClear"}
    rcm = " ".join(str(m) for _, m in _msgs(folder, "RaceControlMessages"))
    assert "SAFETY CAR DEPLOYED" in rcm and "STOPPED AT TURN" in rcm
    # stopped car reports 104
    samples, _ = _samples(folder)
    assert any(any(c["4"] == 104 and c["5"] == 104 for _, c in rows) for rows in samples.values())
    # support-race driver: in DriverList, never in TimingData
    dl = _msgs(folder, "DriverList")[0][1]
    assert set(dl) - set(first) == {"98"}
    app = _msgs(folder, "TimingAppData")
    assert isinstance(next(iter(app[0][1]["Lines"].values()))["Stints"], list)
    patched = [s for _, m in app[1:] for line in m["Lines"].values() if isinstance(s := line.get("Stints"), dict)]
    assert any(any("Compound" in v and v["New"] in ("true", "false") for v in s.values()) for s in patched)


def test_quali_traps(tree):
    folder = tree / demo_session_path(CFG, 1, "Qualifying")
    td = _msgs(folder, "TimingData")
    assert td[0][1]["SessionPart"] == 1 and td[0][1]["NoEntries"] == [8, 6, 4]
    assert [m["SessionPart"] for _, m in td if "SessionPart" in m] == [1, 2, 3]
    state = {}
    for _, m in td:
        state = merge(state, m)
    assert sum(bool(line.get("KnockedOut")) for line in state["Lines"].values()) == 4
    rcm = [m for _, m in _msgs(folder, "RaceControlMessages")]
    deleted = [msg for m in rcm for msg in (m["Messages"] if isinstance(m["Messages"], list) else m["Messages"].values())
               if "DELETED - TRACK LIMITS AT TURN" in msg["Message"]]
    assert len(deleted) == 1
    car = deleted[0]["Message"].split()[1]
    lap_time = deleted[0]["Message"].split("TIME ")[1].split()[0]
    bests = [line["BestLapTime"]["Value"] for _, m in td for rn, line in m.get("Lines", {}).items()
             if rn == car and "BestLapTime" in line]
    assert lap_time in bests and bests[-1] != lap_time  # shown, then re-sent without it


@pytest.mark.slow
def test_race_size_demo_has_a_lapped_car(tmp_path):
    """(How long generating it takes is measured in benchmarks/, not asserted here.)"""
    cfg = DemoConfig(sessions=("Race",))
    write_demo_archive(tmp_path, cfg)
    folder = tmp_path / demo_session_path(cfg, 1, "Race")
    gaps = [line.get("GapToLeader", "") for _, m in _msgs(folder, "TimingData") for line in m.get("Lines", {}).values()
            if isinstance(line, dict)]
    assert any(g.endswith("L") for g in gaps)
