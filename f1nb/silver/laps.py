"""`silver.laps`: one row per completed lap per driver, FastF1's 31 lap
columns under snake_case names, built from the feed's own lap counter.
`abbreviation` and `team_name` (FastF1's `Driver` and `Team`) come from
`silver.drivers`, so a lap query needs no join to name the driver.

See `lap_events` for how laps are cut and values attributed, and
`lap_deletions` for deleted laps. Race lap 1 starts at the start signal and
has no lap time and no sector 1 (the car starts behind the line); that is the
feed's truth and stays null. In practice and qualifying, an out-lap after a stay
in the garage has no lap time either: the time F1 sends for it counts from
the previous line crossing, garage time included."""

from __future__ import annotations

import ibis

from ..modeling import checks
from ..modeling.model import model
from .lap_deletions import deletions_by_lap
from .lap_events import (
    DRIVER,
    DURING_LAP_FIELDS,
    END_OF_LAP_FIELDS,
    STATE_FIELDS,
    CLEARED,
    attributed_values,
    pit_by_lap,
    session_parts,
)
from .common import ffill, left_all, utc_at
from .track_status import TRACK_STATUS_LABELS

# Longer than any pit-lane pass or race stop: the car went to the garage.
GARAGE_STAY_S = 60.0

SCHEMA = {
    "session_key": "int64", "driver_number": "int32", "abbreviation": "string", "team_name": "string",
    "lap_number": "int32",
    "lap_time_s": "float64", "sector_1_s": "float64", "sector_2_s": "float64", "sector_3_s": "float64",
    "sector_1_session_s": "float64", "sector_2_session_s": "float64", "sector_3_session_s": "float64",
    "lap_start_session_s": "float64", "lap_end_session_s": "float64", "lap_start_utc": "timestamp('UTC', 6)",
    "speed_i1": "float64", "speed_i2": "float64", "speed_fl": "float64", "speed_st": "float64",
    "is_personal_best": "boolean", "pit_in_session_s": "float64", "pit_out_session_s": "float64",
    "stint": "int32", "compound": "string", "tyre_age_laps": "int32", "fresh_tyre": "boolean",
    "track_status": "string", "position": "int32", "deleted": "boolean", "deleted_reason": "string",
    "is_accurate": "boolean", "qualifying_part": "int32",
}


def _pivot(values):
    aggs = {}
    for name, path in {**END_OF_LAP_FIELDS, **DURING_LAP_FIELDS}.items():
        source = values.value if name == "personal_best_flag" else values.value_num
        if name in STATE_FIELDS:  # the latest row is a value or CLEARED; no row: null (unchanged)
            source = ibis.ifelse(values.value == "", CLEARED, values.value_num)
        aggs[name] = ibis.ifelse(values.field == path, source, None).max()
    for k, path in ((1, "Sectors.0.Value"), (2, "Sectors.1.Value"), (3, "Sectors.2.Value")):
        aggs[f"sector_{k}_session_s"] = ibis.ifelse(values.field == path, values.arrived_s, None).max()
    return values.group_by([*DRIVER, "lap_number"]).aggregate(**aggs)


def _track_status_by_lap(laps, track_status):
    """Every status code seen during the lap, in code order (e.g. '124')."""
    ts = track_status.mutate(end_s=track_status.end_session_s.fill_null(1.0e9))
    lp = laps.select(*DRIVER, "lap_number", "lap_start_session_s", "lap_end_session_s")
    start = lp.lap_start_session_s.fill_null(lp.lap_end_session_s - 1.0e-3)
    j = lp.join(ts, [lp.session_key == ts.session_key, ts.start_session_s < lp.lap_end_session_s,
                     ts.end_s > start])
    j = j.select(lp.session_key, lp.driver_number, lp.lap_number, ts.status)
    per_code = {f"c{k}": ibis.ifelse(j.status == k, k, "").max() for k in TRACK_STATUS_LABELS}
    g = j.group_by([*DRIVER, "lap_number"]).aggregate(**per_code)
    codes = g[f"c{list(TRACK_STATUS_LABELS)[0]}"]
    for k in list(TRACK_STATUS_LABELS)[1:]:
        codes = codes.concat(g[f"c{k}"])
    return g.select(*DRIVER, "lap_number", track_status=codes)


def _qualifying_part(laps, parts):
    j = laps.join(parts, [laps.session_key == parts.session_key,
                          laps.lap_end_session_s >= parts.part_start_s,
                          laps.lap_end_session_s < parts.part_end_s])
    return j.select(laps.session_key, laps.driver_number, laps.lap_number, qualifying_part=parts.part)


def _stint_of_lap(laps, stints):
    j = laps.join(stints, [laps.session_key == stints.session_key, laps.driver_number == stints.driver_number,
                           laps.lap_number >= stints.start_lap, laps.lap_number <= stints.end_lap])
    return j.select(laps.session_key, laps.driver_number, laps.lap_number, stints.stint, stints.compound,
                    stints.fresh_tyre,
                    tyre_age_laps=(stints.tyre_age_at_start_laps + laps.lap_number - stints.start_lap + 1))


