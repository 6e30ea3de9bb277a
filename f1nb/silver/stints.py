"""`silver.stints`: one row per tyre stint per driver, from TimingAppData `Stints`.

F1 opens a new stint item on every pit-lane pass (also a drive-through, or a
practice run that ends in the garage), so stints are kept exactly as F1 lists
them and never merged.

Lap rule (measured against FastF1 on the six real sessions). `TotalLaps -
StartLaps` alone does not tile the laps: in practice the in-lap that ends in
the garage is often never added to the old stint's `TotalLaps` (the lap
completes only at the next pit exit, after the new stint has opened). So:
- `start_lap` of stint 1 is 1; a later stint starts on the lap being driven
  when F1 first sent the stint (`driving_lap_at`: the driver's lap counter at
  that moment; it opens just after the pit exit), or the lap after the
  latest pit entry if F1 sent it while the car was still in the pit lane. Stints already listed in
  the driver's first TimingAppData message (a feed joined late) start after
  the previous ones' `TotalLaps - StartLaps` instead.
- `end_lap` is the next stint's `start_lap - 1`; for the last stint, the
  driver's last lap (the counter's maximum, the lap numbering of silver.laps).
- `laps = end_lap - start_lap + 1` (0 for a stint that was fitted but not
  driven). The in-lap belongs to the stint that ends, the out-lap to the new one.
"""

import ibis

from ..modeling import checks
from ..modeling.model import model
from .common import with_utc

KEY = ["session_key", "driver_number"]
SENTINEL_S = 1.0e9  # "no next step": portable instead of NULL in range joins


def lap_counter(fields):
    """The driver's lap counter as periods: (session_key, driver_number, from_s,
    to_s, counter, driving_lap). `NumberOfLaps` steps at each new running
    maximum (it can go backwards). Where the counter started at a pit exit
    (practice, qualifying) it names the lap being driven; where it started at a
    line crossing (races) it counts completed laps, so the lap being driven is
    counter + 1. Same rule as silver.laps."""
    t = fields.filter((fields.topic == "TimingData") & fields.driver_number.notnull())
    n = t.filter((t.field == "NumberOfLaps") & t.value_num.notnull())
    # the running maximum up to each message and up to the one before: one window
    upto = ibis.window(group_by=KEY, order_by=["seq"], preceding=None, following=0)
    before = ibis.window(group_by=KEY, order_by=["seq"], rows=(None, -1))
    n = n.mutate(run_max=n.value_num.max().over(upto), prev_max=n.value_num.max().over(before))
    n = n.filter(n.run_max > n.prev_max.fill_null(-1.0))
    n = n.select(*KEY, "seq", from_s=n.offset_ms.cast("float64") / 1000.0, counter=n.run_max.cast("int32"))
    exits = t.filter((t.field == "InPit") & (t.value == "false")).select(*KEY, "seq").distinct()
    first = n.group_by(KEY).aggregate(seq=n.seq.min())
    first = first.join(exits, [*KEY, "seq"]).select(*KEY, from_pit_exit=ibis.literal(True))
    n = n.left_join(first, KEY).drop("session_key_right", "driver_number_right")
    nxt = n.from_s.lead().over(ibis.window(group_by=KEY, order_by=["seq"]))
    return n.select(*KEY, "from_s", "counter", to_s=nxt.fill_null(SENTINEL_S),
                    driving_lap=n.counter + ibis.ifelse(n.from_pit_exit.fill_null(False), 0, 1))


def driving_lap_at(events, counter, time_col: str, entry: bool = False):
    """`events` with `driving_lap`: the lap being driven at `time_col` (1 before
    the first counter step). With `entry=True` an event at the very moment the
    counter steps belongs to the lap that just ended (a pit entry ends its lap)."""
    e, c = events, counter
    at = e[time_col]
    inside = (at > c.from_s) & (at <= c.to_s) if entry else (at >= c.from_s) & (at < c.to_s)
    j = e.left_join(c, [e.session_key == c.session_key, e.driver_number == c.driver_number, inside])
    j = j.select(*[e[col] for col in e.columns], driving_lap=c.driving_lap)
    return j.mutate(driving_lap=j.driving_lap.fill_null(1))


