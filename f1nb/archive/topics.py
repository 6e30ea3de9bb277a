"""The archive's feed names (file stems), and which of them later layers need.

A session's feeds come from its own `Index.json` where the archive has one;
this list is the fallback when it does not (each topic is then requested as
`Topic.jsonStream`, and the ones that 404 are recorded as absent). Topics not
listed here still load: Bronze keeps unknown topics raw.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TopicInfo:
    name: str  # file stem, e.g. "CarData.z"
    core: bool  # needed by Silver/Gold
    description: str

    @property
    def stream_file(self) -> str:
        return f"{self.name}.jsonStream"

    @property
    def keyframe_file(self) -> str:
        return f"{self.name}.json"

    @property
    def compressed(self) -> bool:
        return self.name.endswith(".z")


_T = TopicInfo
TOPICS: dict[str, TopicInfo] = {
    t.name: t
    for t in (
        # --- core: read by Silver / Gold ---
        _T("SessionInfo", True, "meeting, session, path, start date, GMT offset"),
        _T("SessionStatus", True, "Inactive / Started / Aborted / Finished / Finalised / Ends"),
        _T("SessionData", True, "session status and qualifying part changes, with Utc"),
        _T("TrackStatus", True, "track status code (1 clear, 2 yellow, 4 SC, 5 red, 6 VSC, 7 VSC ending)"),
        _T("LapCount", True, "race lap counter: CurrentLap / TotalLaps"),
        _T("Heartbeat", True, "Utc heartbeat (time anchor)"),
        _T("ExtrapolatedClock", True, "remaining session time"),
        _T("DriverList", True, "drivers: names, TLA, team, colour, line"),
        _T("TimingData", True, "positions, gaps, laps, sectors, segments, speed traps, pit flags"),
        _T("TimingAppData", True, "stints, compounds, tyre age, grid position"),
        _T("TimingStats", True, "personal bests per sector / speed trap"),
        _T("RaceControlMessages", True, "race control messages: flags, penalties, deleted laps"),
        _T("WeatherData", True, "weather sample every minute"),
        _T("CarData.z", True, "car telemetry (deflated): RPM, speed, gear, throttle, brake, DRS"),
        _T("Position.z", True, "car positions (deflated): X/Y/Z, on/off track"),
        _T("PitLaneTimeCollection", True, "pit lane times per driver"),
        _T("PitStopSeries", True, "pit stops per driver"),
        _T("PitStop", True, "latest pit stop"),
        _T("TyreStintSeries", True, "tyre stints per driver"),
        _T("LapSeries", True, "position per lap per driver"),
        # --- non-core: kept in Bronze raw ---
        _T("ArchiveStatus", False, "archive generation status"),
        _T("TopThree", False, "top-three banner"),
        _T("DriverRaceInfo", False, "race info per driver: position, gap, overtakes, pit stops"),
        _T("CurrentTyres", False, "current tyre per driver"),
        _T("TeamRadio", False, "team radio clip paths"),
        _T("ChampionshipPrediction", False, "projected championship standings"),
        _T("ContentStreams", False, "commentary / content stream links"),
        _T("AudioStreams", False, "audio stream links"),
        _T("TlaRcm", False, "race control ticker text"),
        _T("DriverTracker", False, "driver tracker overlay"),
        _T("OvertakeSeries", False, "overtakes per driver"),
        _T("DriverScore", False, "driver score graphic"),
        _T("SPFeed", False, "legacy SP feed"),
        _T("TimingDataF1", False, "legacy timing data (F1 app)"),
    )
}

KNOWN_TOPICS: tuple[str, ...] = tuple(TOPICS)
CORE_TOPICS: frozenset[str] = frozenset(name for name, t in TOPICS.items() if t.core)


def stream_file(topic: str) -> str:
    """`Topic` -> `Topic.jsonStream` (the fallback when a session has no Index.json)."""
    return f"{topic}.jsonStream"


def is_core(topic: str) -> bool:
    return topic in CORE_TOPICS
