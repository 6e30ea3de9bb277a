"""Write the demo season as a static-archive tree, laid out like livetiming.formula1.com/static/."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import orjson

from ..decode.jsonstream import BOM, encode_jsonstream, format_offset
from ..decode.zpayload import deflate
from ..progress import Report, span
from ..decode.merge import merge_value
from . import config as C
from .feeds_quali import build_quali_timing
from .feeds_session import (driver_list, extrapolated_clock, heartbeat, lap_count, race_control, session_info,
                            status_feeds, track_status, weather)
from .feeds_timing import build_race_timing
from .grid import make_grid, support_driver
from .penalty import apply_penalty_to_timing
from .simulate import simulate_quali, simulate_race
from .telemetry import telemetry_records
from .track import build_track
from .workers import Writers, worker_count, write_on_workers

LEAD_IN = {"Race": 600.0, "Qualifying": 900.0}  # stream clock starts this long before the session start


def _meeting(cfg: C.DemoConfig, rnd: int) -> dict:
    name, loc, country, code, circuit, gmt = C.place(rnd)
    sessions = []
    for s in ("Qualifying", "Race"):
        if s not in cfg.sessions:
            continue
        start = C.session_start_local(cfg.year, rnd, s)
        dur = timedelta(hours=2) if s == "Race" else timedelta(hours=1)
        sessions.append({"Key": C.session_key(rnd, s), "Type": C.SESSION_TYPES[s], "Name": s,
                         "StartDate": start.isoformat(), "EndDate": (start + dur).isoformat(),
                         "GmtOffset": f"{gmt:02d}:00:00" if gmt >= 0 else f"-{-gmt:02d}:00:00",
                         "Path": C.session_path(cfg.year, rnd, s)})
    return {"Sessions": sessions, "Key": C.meeting_key(rnd), "Code": f"DEM{rnd:02d}{cfg.year % 100:02d}", "Number": rnd,
            "Location": loc, "OfficialName": f"FORMULA 1 {name.upper()} {cfg.year}", "Name": name,
            "Country": {"Key": 900 + (sum(map(ord, code)) % 100), "Code": code, "Name": country},
            "Circuit": {"Key": 900 + rnd, "ShortName": circuit}}


# zlib level of the demo's `.z` payloads: a race's telemetry deflates in 0.33 s of CPU at 1
# against 0.81 s at 9 (whose payloads are 20 % smaller); inflating either costs the same.
DEFLATE_LEVEL = 1


def _encode_compressed(records: list) -> list[str]:
    """`encode_line(ms, value, compressed=True)` of each record (at `DEFLATE_LEVEL`). zlib
    releases the GIL while it deflates, so two threads share the work."""
    from concurrent.futures import ThreadPoolExecutor

    texts = [orjson.dumps(value).decode("utf-8") for _, value in records]
    chunks = [texts[i:i + 512] for i in range(0, len(texts), 512)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        payloads = [p for chunk in pool.map(lambda part: [deflate(t, DEFLATE_LEVEL) for t in part], chunks) for p in chunk]
    return [f'{format_offset(ms)}"{payload}"' for (ms, _), payload in zip(records, payloads)]


def _write_topic(folder: Path, topic: str, records: list) -> None:
    compressed = topic.endswith(".z")
    if compressed:
        lines = _encode_compressed(records)
        (folder / f"{topic}.jsonStream").write_bytes((BOM + "".join(line + "\r\n" for line in lines)).encode("utf-8"))
        kf = lines[-1][12:] if lines else ""
    else:
        (folder / f"{topic}.jsonStream").write_bytes(encode_jsonstream(records))
        state = None
        for _, value in records:
            state = merge_value(state, value)
        kf = orjson.dumps(state).decode("utf-8")
    (folder / f"{topic}.json").write_bytes((BOM + kf).encode("utf-8"))


def _session_topics(cfg, meeting, session, sim, support, t0, rng, race_laps):
    quali = sim.kind == "Qualifying"
    if quali:
        td, app, stats, hist = build_quali_timing(sim, rng)
        first = list(range(len(sim.drivers)))
    else:
        td, app, stats, hist = build_race_timing(sim, rng)
        apply_penalty_to_timing(sim, td, hist)
        first = sim.grid
    stream_end = sim.end + 420.0
    ss, arch = status_feeds(sim, stream_end)
    topics = {
        "SessionInfo": session_info(meeting, session), "ArchiveStatus": arch, "SessionStatus": ss,
        "TrackStatus": track_status(sim), "ExtrapolatedClock": extrapolated_clock(sim, t0),
        "Heartbeat": heartbeat(t0, stream_end, rng), "DriverList": driver_list(sim.drivers, support, hist, first),
        "TimingData": td, "TimingAppData": app, "TimingStats": stats,
        "RaceControlMessages": race_control(sim, t0, int(session["GmtOffset"].split(":")[0])),
        "WeatherData": weather(stream_end, rng),
    }
    if not quali:
        topics["LapCount"] = lap_count(sim, race_laps)
    out = {k: v.records() for k, v in topics.items()}
    if cfg.telemetry:
        begin = sim.start - (180.0 if not quali else 120.0)
        end = max(float(m[0][-1]) for m in sim.motion) + 30.0
        out["CarData.z"], out["Position.z"] = telemetry_records(sim, t0, begin, end, cfg.sample_hz, rng)
    return out


def _rng(cfg: C.DemoConfig, rnd: int, name: str) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([cfg.seed, rnd, 2 if name == "Race" else 3]))


def _simulate(cfg: C.DemoConfig, drivers, track, rnd: int, name: str):
    """(sim, rng, lead-in) of one session. A race starts from its qualifying's order, so it
    simulates that qualifying first (cheap next to writing the feeds); every session draws
    from its own seeded stream, so a session comes out the same whichever process makes it."""
    grid = sorted(range(len(drivers)), key=lambda c: (drivers[c].pace, c))
    rng = _rng(cfg, rnd, "Qualifying")
    lead = LEAD_IN["Qualifying"] + float(rng.uniform(0, 60))
    sim = simulate_quali(track, drivers, cfg.quali_minutes, rng, lead)
    if name == "Qualifying":
        return sim, rng, lead
    ranked = [c for part in reversed(sim.knocked) for c in part]
    top = [c for c in grid if c not in ranked]
    qbest = {}
    for c in top:
        ms = [lp.ms[0] for lp in sim.laps[c] if lp.push and not lp.deleted and lp.part == 3]
        qbest[c] = min(ms) if ms else 10**9
    grid = sorted(top, key=lambda c: (qbest[c], c)) + ranked
    rng = _rng(cfg, rnd, "Race")
    lead = LEAD_IN["Race"] + float(rng.uniform(0, 60))
    return simulate_race(track, drivers, cfg.race_laps, rng, lead, grid), rng, lead


def _drivers(cfg: C.DemoConfig):
    return make_grid(cfg.drivers, np.random.default_rng(np.random.SeedSequence([cfg.seed, 0])))


def write_session(root: Path, cfg: C.DemoConfig, rnd: int, name: str, report: Report | None = None
                  ) -> C.SessionPaths:
    """Write one session of the demo season under `root` (the same bytes in any process)."""
    step = report or (lambda done, text: None)
    step(0.0, f"round {rnd} {name}: simulating")
    drivers, meeting = _drivers(cfg), _meeting(cfg, rnd)
    track = build_track(np.random.default_rng(np.random.SeedSequence([cfg.seed, rnd, 1])))
    sim, rng, lead = _simulate(cfg, drivers, track, rnd, name)
    session = next(s for s in meeting["Sessions"] if s["Name"] == name)
    start_local = datetime.fromisoformat(session["StartDate"])
    gmt = int(session["GmtOffset"].replace("-", "").split(":")[0]) * (-1 if session["GmtOffset"].startswith("-") else 1)
    t0 = (start_local - timedelta(hours=gmt) - timedelta(seconds=lead)).replace(microsecond=0)
    step(0.1, f"round {rnd} {name}: timing and telemetry feeds")
    records = _session_topics(cfg, meeting, session, sim, support_driver(), t0, rng, cfg.race_laps)
    folder = Path(root) / session["Path"]
    folder.mkdir(parents=True, exist_ok=True)
    for i, topic in enumerate(sorted(records)):
        step(0.5 + 0.5 * i / len(records), f"round {rnd} {name}: writing {topic}")
        _write_topic(folder, topic, records[topic])
    index = {"Feeds": {t: {"KeyFramePath": f"{t}.json", "StreamPath": f"{t}.jsonStream"} for t in sorted(records)}}
    (folder / "Index.json").write_bytes((BOM + orjson.dumps(index).decode()).encode("utf-8"))
    return C.SessionPaths(cfg.year, rnd, meeting["Key"], meeting["Name"], session["Key"], name,
                          session["Path"], folder, tuple(sorted(records)))


def write_demo_archive(root: Path, config: C.DemoConfig = C.DemoConfig(), report: Report | None = None,
                       workers: int | None = None, on_written=None, started: Writers | None = None
                       ) -> list[C.SessionPaths]:
    """Write the demo season under `root`; returns what was written, in order.
    `report(done, text)` (f1nb.progress) hears of each session's steps and files. Sessions are
    written on `workers` processes (default: one per core); the bytes do not depend on it.
    `on_written(session)`, if given, is called in this thread as each session's files are
    complete (the season index is written first), so the caller can load it meanwhile.
    `started`: the worker processes already writing this config's sessions under `root`
    (`demo.tree.writers_started`)."""
    root, cfg = Path(root), config
    report = report or (lambda done, text: None)
    on_written = on_written or (lambda session: None)
    meetings = [_meeting(cfg, rnd) for rnd in range(1, cfg.rounds + 1)]
    season = {"Year": cfg.year, "Meetings": meetings}
    (root / str(cfg.year)).mkdir(parents=True, exist_ok=True)
    (root / str(cfg.year) / "Index.json").write_bytes((BOM + orjson.dumps(season).decode()).encode("utf-8"))
    if started is not None:
        return started.collect(report, on_written)
    jobs = C.session_jobs(cfg)
    workers = min(worker_count(len(jobs)) if workers is None else workers, len(jobs))
    if workers > 1:
        return write_on_workers(root, cfg, jobs, workers, report, on_written)
    written = []
    for i, (rnd, name) in enumerate(jobs):
        written.append(write_session(root, cfg, rnd, name, span(report, i / len(jobs), (i + 1) / len(jobs))))
        on_written(written[-1])
    return written
