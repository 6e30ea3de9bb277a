"""`gold.penalties`: every stewards' decision race control announces, one row per car named.

Key: (session_key, message_index, driver_number); `message_index` and `seq`
point at the row of `silver.race_control_messages` the decision came from
(its `utc` is there: Gold models read no timestamps, which SQLite keeps as text).
Decisions arrive only as text (the `FIA STEWARDS: ` prefix appears from 2023
on; real messages carry no RacingNumber), e.g.

    10 SECOND TIME PENALTY FOR CAR 9 (ERI) - CAUSING A COLLISION
    FIA STEWARDS: DRIVE THROUGH PENALTY FOR CAR 1 (VER) - SPEEDING IN THE PIT LANE
    FIA STEWARDS: 10 SECOND STOP/GO PENALTY FOR CAR 2 (SAR)   (also STOP-AND-GO, STOP AND GO)
    FIA STEWARDS: 3 PLACE GRID PENALTY FOR CAR 16 (LEC) - ...  (for a later session)
    FIA STEWARDS: PENALTY SERVED - 5 SECOND TIME PENALTY FOR CAR 55 (SAI) - ...
    TURN 2 INCIDENT INVOLVING CARS 14 (ALO),27 (HUL)  AND 35 (SIR) NOTED - NO INVESTIGATION NECESSARY
    INCIDENT INVOLVING CARS 11 (PER), 18 (STR) AND 20 (MAG) WILL BE INVESTIGATED AFTER THE RACE - ...
    FIA STEWARDS: SQ1 INCIDENT INVOLVING CARS 55 (SAI), 18 (STR) ... NO FURTHER ACTION - ...
    FIA STEWARDS: TURN 1 INCIDENT INVOLVING CARS 4 (NOR) AND 81 (PIA) REVIEWED NO FURTHER INVESTIGATION

`kind` is the first that matches, most specific first (a served message also
says TIME PENALTY; a "NOTED - NO INVESTIGATION NECESSARY" also says
INVESTIGATION): served, disqualified, no_further_action, stop_go,
drive_through, grid, time, reprimand, warning, investigation, noted. Other
messages are not decisions and have no row, nor has a decision that names no
car ("THE LAST LAP OF QUALIFYING IS UNDER INVESTIGATION").

A car is named as `n (TLA)` or `CAR n`/`CARS n`; each car of
`silver.drivers` named in the text (or in RacingNumber) gets a row.
`seconds`: of a time or stop/go penalty (and of the penalty a 'served' message names); `grid_places`: of a grid penalty.
`served` (time, drive_through, stop_go only): 'pit_stop' where the car
entered the pit lane after the message and left it again (a time penalty is served at the next
stop, the car held) or a later "PENALTY SERVED" names it with the same seconds, else 'after_flag'
(a time penalty is then added to the race time: see `results_race`).
Everything is plain string functions plus two regex extracts, which every
backend runs.
"""

from __future__ import annotations

import ibis

from ..modeling import checks
from ..modeling.model import model

KEY = ["session_key", "message_index", "driver_number"]
KINDS = ["served", "disqualified", "no_further_action", "stop_go", "drive_through", "grid", "time",
         "reprimand", "warning", "investigation", "noted"]
SERVED_AT = ["pit_stop", "after_flag"]
_SERVABLE = ["time", "drive_through", "stop_go"]


def decision_kind(text):
    """The kind of stewards' decision an upper-case message states, or null."""
    has = text.contains
    stop_go = has("STOP/GO") | has("STOP-GO") | has("STOP AND GO") | has("STOP-AND-GO")
    return ibis.cases(
        (has("PENALTY SERVED"), "served"),
        (has("DISQUALIFIED") & ~has("NOT DISQUALIFIED"), "disqualified"),
        (has("NO FURTHER ACTION") | has("NO FURTHER INVESTIGATION"), "no_further_action"),
        (stop_go & has("PENALTY"), "stop_go"),
        ((has("DRIVE THROUGH") | has("DRIVE-THROUGH")) & has("PENALTY"), "drive_through"),
        (has("GRID") & has("PENALTY") & (has("PLACE") | has("POSITION")), "grid"),
        (has("TIME PENALTY"), "time"),
        (has("REPRIMAND"), "reprimand"),
        (has("WARNING FOR CAR"), "warning"),
        (has("UNDER INVESTIGATION") | has("WILL BE INVESTIGATED"), "investigation"),
        (has(" NOTED"), "noted"),
        else_=ibis.null("string"),
    )


def _number(text, pattern: str, dtype: str):
    """The first group of `pattern` as a number, null where it does not match (some
    engines give '' for no match, others null)."""
    s = text.re_extract(pattern, 1)
    return ibis.ifelse(s == "", ibis.null("string"), s).cast(dtype)


