"""`silver.pit_stops`: one row per pit-lane entry per driver.

Entries and exits are TimingData `InPit` transitions per driver: false ->
true is the entry, the next true -> false the exit (`PitOut` is unreliable and
is not used). The state in the driver's first message is not an event (cars
start practice in the garage), so a garage exit with no entry is not a stop;
an entry with no exit (the session ended with the car in the pits) is kept
with a null exit.

`lap_number` is the lap on which the car entered the pits: the lap being driven at
the entry (`stints.driving_lap_at`, silver.laps' numbering). In races the lap
counter counts completed laps, so that is `NumberOfLaps` carried forward + 1;
where the counter started at a pit exit (practice, qualifying) it already
names the lap being driven. An entry at the very moment the counter steps
belongs to the lap that just ended. In practice a "stop" includes the time in
the garage, so `pit_lane_time_s` can be minutes.

`stationary_time_s` comes from `PitStopSeries` (`PitTimes.<driver>.<i>.PitStop.
{RacingNumber, PitStopTime, Lap}`) or `PitStop` (`RacingNumber`, `PitStopTime`,
`Lap`) where the session has them, matched on driver and lap; null otherwise.
"""

import ibis

from ..modeling import checks
from ..modeling.model import model
from .common import with_utc
from .stints import KEY, driving_lap_at, lap_counter

PIT_TOPICS = ("PitStopSeries", "PitStop")
LEAVES = {"racing_number": "RacingNumber", "stationary_s": "PitStopTime", "f1_lap": "Lap"}


def pit_transitions(fields):
    """(session_key, driver_number, seq, event_s, kind): InPit entries ('in') and exits ('out')."""
    t = fields.filter((fields.topic == "TimingData") & fields.driver_number.notnull()
                      & (fields.field == "InPit") & fields.value.isin(["true", "false"]))
    t = t.mutate(_prev=t.value.lag().over(ibis.window(group_by=KEY, order_by=["seq"])))
    kind = ibis.cases(((t.value == "true") & (t._prev == "false"), "in"),
                      ((t.value == "false") & (t._prev == "true"), "out"), else_=None)
    t = t.mutate(kind=kind, event_s=t.offset_ms.cast("float64") / 1000.0)
    return t.filter(t.kind.notnull()).select(*KEY, "seq", "event_s", "kind")


def stationary_times(fields):
    """(session_key, driver_number, f1_lap, stationary_s) from PitStopSeries / PitStop, if present."""
    t = fields.filter(fields.topic.isin(list(PIT_TOPICS)))
    leaf = ibis.cases(*((t.field.endswith(path), path) for path in LEAVES.values()), else_=None)
    t = t.mutate(_leaf=leaf).filter(ibis._._leaf.notnull())
    # one stop = one path prefix (PitStopSeries) or one message (PitStop)
    prefix = t.field.replace(t._leaf, "")
    stop_id = ibis.ifelse(t.topic == "PitStop", t.seq.cast("string"), prefix)
    t = t.mutate(_stop=stop_id)
    aggs = {name: ibis.ifelse(t._leaf == path, t.value_num, None).max() for name, path in LEAVES.items()}
    g = t.group_by(["session_key", "topic", "_stop"]).aggregate(**aggs)
    g = g.filter(g.racing_number.notnull() & g.stationary_s.notnull() & g.f1_lap.notnull())
    g = g.group_by(["session_key", g.racing_number.cast("int32").name("driver_number"),
                    g.f1_lap.cast("int32").name("f1_lap")]).aggregate(stationary_s=g.stationary_s.max())
    return g


@model(
    "silver.pit_stops",
    inputs=["bronze.fields", "bronze.sessions"],
    schema={"session_key": "int64", "driver_number": "int32", "stop_number": "int32", "lap_number": "int32",
            "pit_in_session_s": "float64", "pit_out_session_s": "float64", "pit_lane_time_s": "float64",
            "stationary_time_s": "float64", "pit_in_utc": "timestamp('UTC', 6)"},
    checks=[checks.unique("session_key", "driver_number", "stop_number"),
            checks.not_null("session_key", "driver_number", "stop_number", "lap_number", "pit_in_session_s"),
            checks.in_range("pit_lane_time_s", 0.001, None), checks.in_range("stationary_time_s", 0.0, 3600.0),
            checks.in_range("lap_number", 1, 500)],
)
def pit_stops(fields, sessions):
    """Pit stops from InPit transitions; see the module doc for the lap rule and sources."""
    ev = pit_transitions(fields)
    w = ibis.window(group_by=KEY, order_by=["seq"])
    upto = ibis.window(group_by=KEY, order_by=["seq"], preceding=None, following=0)
    # the next event, and the stop's number (entries so far): one window
    ev = ev.mutate(_next_kind=ev.kind.lead().over(w), _next_s=ev.event_s.lead().over(w),
                   stop_number=ibis.ifelse(ev.kind == "in", 1, None).count().over(upto))
    stops = ev.filter(ev.kind == "in")
    stops = stops.select(*KEY, "seq", "stop_number", pit_in_session_s=stops.event_s,
                         pit_out_session_s=ibis.ifelse(stops._next_kind == "out", stops._next_s, None))
    stops = driving_lap_at(stops, lap_counter(fields), "pit_in_session_s", entry=True)
    stops = stops.mutate(lap_number=stops.driving_lap)
    st = stationary_times(fields)
    j = stops.left_join(st, [stops.session_key == st.session_key, stops.driver_number == st.driver_number,
                             stops.lap_number == st.f1_lap])
    j = j.select(*[stops[c] for c in stops.columns], stationary_time_s=st.stationary_s)
    j = j.mutate(pit_lane_time_s=j.pit_out_session_s - j.pit_in_session_s)
    return with_utc(j, sessions, pit_in_utc="pit_in_session_s")
