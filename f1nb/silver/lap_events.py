"""Building blocks of `silver.laps`: lap boundaries from the feed's own lap
counter, and the attribution of TimingData values to the lap they describe.

Rules (each a documented trap of the feed):
- Laps are cut where the driver's `NumberOfLaps` first reaches a new maximum
  (the counter can go backwards; a running maximum ignores that). In races
  the counter counts completed laps; where it starts at a pit exit
  (practice, qualifying) it names the lap being driven, and an in-lap that
  ends in the pit lane ends when its lap time arrives (see `lap_ends`).
- Values that close a lap (sector 3, lap time, finish-line speed, personal
  best flag) can arrive a little before or several seconds after the
  counter moves. They are attributed with a shifted window: a value at time
  t belongs to lap N when end(N-1) < t - LATE_ARRIVAL_S <= end(N).
- Values measured during a lap (sectors 1 and 2, speed traps I1, I2, ST,
  position) belong to the lap in progress: end(N-1) < t <= end(N).
- Within a lap, the last non-empty value of each field wins (F1 re-sends
  corrections); an empty string is F1's "cleared" and never a value.
- Speed traps are sent only when they change: a lap with no update keeps
  the previous lap's speed, unless F1 cleared it.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

# Longest delay seen between a lap's counter increment and its lap time in the
# real archive is ~20 s; no lap is shorter than this, so windows never overlap.
LATE_ARRIVAL_S = 25.0
NO_TIME = -1.0e9  # sentinel for "no previous lap end" (portable, unlike NULL in range joins)

END_OF_LAP_FIELDS = {
    "lap_time_s": "LastLapTime.Value",
    "sector_3_s": "Sectors.2.Value",
    "speed_fl": "Speeds.FL.Value",
    "personal_best_flag": "LastLapTime.PersonalFastest",
}
DURING_LAP_FIELDS = {
    "sector_1_s": "Sectors.0.Value",
    "sector_2_s": "Sectors.1.Value",
    "speed_i1": "Speeds.I1.Value",
    "speed_i2": "Speeds.I2.Value",
    "speed_st": "Speeds.ST.Value",
    "position": "Position",
}
# Fields F1 only re-sends when they change: a lap without an update keeps the
# previous lap's value (patches carry differences; FastF1 reads state the same way).
STATE_FIELDS = {
    "speed_i1": "Speeds.I1.Value",
    "speed_i2": "Speeds.I2.Value",
    "speed_fl": "Speeds.FL.Value",
    "speed_st": "Speeds.ST.Value",
}
CLEARED = -1.0  # stands for F1's '' in a forward fill, turned back into null after it
DRIVER = ["session_key", "driver_number"]


def timing(fields: ir.Table) -> ir.Table:
    return fields.filter((fields.topic == "TimingData") & fields.driver_number.notnull())


def counter_steps(fields: ir.Table) -> ir.Table:
    """Each time a driver's NumberOfLaps reaches a new maximum: (seq, step_s, counter)."""
    t = timing(fields)
    t = t.filter((t.field == "NumberOfLaps") & t.value_num.notnull())
    # the running maximum up to each message and up to the one before: one window
    upto = ibis.window(group_by=DRIVER, order_by=["seq"], preceding=None, following=0)
    before = ibis.window(group_by=DRIVER, order_by=["seq"], rows=(None, -1))
    t = t.mutate(run_max=t.value_num.max().over(upto), prev_max=t.value_num.max().over(before))
    t = t.filter(t.run_max > t.prev_max.fill_null(-1.0))
    return t.select(*DRIVER, "seq", step_s=t.offset_ms.cast("float64") / 1000.0, counter=t.run_max.cast("int32"))


def _pit_exit_seqs(fields: ir.Table) -> ir.Table:
    t = timing(fields)
    exits = ((t.field == "InPit") & (t.value == "false")) | ((t.field == "PitOut") & (t.value == "true"))
    return t.filter(exits).select(*DRIVER, "seq").distinct()