def pit_entries(fields, counter):
    """(session_key, driver_number, entry_s, entry_lap): every InPit false -> true
    transition and the lap it ended (the state at the first message is not an event)."""
    t = fields.filter((fields.topic == "TimingData") & fields.driver_number.notnull()
                      & (fields.field == "InPit") & fields.value.isin(["true", "false"]))
    t = t.mutate(_prev=t.value.lag().over(ibis.window(group_by=KEY, order_by=["seq"])))
    t = t.filter((t.value == "true") & (t._prev == "false"))
    t = t.select(*KEY, entry_s=t.offset_ms.cast("float64") / 1000.0)
    t = driving_lap_at(t, counter, "entry_s", entry=True)
    return t.rename(entry_lap="driving_lap")


def after_pit_entry(t, fields, counter):
    """`t` with `entry_lap`: the lap of the driver's latest pit entry before `first_s`.
    A stint F1 sends while the car is still in the pit lane starts after that in-lap."""
    e = pit_entries(fields, counter)
    j = t.left_join(e, [t.session_key == e.session_key, t.driver_number == e.driver_number,
                        e.entry_s <= t.first_s])
    j = j.select(*[t[c] for c in t.columns], entry_lap=e.entry_lap)
    return j.group_by(t.columns).aggregate(entry_lap=j.entry_lap.max())


def last_lap(counter):
    """(session_key, driver_number, last_lap): the highest lap number the counter reached."""
    return counter.group_by(KEY).aggregate(last_lap=counter.counter.max())


def last_item_values(fields, topic: str, names: dict[str, str]):
    """One row per (session, driver, item) of `topic`, with the last value F1
    sent for each field in `names` (text `value` and numeric `value_num`), and
    `first_seq` (the message where the item first carried one of them) and
`first_s`, when the stint opened: that message, or the latest one where
F1 reused the item for a new stint (changed its compound and reset `TotalLaps`
to its `StartLaps`; a compound change with any other count is a correction). Items sent before
    the driver's latest list clear (`Stints: []`) are dropped."""
    t = fields.filter((fields.topic == topic) & fields.driver_number.notnull())
    clears = t.filter((t.field == "Stints") & t.item.isnull()).group_by(KEY).aggregate(_clear_seq=ibis._.seq.max())
    t = t.filter(t.item.notnull())
    t = t.left_join(clears, KEY).drop("session_key_right", "driver_number_right")
    t = t.filter(t._clear_seq.isnull() | (t.seq > t._clear_seq))
    t = t.filter(t.field.isin(list(names.values())))
    item = [*KEY, "item"]
    firsts = t.group_by(item).aggregate(first_seq=t.seq.min(), first_ms=t.offset_ms.min())
    # One window over (item, field) in message order gives each value's previous
    # one and tells the last message (a message carries a field once: no ties).
    by_field = ibis.window(group_by=[*item, "field"], order_by=["seq"])
    t = t.mutate(_prev_num=t.value_num.lag().over(by_field), _prev=t.value.lag().over(by_field),
                 _next_seq=t.seq.lead().over(by_field))
    # F1 sometimes reuses an item for a later stint: one message changes its
    # compound and drops its TotalLaps (a drop alone is a correction, not a reuse)
    tl = t.filter((t.field == "TotalLaps") & (t.value_num < t._prev_num))
    tl = tl.select(*item, "seq", "offset_ms", _reset_total=tl.value_num)
    cp = t.filter((t.field == "Compound") & (t.value != t._prev)).select(*item, "seq")
    resets = tl.join(cp, [*item, "seq"])
    t = t.filter(t._next_seq.isnull())
    aggs = {}
    for name, path in names.items():
        aggs[name] = ibis.ifelse(t.field == path, t.value, None).max()
        aggs[name + "_num"] = ibis.ifelse(t.field == path, t.value_num, None).max()
    t = t.group_by(KEY + ["item"]).aggregate(**aggs)
    t = firsts.left_join(t, item).drop("session_key_right", "driver_number_right", "item_right")
    # ... to a fresh count: TotalLaps back to the StartLaps the item ends with
    j = t.left_join(resets, [t.session_key == resets.session_key, t.driver_number == resets.driver_number,
                             t.item == resets.item, resets._reset_total == t.start_laps_num])
    j = j.select(*[t[c] for c in t.columns], _reset_ms=resets.offset_ms)
    t = j.group_by(t.columns).aggregate(_reset_ms=j._reset_ms.max())
    first_ms = ibis.greatest(t.first_ms, t._reset_ms.fill_null(-1))
    return t.mutate(first_s=first_ms.cast("float64") / 1000.0).drop("first_ms", "_reset_ms")


