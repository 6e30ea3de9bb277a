"""Demo configuration, naming of the fictional season, and what the writer returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

DEMO_YEAR = 2099
SESSION_TYPES = {"Qualifying": "Qualifying", "Race": "Race"}


@dataclass(frozen=True)
class DemoConfig:
    seed: int = 2024
    year: int = DEMO_YEAR
    rounds: int = 1
    drivers: int = 20
    race_laps: int = 57
    sample_hz: float = 4.0
    telemetry: bool = True
    sessions: tuple[str, ...] = ("Qualifying", "Race")
    quali_minutes: tuple[float, float, float] = (18.0, 15.0, 12.0)


@dataclass(frozen=True)
class SessionPaths:
    """One written session: its keys, archive path (relative to root) and folder."""

    year: int
    round: int
    meeting_key: int
    meeting_name: str
    session_key: int
    session_name: str
    path: str  # "2099/2099-03-08_F1nb_Demo_Grand_Prix/2099-03-08_Race/"
    directory: object  # pathlib.Path of the session folder
    topics: tuple[str, ...] = field(default=())


# Fictional places: (meeting name, location, country name, country code, circuit short name, gmt offset h)
PLACES = [
    ("f1nb Demo Grand Prix", "Demoville", "Demoland", "DMO", "Demoville Ring", 2),
    ("Aurelia Grand Prix", "Port Aurel", "Aurelia", "AUR", "Port Aurel", 1),
    ("Borealis Grand Prix", "Nordhavn", "Borealis", "BOR", "Nordhavn Park", 0),
    ("Cobalt Coast Grand Prix", "Cobalt Bay", "Cobaltia", "COB", "Cobalt Bay", 3),
    ("Dunmere Grand Prix", "Dunmere", "Westmarch", "WMR", "Dunmere", 0),
    ("Emberfall Grand Prix", "Emberfall", "Calderon", "CAL", "Emberfall Circuit", 4),
    ("Fjordsend Grand Prix", "Fjordsend", "Skarland", "SKA", "Fjordsend", 1),
    ("Glasswater Grand Prix", "Glasswater", "Lacustria", "LAC", "Glasswater", -5),
    ("Highmoor Grand Prix", "Highmoor", "Westmarch", "WMR", "Highmoor Raceway", 0),
    ("Ironvale Grand Prix", "Ironvale", "Ferrum", "FER", "Ironvale", 2),
    ("Jadeport Grand Prix", "Jadeport", "Serica", "SER", "Jadeport Street Circuit", 8),
    ("Kestrel Ridge Grand Prix", "Kestrel Ridge", "Aquilon", "AQU", "Kestrel Ridge", -6),
    ("Lumen Grand Prix", "Lumen City", "Solaria", "SOL", "Lumen City", 3),
    ("Marrowind Grand Prix", "Marrowind", "Zephyria", "ZEP", "Marrowind", -3),
    ("Nimbus Grand Prix", "Nimbus Heights", "Altavia", "ALT", "Nimbus Heights", 5),
    ("Oakhollow Grand Prix", "Oakhollow", "Sylvania Nova", "SYN", "Oakhollow", 1),
    ("Pyrite Sands Grand Prix", "Pyrite Sands", "Auric Desert", "ADS", "Pyrite Sands", 4),
    ("Quartzmouth Grand Prix", "Quartzmouth", "Lithos", "LIT", "Quartzmouth", -4),
    ("Riverlight Grand Prix", "Riverlight", "Fluvia", "FLU", "Riverlight", 2),
    ("Saltmarsh Grand Prix", "Saltmarsh", "Halite", "HAL", "Saltmarsh Circuit", -3),
    ("Tidewell Grand Prix", "Tidewell", "Maritima", "MAR", "Tidewell", 10),
    ("Umberlake Grand Prix", "Umberlake", "Lacustria", "LAC", "Umberlake", -5),
    ("Vesper Grand Prix", "Vesper", "Crepuscula", "CRE", "Vesper Night Circuit", 3),
    ("Windhollow Grand Prix", "Windhollow", "Aeolia", "AEO", "Windhollow", 9),
]


def session_jobs(cfg: DemoConfig) -> list[tuple[int, str]]:
    """The season's sessions as (round, name), in the order they are written and loaded."""
    return [(rnd, name) for rnd in range(1, cfg.rounds + 1) for name in SESSION_TYPES if name in cfg.sessions]


def place(round_: int) -> tuple:
    base = PLACES[(round_ - 1) % len(PLACES)]
    extra = (round_ - 1) // len(PLACES)
    if extra:
        return (base[0].replace("Grand Prix", f"Grand Prix {extra + 1}"),) + base[1:]
    return base


def meeting_key(round_: int) -> int:
    return 9000 + round_


def session_key(round_: int, session: str) -> int:
    order = ("Qualifying", "Race")
    return 90000 + round_ * 10 + (order.index(session) if session in order else 9)


def race_day(year: int, round_: int) -> date:
    """Round 1 on the first Sunday of March, then a race every 14 days (24 rounds fit in a season)."""
    d = date(year, 3, 1)
    d += timedelta(days=(6 - d.weekday()) % 7)
    return d + timedelta(days=14 * (round_ - 1) if round_ <= 20 else 7 * (round_ + 19))


def session_start_local(year: int, round_: int, session: str) -> datetime:
    day = race_day(year, round_)
    if session == "Race":
        return datetime(day.year, day.month, day.day, 15, 0)
    sat = day - timedelta(days=1)
    return datetime(sat.year, sat.month, sat.day, 16, 0)


def meeting_folder(year: int, round_: int) -> str:
    name = place(round_)[0].replace(" ", "_")
    return f"{year}/{race_day(year, round_).isoformat()}_{name}/"


def session_path(year: int, round_: int, session: str) -> str:
    start = session_start_local(year, round_, session)
    return f"{meeting_folder(year, round_)}{start.date().isoformat()}_{session.replace(' ', '_')}/"


def demo_session_refs(config: DemoConfig, round: int = 1) -> list:  # noqa: A002
    """The `SessionRef`s of one demo round, as the season index describes them (for name lookup)."""
    from ..session_ref import SessionRef

    name, location, country, _, circuit, gmt = place(round)
    return [SessionRef(year=config.year, round=round, meeting_key=meeting_key(round), meeting_name=name,
                       meeting_official_name=None, location=location, country=country, circuit=circuit,
                       session_key=session_key(round, s), session_name=s, session_type=SESSION_TYPES.get(s, s),
                       session_number=None, start_date=None, end_date=None, gmt_offset=None,
                       path=session_path(config.year, round, s))
            for s in config.sessions]


def demo_session_path(config: DemoConfig = DemoConfig(), round: int = 1, session: str = "Race") -> str:  # noqa: A002
    """Archive path (relative to the tree root, with trailing '/') of one demo session."""
    if session not in config.sessions:
        raise ValueError(f"the demo config has no {session!r} session (it has {', '.join(config.sessions)})")
    if not 1 <= round <= config.rounds:
        raise ValueError(f"round {round} is outside the demo season (1..{config.rounds})")
    return session_path(config.year, round, session)