def counting_from_pit_exit(fields: ir.Table, steps: ir.Table) -> ir.Table:
    """(session_key, driver_number, from_pit_exit): true where the driver's counter
    started at a pit exit (practice, qualifying: the counter then names the lap
    being driven); false where it started at a line crossing (races: the counter
    counts completed laps)."""
    f = steps.group_by(DRIVER).aggregate(seq=steps.seq.min())  # the first step
    ex = _pit_exit_seqs(fields).mutate(from_pit_exit=True)
    j = f.left_join(ex, [*DRIVER, "seq"])
    return j.select(j.session_key, j.driver_number, from_pit_exit=j.from_pit_exit.fill_null(False))


def _in_laps(fields: ir.Table, periods: ir.Table) -> ir.Table:
    """Pit entries within a counter period: (session_key, driver_number, counter,
    entry_s, in_lap_end_s) where in_lap_end_s is the first lap time or sector 3
    arriving after the entry (an in-lap that ends in the pit lane), if any."""
    entries = pit_events(fields).filter(ibis._.kind == "in")
    pe = periods.join(entries, [periods.session_key == entries.session_key,
                                periods.driver_number == entries.driver_number,
                                entries.event_s > periods.step_s, entries.event_s < periods.next_step_s])
    pe = pe.group_by([periods.session_key, periods.driver_number, periods.counter, periods.next_step_s]).aggregate(
        entry_s=pe.event_s.min())
    t = timing(fields)
    lap_finished = t.field.isin(["LastLapTime.Value", "Sectors.2.Value"]) & (t.value != "")
    lt = t.filter(lap_finished).select(
        *DRIVER, arrived_s=t.offset_ms.cast("float64") / 1000.0)
    j = pe.left_join(lt, [pe.session_key == lt.session_key, pe.driver_number == lt.driver_number,
                          lt.arrived_s > pe.entry_s, lt.arrived_s < pe.next_step_s])
    return j.group_by([pe.session_key, pe.driver_number, pe.counter]).aggregate(
        entry_s=j.entry_s.min(), in_lap_end_s=j.arrived_s.min())


def lap_ends(fields: ir.Table, race_starts: ir.Table) -> ir.Table:
    """One row per completed lap: lap_number, lap_end_session_s, window_start_s, prev_end_session_s.

    Race-style counters (completed laps): the step to N ends lap N.
    Pit-exit counters (the lap being driven): lap N lasts while the counter
    reads N and ends at the next step, or earlier when it is an in-lap whose
    time (or sector 3) arrives in the pit lane; a run's last in-lap with no time and no
    later step ends at its pit entry. `race_starts` (session_key, race_start_s)
    gives the start signal, where race lap 1 begins."""
    steps = counter_steps(fields)
    style = counting_from_pit_exit(fields, steps)
    steps = steps.join(style, DRIVER)
    nxt = steps.step_s.lead().over(ibis.window(group_by=DRIVER, order_by=["seq"]))
    steps = steps.mutate(next_step_s=nxt.fill_null(-NO_TIME))
    race_style = steps.filter(~steps.from_pit_exit).select(
        *DRIVER, "from_pit_exit", lap_number=steps.counter, lap_end_session_s=steps.step_s)
    periods = steps.filter(steps.from_pit_exit)
    periods = periods.left_join(_in_laps(fields, periods), [*DRIVER, "counter"])
    # the last lap of a run that enters the pits and never gets a time ends at the pit entry
    open_end = ibis.ifelse(periods.next_step_s < -NO_TIME / 2, periods.next_step_s, periods.entry_s)
    end = ibis.ifelse(periods.in_lap_end_s.notnull(), periods.in_lap_end_s, open_end)
    pit_style = periods.filter(end.notnull() & (end < -NO_TIME / 2)).select(
        periods.session_key, periods.driver_number, periods.from_pit_exit, lap_number=periods.counter,
        lap_end_session_s=end)
    t = race_style.union(pit_style)
    prev_end = t.lap_end_session_s.lag().over(ibis.window(group_by=DRIVER, order_by=["lap_number"]))
    t = t.mutate(prev_end_session_s=prev_end)
    t = t.left_join(race_starts, "session_key").drop("session_key_right")
    first_start = ibis.ifelse(t.race_start_s.notnull() & (t.race_start_s < t.lap_end_session_s),
                              t.race_start_s, NO_TIME)
    return t.mutate(window_start_s=t.prev_end_session_s.fill_null(first_start)).drop("race_start_s")