@model(
    "silver.stints",
    inputs=["bronze.fields", "bronze.sessions"],
    schema={"session_key": "int64", "driver_number": "int32", "stint": "int32", "compound": "string",
            "fresh_tyre": "boolean", "tyre_age_at_start_laps": "int32", "total_tyre_laps": "int32",
            "start_lap": "int32", "end_lap": "int32", "laps": "int32", "start_session_s": "float64",
            "start_utc": "timestamp('UTC', 6)"},
    checks=[checks.unique("session_key", "driver_number", "stint"),
            checks.not_null("session_key", "driver_number", "stint", "start_lap", "end_lap", "laps"),
            checks.in_range("stint", 1, 100), checks.in_range("laps", 0, 200),
            checks.in_range("tyre_age_at_start_laps", 0, 200),
            checks.expression("end_lap >= start_lap - 1", lambda t: t.end_lap < t.start_lap - 1)],
)
def stints(fields, sessions):
    """Stints from TimingAppData: `stint` is 1-based (F1's item index + 1);
    `compound` upper-cased as given (UNKNOWN / TEST_UNKNOWN kept); `fresh_tyre`
    from `New`; `tyre_age_at_start_laps` = `StartLaps`; `total_tyre_laps` =
    `TotalLaps` (F1's tyre age at the stint's last update); `start_lap`,
    `end_lap`, `laps` as in the module doc; `start_session_s` when F1 first
    sent the stint (`start_utc` on the session clock)."""
    t = last_item_values(fields, "TimingAppData",
                         {"compound": "Compound", "new": "New", "start_laps": "StartLaps",
                          "total_laps": "TotalLaps"})
    start_laps = t.start_laps_num.fill_null(0)
    f1_laps = ibis.greatest(t.total_laps_num.fill_null(start_laps) - start_laps, 0)
    # both windows share one partition and order (one sort)
    first_msg = t.first_seq.min().over(ibis.window(group_by=KEY, order_by=["item"], preceding=None, following=None))
    upto = ibis.window(group_by=KEY, order_by=["item"], preceding=None, following=0)
    t = t.mutate(f1_laps=f1_laps, initial=t.first_seq == first_msg, cum_start=f1_laps.sum().over(upto) - f1_laps + 1)
    counter = lap_counter(fields)
    t = driving_lap_at(t, counter, "first_s")
    t = after_pit_entry(t, fields, counter)
    start = ibis.cases((t.item == 0, 1), (t.initial, t.cum_start),
                       else_=ibis.greatest(t.driving_lap, t.entry_lap.fill_null(0) + 1))
    t = t.mutate(start_lap=start)
    t = t.left_join(last_lap(counter), KEY).drop("session_key_right", "driver_number_right")
    nxt = t.start_lap.lead().over(ibis.window(group_by=KEY, order_by=["item"]))
    end = ibis.greatest(nxt.fill_null(ibis.greatest(t.last_lap.fill_null(0), t.start_lap - 1 + t.f1_laps)) - 1 + ibis.ifelse(nxt.isnull(), 1, 0), t.start_lap - 1)
    t = t.mutate(end_lap=end)
    t = t.mutate(
        stint=t.item + 1,
        compound=ibis.ifelse(t.compound.notnull() & (t.compound.strip() != ""), t.compound.strip().upper(), None),
        fresh_tyre=ibis.cases((t.new.lower() == "true", True), (t.new.lower() == "false", False), else_=None),
        tyre_age_at_start_laps=t.start_laps_num,
        total_tyre_laps=t.total_laps_num,
        laps=t.end_lap - t.start_lap + 1,
        start_session_s=t.first_s,
    )
    return with_utc(t, sessions, start_utc="start_session_s")
