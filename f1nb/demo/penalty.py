"""The demo race's time penalty: one car, announced in race control's exact
wording, not served in the pit lane (it comes after the car's last stop), so
it is added after the flag, and the feed's final `Position` (and DriverList
`Line`) shows the order with it, as F1's timing does.

Which car: the 4th finisher (the last one on the lead lap if fewer finish);
5 s if the next car on the same lap crossed within 5 s, else 10 s. It is a
pure function of the simulated race (no random draws), so the rest of the
demo's bytes do not depend on it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .fmt import Events
from .simulate import Sim

REASON = "CAUSING A COLLISION"


@dataclass(frozen=True)
class Penalty:
    car: int  # index into sim.drivers
    other: int  # the car it collided with (the next finisher)
    seconds: int
    announce: float  # stream-clock time of the race-control message
    lap: int  # the race lap the message is announced on
    order: list[int]  # finishing order with the penalty applied


def _finishers(sim: Sim) -> list[int]:
    """Cars that took the flag, in crossing order (most laps, earliest last crossing)."""
    out = sim.dnf[0] if sim.dnf is not None else None
    done = [c for c in range(len(sim.drivers)) if sim.laps[c] and c != out]
    return sorted(done, key=lambda c: (-sim.laps[c][-1].number, sim.laps[c][-1].end, c))


def race_penalty(sim: Sim) -> Penalty | None:
    if sim.kind != "Race":
        return None
    order = _finishers(sim)
    laps = {c: sim.laps[c][-1].number for c in order}
    lead = [c for c in order if laps[c] == laps[order[0]]]
    if len(lead) < 3:
        return None
    i = min(3, len(lead) - 2)
    car, other = lead[i], lead[i + 1]
    seconds = 5 if sim.laps[other][-1].end - sim.laps[car][-1].end < 5.0 else 10
    last_stop = max((lp.pit_out for lp in sim.laps[car] if lp.pit_out is not None), default=sim.start)
    after = max(last_stop + 30.0, sim.start + 0.6 * (sim.flag - sim.start))
    lap = next((lp for lp in sim.laps[car] if lp.end > after), sim.laps[car][-1])
    if lap.end + 25.0 >= sim.flag:
        return None
    end = {c: sim.laps[c][-1].end + (seconds if c == car else 0.0) for c in order}
    final = sorted(order, key=lambda c: (-laps[c], end[c], c))
    return Penalty(car, other, seconds, lap.end + 25.0, lap.number + 1, final)


def penalty_messages(sim: Sim) -> list[tuple[float, dict]]:
    """The investigation and the decision, as race-control items (time, message)."""
    pen = race_penalty(sim)
    if pen is None:
        return []
    a, b = sim.drivers[pen.car], sim.drivers[pen.other]
    turn = sim.track.turn_near(sim.track.length * 0.3)
    return [
        (pen.announce - 95.0, {"Lap": pen.lap - 1, "Category": "Other", "Message":
                               f"FIA STEWARDS: TURN {turn} INCIDENT INVOLVING CARS {a.number} ({a.tla}) AND "
                               f"{b.number} ({b.tla}) UNDER INVESTIGATION - {REASON}"}),
        (pen.announce, {"Lap": pen.lap, "Category": "Other", "Message":
                        f"FIA STEWARDS: {pen.seconds} SECOND TIME PENALTY FOR CAR {a.number} ({a.tla}) - {REASON}"}),
    ]


def apply_penalty_to_timing(sim: Sim, td: Events, history: list) -> None:
    """After the last car is home, TimingData's Position/Line take the penalty
    into account; the order goes into `history` too (DriverList Line follows it)."""
    pen = race_penalty(sim)
    if pen is None or not history:
        return
    t_last, order = history[-1]
    rest = [c for c in order if c not in pen.order]  # retired cars stay where they were, behind
    final = pen.order + rest
    t = t_last + 30.0
    patch = {sim.drivers[c].rn: {"Line": i + 1, "Position": str(i + 1)}
             for i, c in enumerate(final) if order.index(c) != i}
    if patch:
        td.add(t, {"Lines": patch})
        history.append((t, final))
