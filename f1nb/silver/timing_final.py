"""`silver.timing_final`: one row per driver per session with the feed's own
end-of-session view of that driver, for the Gold classification to use and
cross-check:

- `grid_position`: TimingAppData `GridPos` (races; null elsewhere or when "").
- `final_position`: the last TimingData `Position` the feed sent.
- `stopped` / `retired`: TimingData `Stopped` / `Retired` was ever "true";
  `stopped_session_s` is the first time `Stopped` turned true.
- `knocked_out_part`: qualifying part in which the driver was knocked out
  (TimingData `KnockedOut` is "true" at the end of the feed; the part is the
  last `SessionPart` that had started when it first turned true after its last
  "false", strictly before it: F1 sends the knock-outs in the same message as,
  or seconds before, the next `SessionPart`); null for drivers who reached the
  last part, and outside qualifying.
"""

import ibis

from ..modeling import checks
from ..modeling.model import model
from .common import left_all, with_utc
from .lap_events import session_parts

KEY = ["session_key", "driver_number"]


def _last(t, col):
    """`col` in the driver's latest row of `t` (one field of one topic: a message
    carries it once per driver, so the latest seq is one row): max and join, no window."""
    t = t.select(*KEY, "seq", col)
    last = t.group_by(KEY).aggregate(seq=t.seq.max())
    return t.join(last, [*KEY, "seq"]).select(*KEY, col)


def _knocked_out(timing, parts):
    k = timing.filter((timing.field == "KnockedOut") & timing.value.isin(["true", "false"]))
    last_false = k.filter(k.value == "false").group_by(KEY).aggregate(_lf=ibis._.seq.max())
    final = _last(k.mutate(ko=k.value == "true"), "ko").filter(ibis._.ko)
    trues = k.filter(k.value == "true").left_join(last_false, KEY).drop("session_key_right", "driver_number_right")
    trues = trues.filter(trues.seq > trues._lf.fill_null(-1))
    first = trues.group_by(KEY).aggregate(ko_s=(trues.offset_ms.min().cast("float64") / 1000.0))
    first = first.join(final, KEY)
    j = first.join(parts, [first.session_key == parts.session_key, parts.part_start_s < first.ko_s])
    j = j.select(first.session_key, first.driver_number, parts.part)
    return j.group_by(KEY).aggregate(knocked_out_part=j.part.max())


@model(
    "silver.timing_final",
    inputs=["bronze.fields", "bronze.sessions"],
    schema={"session_key": "int64", "driver_number": "int32", "grid_position": "int32", "final_position": "int32",
            "stopped": "boolean", "stopped_session_s": "float64", "retired": "boolean", "knocked_out_part": "int32",
            "stopped_utc": "timestamp('UTC', 6)"},
    checks=[checks.unique("session_key", "driver_number"), checks.not_null("session_key", "driver_number"),
            checks.in_range("grid_position", 0, 40), checks.in_range("final_position", 1, 40),
            checks.in_range("knocked_out_part", 1, 3)],
)
def timing_final(fields, sessions):
    """The feed's final per-driver state: grid, last position, stop/retire flags, knock-out part;
    `stopped_utc` on the session clock."""
    timing = fields.filter((fields.topic == "TimingData") & fields.driver_number.notnull())
    drivers = timing.select(*KEY).distinct()
    pos = timing.filter((timing.field == "Position") & timing.value_num.notnull())
    pos = _last(pos.mutate(final_position=pos.value_num), "final_position")
    grid = fields.filter((fields.topic == "TimingAppData") & (fields.field == "GridPos") & fields.value_num.notnull())
    grid = _last(grid.mutate(grid_position=grid.value_num), "grid_position")
    flags = timing.filter(timing.field.isin(["Stopped", "Retired"]) & (timing.value == "true"))
    flags = flags.group_by(KEY).aggregate(
        stopped=(flags.field == "Stopped").any(), retired=(flags.field == "Retired").any(),
        stopped_session_s=ibis.ifelse(flags.field == "Stopped", flags.offset_ms, None).min().cast("float64") / 1000.0)
    t = left_all(drivers, [(other, KEY) for other in (pos, grid, flags, _knocked_out(timing, session_parts(fields)))])
    t = t.mutate(stopped=t.stopped.fill_null(False), retired=t.retired.fill_null(False))
    return with_utc(t, sessions, stopped_utc="stopped_session_s")
