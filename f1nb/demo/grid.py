"""The fictional field: 10 teams, 2 drivers each, plus one support-race driver."""

from __future__ import annotations

from dataclasses import dataclass

TEAMS = [  # name, colour (hex without #, as F1 sends it), base pace offset in seconds
    ("Aurora Racing", "3671C6", 0.00),
    ("Vireo Motorsport", "27F4D2", 0.12),
    ("Scuderia Ferro", "E8002D", 0.20),
    ("Papaya Works", "FF8000", 0.28),
    ("Verdant GP", "229971", 0.55),
    ("Azure Alpine", "0093CC", 0.75),
    ("Blackwood F1", "64C4FF", 0.90),
    ("Comet Racing", "6692FF", 1.00),
    ("Kite Sauber", "52E252", 1.15),
    ("Haywire F1 Team", "B6BABD", 1.30),
]

DRIVERS = [  # number, first, last, TLA, country code
    (1, "Alex", "Stormfield", "STO", "DMO"), (11, "Bruno", "Calder", "CAL", "AUR"),
    (4, "Carla", "Winters", "WIN", "BOR"), (63, "Dario", "Lindqvist", "LIN", "SKA"),
    (16, "Elena", "Marchetti", "MAR", "FER"), (55, "Felix", "Ortega", "ORT", "SOL"),
    (81, "Greta", "Holm", "HOL", "SKA"), (44, "Hugo", "Abernathy", "ABE", "WMR"),
    (14, "Ivan", "Petrov", "PET", "ALT"), (18, "Jonas", "Keller", "KEL", "LAC"),
    (10, "Kai", "Nakamura", "NAK", "SER"), (31, "Lena", "Dubois", "DUB", "AUR"),
    (23, "Marco", "Rossetti", "ROS", "FER"), (2, "Nina", "Okafor", "OKA", "MAR"),
    (22, "Oscar", "Valen", "VAL", "ZEP"), (3, "Pia", "Sorensen", "SOR", "BOR"),
    (77, "Quentin", "Moreau", "MOR", "CRE"), (24, "Rhea", "Tanaka", "TAN", "SER"),
    (20, "Sven", "Halvorsen", "HAV", "SKA"), (27, "Tariq", "Haddad", "HAD", "ADS"),
]
SUPPORT_DRIVER = (98, "Yuri", "Reserve", "RES", "DMO")


@dataclass(frozen=True)
class Driver:
    number: int
    first: str
    last: str
    tla: str
    country: str
    team: str
    colour: str
    pace: float  # seconds slower than the ideal lap (before noise)

    @property
    def rn(self) -> str:
        return str(self.number)

    def driver_list_entry(self, line: int) -> dict:
        ref = (self.first[:3] + self.last[:3]).upper() + "01"
        return {"RacingNumber": self.rn, "BroadcastName": f"{self.first[0]} {self.last.upper()}",
                "FullName": f"{self.first} {self.last.upper()}", "Tla": self.tla, "Line": line,
                "TeamName": self.team, "TeamColour": self.colour, "FirstName": self.first,
                "LastName": self.last, "Reference": ref, "CountryCode": self.country}


def make_grid(n: int, rng) -> list[Driver]:
    """n drivers (2 per team, in team order), each with a seeded pace; the last one is a backmarker."""
    n = max(2, min(n, len(DRIVERS)))
    out = []
    noise = rng.normal(0.0, 0.15, len(DRIVERS))
    for i in range(n):
        num, first, last, tla, cc = DRIVERS[i]
        team, colour, base = TEAMS[i // 2]
        pace = base + float(noise[i]) + (2.0 if i == n - 1 else 0.0)
        out.append(Driver(num, first, last, tla, cc, team, colour, round(pace, 3)))
    return out


def support_driver() -> Driver:
    num, first, last, tla, cc = SUPPORT_DRIVER
    return Driver(num, first, last, tla, cc, "F2 Demo Junior", "FFFFFF", 9.0)