def _names(padded, number):
    """`padded` (upper case, commas as spaces, a space at each end) names car `number`."""
    n = number.cast("string")
    return (padded.contains(" " + n + " (") | padded.contains(" CAR " + n + " ")
            | padded.contains(" CARS " + n + " "))


@model(
    "gold.penalties",
    inputs=["silver.race_control_messages", "silver.drivers", "silver.pit_stops"],
    schema={"session_key": "int64", "message_index": "int32", "seq": "int64", "driver_number": "int32",
            "abbreviation": "string", "lap_number": "int32", "session_time_s": "float64",
            "kind": "string", "seconds": "float64", "grid_places": "int32",
            "served": "string", "reason": "string", "message": "string"},
    checks=[checks.unique(*KEY), checks.not_null(*KEY, "seq", "kind", "message"),
            checks.accepted_values("kind", KINDS), checks.accepted_values("served", SERVED_AT),
            checks.in_range("seconds", 1, 120), checks.in_range("grid_places", 1, 30),
            checks.expression("served only for time, drive-through and stop/go penalties",
                              lambda t: t.served.notnull() != t.kind.isin(_SERVABLE))],
)
def penalties(race_control_messages, drivers, pit_stops):
    """One row per car named in each stewards' decision."""
    rcm = race_control_messages
    text = rcm.message.upper().strip()
    m = rcm.select("session_key", "message_index", "seq", "session_time_s", "message", "lap_number",
                   racing_number=rcm.driver_number, text=text, kind=decision_kind(text))
    m = m.filter(m.kind.notnull())
    d = drivers.select("session_key", "driver_number", "abbreviation")
    padded = " " + m.text.replace(",", " ") + " "
    j = m.join(d, [m.session_key == d.session_key,
                   (m.racing_number == d.driver_number).fill_null(False) | _names(padded, d.driver_number)])
    t = j.select(m.session_key, "message_index", "seq", d.driver_number, "abbreviation", "lap_number",
                 "session_time_s", "kind", "message", "text")
    t = t.mutate(
        seconds=ibis.ifelse(t.kind.isin(["time", "stop_go", "served"]),
                            _number(t.text, r"([0-9]+) SECONDS? (?:TIME|STOP)", "float64"), None),
        grid_places=ibis.ifelse(t.kind == "grid", _number(t.text, r"([0-9]+) (?:PLACE|POSITION)", "int32"), None),
        reason=_reason(t.text),
    )
    return _with_served(t, pit_stops).drop("text")


def _reason(text):
    """What the decision was for: the text after the first ' - ' once the prefixes are gone."""
    body = text.replace("FIA STEWARDS: ", "").replace("PENALTY SERVED - ", "")
    r = body.re_extract(r"^.*? - (.+)$", 1).strip()
    return ibis.ifelse(r == "", ibis.null("string"), r)


def _with_served(t, pit_stops):
    """`served` for time, drive-through and stop/go penalties: 'pit_stop' if the car
    entered the pit lane after the message or a later 'served' message names it."""
    p = _served_later(t, pit_stops)
    j = t.left_join(p, KEY)
    return j.select(*(t[c] for c in t.columns),
                    served=ibis.cases((~t.kind.isin(_SERVABLE), ibis.null("string")),
                                      (p.pitted.fill_null(False), "pit_stop"), else_="after_flag"))


def _served_later(t, pit_stops):
    """KEY + pitted=True for each penalty followed by a pit stop, or by a 'served'
    message for the same car and the same seconds."""
    pen = t.filter(t.kind.isin(_SERVABLE))
    # a stop the car left again: the drive to parc fermé after the flag serves nothing
    pits = pit_stops.filter(pit_stops.pit_out_session_s.notnull())
    pits = pits.select("session_key", pit_driver="driver_number", pit_in_s="pit_in_session_s")
    later_pit = pen.join(pits, [pen.session_key == pits.session_key, pen.driver_number == pits.pit_driver,
                                pits.pit_in_s > pen.session_time_s])
    later_pit = later_pit.select(pen.session_key, pen.message_index, pen.driver_number)
    done = t.filter(t.kind == "served").select("session_key", done_driver="driver_number",
                                                done_index="message_index", done_seconds="seconds")
    same = (pen.seconds == done.done_seconds).fill_null(pen.seconds.isnull() & done.done_seconds.isnull())
    later_msg = pen.join(done, [pen.session_key == done.session_key, pen.driver_number == done.done_driver,
                                done.done_index > pen.message_index, same])
    later_msg = later_msg.select(pen.session_key, pen.message_index, pen.driver_number)
    return later_pit.union(later_msg).distinct().mutate(pitted=ibis.literal(True))
