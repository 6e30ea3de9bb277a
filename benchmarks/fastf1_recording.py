"""FastF1 on f1nb's input files, offline: an archive session folder -> FastF1's live-recording format,
and an offline `fastf1.core.Session` to load it into. Shared by the FastF1 benchmarks.

    from fastf1_recording import write_recording, offline_fastf1, fastf1_session
    meta = write_recording(folder, "rec.txt")          # one ["Topic", payload, "UTC"] JSON array a line
    fastf1 = offline_fastf1(cache_dir)                 # no network: sockets and DNS raise, HTTP cache offline
    s = fastf1_session(meta)                           # Event built from SessionInfo, no schedule request
    s.load(livedata=fastf1.livetiming.data.LiveTimingData("rec.txt"), laps=True, telemetry=False)

The recording: the UTC of each record is t0 + its archive offset, with t0 taken from the first CarData.z
entry (its `Utc` minus its offset) when there is car data, else SessionInfo's StartDate minus GmtOffset
minus the offset of the first "Started" session status. A first synthetic `SessionData` line carries a
"Started" status at t0, which is where FastF1's reader takes its session start from, so FastF1's
SessionTime of every record equals the archive offset (as when FastF1 reads the archive itself).
Payloads are spliced as text (no re-encoding); FastF1's reader replaces `'` with `"` and `True`/`False`
with `true`/`false` before `json.loads`, so those characters (only possible inside JSON strings) are
written as `\\u0027`, `\\u0054rue`, `\\u0046alse`. `.z` topics keep F1's base64 string payloads.
"""

from __future__ import annotations

import base64
import datetime as dt
import heapq
import json
import zlib
from pathlib import Path


def _offset_ms(s: str) -> int | None:
    try:
        h, m, rest = s.split(":")
        sec, ms = rest.split(".")
        return ((int(h) * 60 + int(m)) * 60 + int(sec)) * 1000 + int(ms)
    except ValueError:
        return None


def _lines(path: Path):
    """(offset_ms, payload text) of one .jsonStream, in file order."""
    text = path.read_text(encoding="utf-8-sig")
    for line in text.splitlines():
        line = line.lstrip("\ufeff").strip()
        if len(line) < 13:
            continue
        off = _offset_ms(line[:12])
        if off is not None:
            yield off, line[12:]


def _tagged(topic: str, path: Path):
    for off, body in _lines(path):
        yield off, topic, body


def _first_json(path: Path):
    for _, body in _lines(path):
        return json.loads(body)
    return None


def _parse_gmt(s: str) -> dt.timedelta:
    sign = -1 if s.startswith("-") else 1
    h, m, sec = (int(x) for x in s.lstrip("+-").split(":"))
    return sign * dt.timedelta(hours=h, minutes=m, seconds=sec)


def _utc(s: str) -> dt.datetime:
    s = s.rstrip("Z")
    if "." in s:
        head, frac = s.split(".")
        s = f"{head}.{frac[:6]}"
    return dt.datetime.fromisoformat(s)


def _t0(folder: Path, info: dict) -> dt.datetime:
    car = folder / "CarData.z.jsonStream"
    if car.exists():
        for off, body in _lines(car):
            raw = zlib.decompress(base64.b64decode(json.loads(body)), -zlib.MAX_WBITS)
            return _utc(json.loads(raw)["Entries"][0]["Utc"]) - dt.timedelta(milliseconds=off)
    start_local = dt.datetime.fromisoformat(info["StartDate"])
    start_utc = start_local - _parse_gmt(info.get("GmtOffset") or "00:00:00")
    started = 0
    status = folder / "SessionStatus.jsonStream"
    if status.exists():
        for off, body in _lines(status):
            if '"Started"' in body:
                started = off
                break
    return start_utc - dt.timedelta(milliseconds=started)


def _iso(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _escape(body: str) -> str:
    return body.replace("'", "\\u0027").replace("True", "\\u0054rue").replace("False", "\\u0046alse")


def write_recording(folder: str | Path, out: str | Path) -> dict:
    """Write `folder`'s *.jsonStream files as one FastF1 live recording at `out`. Returns the session
    metadata (SessionInfo, t0, lines written) for `fastf1_session`."""
    folder = Path(folder)
    info = _first_json(folder / "SessionInfo.jsonStream") or {}
    t0 = _t0(folder, info)
    streams = []
    for path in sorted(folder.glob("*.jsonStream")):
        topic = path.name[: -len(".jsonStream")]
        streams.append(_tagged(topic, path))
    n = 0
    with open(out, "w", encoding="utf-8") as f:
        series = {"StatusSeries": [{"Utc": _iso(t0), "SessionStatus": "Started"}]}
        f.write(json.dumps(["SessionData", series, _iso(t0)]) + "\n")
        for off, topic, body in heapq.merge(*streams, key=lambda r: r[0]):
            f.write(f'["{topic}",{_escape(body)},"{_iso(t0 + dt.timedelta(milliseconds=off))}"]\n')
            n += 1
    return {"info": info, "t0": _iso(t0), "lines": n, "bytes": Path(out).stat().st_size}


def block_network() -> None:
    """Every socket connect and DNS lookup in this process fails at once."""
    import socket

    def refuse(*_a, **_k):
        raise OSError("network disabled by the f1nb benchmark")

    socket.socket.connect = refuse
    socket.socket.connect_ex = refuse
    socket.getaddrinfo = refuse
    socket.create_connection = refuse


def offline_fastf1(cache_dir: str | Path, quiet: bool = True):
    """Import FastF1 with its cache at `cache_dir`, offline mode on and the network blocked."""
    block_network()
    import fastf1
    import fastf1.livetiming.data  # noqa: F401

    if quiet:
        fastf1.set_log_level("ERROR")
    Path(cache_dir).mkdir(parents=True, exist_ok=True)
    fastf1.Cache.configure(cache_dir=str(cache_dir))
    fastf1.Cache.offline_mode(True)
    return fastf1


def fastf1_session(meta: dict):
    """A `fastf1.core.Session` for the recorded session, with its Event built from SessionInfo."""
    import pandas as pd
    from fastf1.core import Session
    from fastf1.events import Event

    info = meta["info"]
    local = pd.Timestamp(info["StartDate"])
    offset = _parse_gmt(info.get("GmtOffset") or "00:00:00")
    utc = local - pd.Timedelta(offset)
    tz = dt.timezone(offset)
    year = int(local.year)
    meeting = info.get("Meeting") or {}
    name = info.get("Name") or "Race"
    row = {
        "RoundNumber": 1, "Country": (meeting.get("Country") or {}).get("Name", ""),
        "Location": meeting.get("Location", ""), "OfficialEventName": meeting.get("OfficialName", meeting.get("Name", "")),
        "EventDate": local.normalize(), "EventName": meeting.get("Name", ""), "EventFormat": "conventional",
        "Session1": name, "Session1Date": local.tz_localize(tz), "Session1DateUtc": utc,
        "F1ApiSupport": True,
    }
    for i in range(2, 6):
        row.update({f"Session{i}": "", f"Session{i}Date": pd.NaT, f"Session{i}DateUtc": pd.NaT})
    event = Event(row, year=year)
    return Session(event, name, f1_api_support=True)
