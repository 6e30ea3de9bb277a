"""The timing tower as pure state: live patches in, rows out (no widgets here).

`TowerModel.apply(topic, patch)` deep-merges TimingData, TimingAppData,
DriverList, TrackStatus, LapCount, RaceControlMessages, SessionInfo,
SessionStatus and ExtrapolatedClock patches (`_deleted`, lists patched as
index-keyed dicts, `_kf` handled by `merge`). `rows()` gives one dict per
driver in running order.
"""

from __future__ import annotations

import threading
from typing import Any

import orjson

from ..decode.merge import merge_value

TOPICS = ("TimingData", "TimingAppData", "DriverList", "TrackStatus", "LapCount", "RaceControlMessages",
          "SessionInfo", "SessionStatus", "ExtrapolatedClock")
TRACK_STATUS = {"1": "Track clear", "2": "Yellow flag", "3": "Flag", "4": "Safety car", "5": "Red flag",
                "6": "Virtual safety car", "7": "VSC ending"}


def _items(value: Any) -> list:
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return [value[k] for k in sorted((k for k in value if k.isdigit()), key=int)]
    return []


def _val(value: Any) -> str:
    """A timing field's text: `{"Value": x}` or x itself; None -> ""."""
    if isinstance(value, dict):
        value = value.get("Value")
    return "" if value is None else str(value)


def sector_colour(sector: Any) -> str:
    """purple (overall fastest), green (personal best), yellow (set), "" (none yet)."""
    if not isinstance(sector, dict) or not _val(sector):
        return ""
    if sector.get("OverallFastest"):
        return "purple"
    if sector.get("PersonalFastest"):
        return "green"
    return "yellow"


def _int(value: Any) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


class TowerModel:
    def __init__(self):
        self.state: dict[str, Any] = {}
        self.lock = threading.Lock()
        self.version = 0  # bumps on every applied patch

    def apply(self, topic: str, patch: Any) -> None:
        if topic not in TOPICS:
            return
        if isinstance(patch, str):
            try:
                patch = orjson.loads(patch)
            except orjson.JSONDecodeError:
                return
        with self.lock:
            self.state[topic] = merge_value(self.state.get(topic), patch)
            self.version += 1

    def apply_message(self, msg) -> None:
        """A `decode.messages.Message` (payload = JSON text)."""
        if getattr(msg, "payload", None) is not None and msg.topic in TOPICS:
            self.apply(msg.topic, msg.payload)

    # -- views --------------------------------------------------------------------
    def _lines(self, topic: str) -> dict:
        lines = (self.state.get(topic) or {}).get("Lines") if isinstance(self.state.get(topic), dict) else None
        return lines if isinstance(lines, dict) else {}

    def rows(self) -> list[dict]:
        with self.lock:
            timing, app = self._lines("TimingData"), self._lines("TimingAppData")
            drivers = self.state.get("DriverList") if isinstance(self.state.get("DriverList"), dict) else {}
            race = self.is_race()
            out = []
            for number, line in timing.items():
                if not isinstance(line, dict):
                    continue
                drv = drivers.get(number) if isinstance(drivers.get(number), dict) else {}
                stints = _items((app.get(number) or {}).get("Stints") if isinstance(app.get(number), dict) else None)
                stint = stints[-1] if stints and isinstance(stints[-1], dict) else {}
                sectors = _items(line.get("Sectors"))
                if race:
                    gap, interval = _val(line.get("GapToLeader")), _val(line.get("IntervalToPositionAhead"))
                else:
                    gap, interval = _val(line.get("TimeDiffToFastest")), _val(line.get("TimeDiffToPositionAhead"))
                out.append({
                    "position": _int(line.get("Position") or drv.get("Line")),
                    "number": number,
                    "driver": drv.get("Tla") or drv.get("BroadcastName") or number,
                    "team": drv.get("TeamName") or "",
                    "team_colour": f"#{drv.get('TeamColour')}" if drv.get("TeamColour") else "#888888",
                    "gap": gap,
                    "interval": interval,
                    "laps": _int(line.get("NumberOfLaps")),
                    "last_lap": _val(line.get("LastLapTime")),
                    "best_lap": _val(line.get("BestLapTime")),
                    "last_lap_colour": sector_colour(line.get("LastLapTime")),
                    "sectors": [_val(s) for s in sectors[:3]],
                    "sector_colours": [sector_colour(s) for s in sectors[:3]],
                    "compound": str(stint.get("Compound") or ""),
                    "tyre_age": _int(stint.get("TotalLaps")),
                    "tyre_new": str(stint.get("New")) == "true" if "New" in stint else None,
                    "in_pit": bool(line.get("InPit")),
                    "pit_out": bool(line.get("PitOut")),
                    "retired": bool(line.get("Retired")),
                    "stopped": bool(line.get("Stopped")),
                    "knocked_out": bool(line.get("KnockedOut")),
                })
            out.sort(key=lambda r: (r["position"] is None, r["position"] or 0, r["number"]))
            return out

    def is_race(self) -> bool:
        info = self.state.get("SessionInfo")
        kind = str(info.get("Type", "")) if isinstance(info, dict) else ""
        return kind in ("Race", "Sprint") or "LapCount" in self.state

    def track_status(self) -> dict:
        ts = self.state.get("TrackStatus") if isinstance(self.state.get("TrackStatus"), dict) else {}
        code = str(ts.get("Status") or "")
        return {"status": code, "message": ts.get("Message") or TRACK_STATUS.get(code, ""),
                "label": TRACK_STATUS.get(code, ts.get("Message") or "")}

    def lap_count(self) -> tuple[int | None, int | None]:
        lc = self.state.get("LapCount") if isinstance(self.state.get("LapCount"), dict) else {}
        return _int(lc.get("CurrentLap")), _int(lc.get("TotalLaps"))

    def race_control(self, last: int = 5) -> list[dict]:
        rc = self.state.get("RaceControlMessages")
        msgs = _items(rc.get("Messages")) if isinstance(rc, dict) else []
        return [m for m in msgs if isinstance(m, dict)][-last:]

    def session_label(self) -> str:
        info = self.state.get("SessionInfo") if isinstance(self.state.get("SessionInfo"), dict) else {}
        meeting = info.get("Meeting") if isinstance(info.get("Meeting"), dict) else {}
        status = (self.state.get("SessionStatus") or {}).get("Status", "") if isinstance(
            self.state.get("SessionStatus"), dict) else ""
        parts = [meeting.get("Name"), info.get("Name"), status]
        return " — ".join(str(p) for p in parts if p)