def attributed_values(fields: ir.Table, ends: ir.Table) -> ir.Table:
    """The last non-empty value of each lap field within its lap window, long format:
    (session_key, driver_number, lap_number, field, value, value_num, arrived_s)."""
    paths = list(END_OF_LAP_FIELDS.values()) + list(DURING_LAP_FIELDS.values())
    v = timing(fields)
    # a cleared speed trap ('') is kept: it tells "no value this lap" from "unchanged"
    speeds = list(STATE_FIELDS.values())
    v = v.filter(v.field.isin(paths) & v.value.notnull() & ((v.value != "") | v.field.isin(speeds)))
    arrived = v.offset_ms.cast("float64") / 1000.0
    # clearing ('') happens early in the next lap, so only values get the late-arrival shift
    shift = ibis.ifelse(v.field.isin(list(END_OF_LAP_FIELDS.values())) & (v.value != ""), LATE_ARRIVAL_S, 0.0)
    v = v.mutate(arrived_s=arrived, attributed_s=arrived - shift)
    e = ends.select(*DRIVER, "lap_number", "window_start_s", "lap_end_session_s")
    j = v.join(
        e,
        [v.session_key == e.session_key, v.driver_number == e.driver_number,
         v.attributed_s > e.window_start_s, v.attributed_s <= e.lap_end_session_s],
    )
    j = j.select(v.session_key, v.driver_number, e.lap_number, v.field, v.value, v.value_num, v.arrived_s, v.seq)
    latest = ibis.row_number().over(
        ibis.window(group_by=[*DRIVER, "lap_number", "field"], order_by=[ibis.desc("seq")]))
    return j.mutate(_rank=latest).filter(ibis._._rank == 0).drop("_rank", "seq")


def pit_events(fields: ir.Table) -> ir.Table:
    """Pit-lane entries and exits from `InPit` transitions (PitOut is unreliable).
    The state at the first message is not an event: cars may start in the garage."""
    t = timing(fields)
    t = t.filter((t.field == "InPit") & t.value.isin(["true", "false"]))
    t = t.mutate(prev=t.value.lag().over(ibis.window(group_by=DRIVER, order_by=["seq"])))
    t = t.mutate(
        kind=ibis.cases(((t.value == "true") & (t.prev == "false"), "in"),
                        ((t.value == "false") & (t.prev == "true"), "out"), else_=None),
        event_s=t.offset_ms.cast("float64") / 1000.0,
    )
    return t.filter(t.kind.notnull()).select(*DRIVER, "kind", "event_s")


def pit_by_lap(fields: ir.Table, ends: ir.Table) -> ir.Table:
    """(session_key, driver_number, lap_number, pit_in_session_s, pit_out_session_s)."""
    p = pit_events(fields)
    e = ends.select(*DRIVER, "lap_number", "window_start_s", "lap_end_session_s")
    # an entry at the lap's end belongs to that lap; an exit there opens the next one
    inside = ibis.ifelse(p.kind == "in", (p.event_s > e.window_start_s) & (p.event_s <= e.lap_end_session_s),
                         (p.event_s >= e.window_start_s) & (p.event_s < e.lap_end_session_s))
    j = p.join(e, [p.session_key == e.session_key, p.driver_number == e.driver_number, inside])
    j = j.select(p.session_key, p.driver_number, e.lap_number, p.kind, p.event_s)
    return j.group_by([*DRIVER, "lap_number"]).aggregate(
        pit_in_session_s=ibis.ifelse(j.kind == "in", j.event_s, None).min(),
        pit_out_session_s=ibis.ifelse(j.kind == "out", j.event_s, None).max(),
    )


def session_parts(fields: ir.Table) -> ir.Table:
    """Qualifying parts as periods: (session_key, part, part_start_s, part_end_s)."""
    t = fields.filter((fields.topic == "TimingData") & fields.driver_number.isnull()
                      & (fields.field == "SessionPart") & (fields.value_num > 0))
    t = t.select("session_key", part=t.value_num.cast("int32"), part_start_s=t.offset_ms.cast("float64") / 1000.0,
                 seq=t.seq)
    nxt = t.part_start_s.lead().over(ibis.window(group_by=["session_key"], order_by=["seq"]))
    return t.mutate(part_end_s=nxt.fill_null(-NO_TIME)).drop("seq")