def _left(t, other, keys=("session_key", "driver_number", "lap_number")):
    j = t.left_join(other, list(keys))
    return j.drop(*(f"{k}_right" for k in keys))


@model(
    "silver.laps",
    inputs=["bronze.fields", "silver.lap_boundaries", "bronze.sessions", "silver.track_status",
            "silver.race_control_messages", "silver.stints", "silver.drivers"],
    schema=SCHEMA,
    checks=[
        checks.unique("session_key", "driver_number", "lap_number"),
        checks.not_null("session_key", "driver_number", "lap_number", "lap_end_session_s"),
        checks.in_range("lap_time_s", 0.0, 3600.0),
        checks.in_range("sector_1_s", 0.0, 3600.0), checks.in_range("sector_2_s", 0.0, 3600.0),
        checks.in_range("sector_3_s", 0.0, 3600.0),
        checks.in_range("speed_st", 0, 400), checks.in_range("speed_fl", 0, 400),
        checks.expression("accurate laps: sectors sum to the lap time",
                          lambda t: t.is_accurate & ((t.sector_1_s + t.sector_2_s + t.sector_3_s
                                                      - t.lap_time_s).abs() > 0.0015)),
        checks.expression("lap ends after it starts", lambda t: t.lap_end_session_s <= t.lap_start_session_s),
    ],
)
def laps(fields, lap_boundaries, sessions, track_status, race_control_messages, stints, drivers):
    """One row per lap a driver completed (the feed's NumberOfLaps went up)."""
    # Every part below is keyed on the materialised lap_boundaries, so no part
    # recomputes another: the engine joins small per-lap tables at the end.
    ends = lap_boundaries
    lap = [*DRIVER, "lap_number"]
    pits = pit_by_lap(fields, ends)

    def lap_start(t):
        return t.mutate(lap_start_session_s=ibis.ifelse(t.window_start_s > -1.0e8, t.window_start_s,
                                                        t.pit_out_session_s))

    values = _pivot(attributed_values(fields, ends))
    # speed traps and position are only sent on change: carry the last known one
    # forward, on a narrow table of every lap (a window over the wide one copies it all)
    carried = [*STATE_FIELDS, "position"]
    state = _left(ends.select(*DRIVER, "lap_number"), values.select(*DRIVER, "lap_number", *carried))
    state = ffill(state, carried, by=DRIVER, order=["lap_number"])
    state = state.mutate(**{c: ibis.ifelse(state[c] == CLEARED, None, state[c]) for c in STATE_FIELDS})
    race = sessions.select("session_key", "session_type", "t0_utc")
    # `pits` is joined twice. At different positions of the two joins Ibis writes it
    # once, as a common table expression (at the same position it is inlined twice).
    track = _track_status_by_lap(lap_start(left_all(ends, [(pits, lap)])), track_status)
    t = left_all(ends, [
        (values.drop(*carried), lap), (pits, lap), (state, lap), (track, lap),
        (_qualifying_part(ends, session_parts(fields)), lap), (_stint_of_lap(ends, stints), lap),
        (deletions_by_lap(values, race_control_messages), lap), (race, ["session_key"]),
        (drivers.select(*DRIVER, "abbreviation", "team_name"), DRIVER)])
    t = lap_start(t)
    is_race_lap_1 = (t.session_type == "Race") & (t.lap_number == 1)
    # after a stay in the garage, F1's "last lap time" spans the time in the garage
    # (or longer than the lap we saw, when the previous lap ended at the pit exit)
    duration = t.lap_end_session_s - t.window_start_s
    garage_out_lap = t.from_pit_exit & (((t.pit_out_session_s - t.window_start_s) > GARAGE_STAY_S)
                                        | (t.pit_out_session_s.notnull() & (t.lap_time_s > duration + 5.0)))
    t = t.mutate(
        lap_time_s=ibis.ifelse(is_race_lap_1 | garage_out_lap, None, t.lap_time_s),
        sector_1_s=ibis.ifelse(is_race_lap_1, None, t.sector_1_s),
        sector_1_session_s=ibis.ifelse(is_race_lap_1, None, t.sector_1_session_s),
        lap_start_utc=utc_at(t.t0_utc, t.lap_start_session_s),
    )
    sectors_sum = t.sector_1_s + t.sector_2_s + t.sector_3_s
    deleted = t.deleted.fill_null(False)
    return t.mutate(
        deleted=deleted,
        is_personal_best=ibis.ifelse(t.lap_time_s.isnull(), None,
                                     (t.personal_best_flag == "true").fill_null(False) & ~deleted),
        is_accurate=(t.lap_time_s.notnull() & ((sectors_sum - t.lap_time_s).abs() <= 0.0015)
                     & t.pit_in_session_s.isnull() & t.pit_out_session_s.isnull()
                     & t.prev_end_session_s.notnull()).fill_null(False),
    )
