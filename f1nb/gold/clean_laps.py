"""The one definition of a "clean lap", used by every Gold table that needs one.

A clean lap (from `silver.laps`, keys session_key, driver_number, lap_number) is:
- not deleted (`deleted` false: no race-control deletion),
- neither an in-lap nor an out-lap (`pit_in_session_s` and `pit_out_session_s` null),
- driven under green flags only: the lap's `track_status` (every status code
  seen during the lap) is exactly '1' — no yellow, SC, VSC or red at any
  moment of the lap,
- `is_accurate` (it has a lap time and its sectors sum to it),
- and has a lap time.

`track_status` (optional, `silver.track_status`) re-derives the green test
from the status periods instead of the lap's own column: a lap is then green
when no non-'1' period overlaps [lap_start_session_s, lap_end_session_s]."""

from __future__ import annotations

import ibis.expr.types as ir

GREEN = "1"


def clean_laps(laps: ir.Table, track_status: ir.Table | None = None) -> ir.Table:
    """`laps` (silver.laps rows) restricted to clean laps; same columns."""
    t = laps.filter(
        ~laps.deleted.fill_null(False),
        laps.pit_in_session_s.isnull(),
        laps.pit_out_session_s.isnull(),
        laps.is_accurate.fill_null(False),
        laps.lap_time_s.notnull(),
    )
    if track_status is None:
        return t.filter(t.track_status == GREEN)
    bad = track_status.filter(track_status.status != GREEN)
    bad = bad.mutate(_end=bad.end_session_s.fill_null(1.0e9))
    hit = t.join(bad, [t.session_key == bad.session_key, bad.start_session_s < t.lap_end_session_s,
                       bad._end > t.lap_start_session_s.fill_null(t.lap_end_session_s - t.lap_time_s)])
    hit = hit.select(t.session_key, t.driver_number, t.lap_number).distinct()
    return t.anti_join(hit, ["session_key", "driver_number", "lap_number"])
