"""Qualifying (incl. sprint shootout) and practice classification (used by `gold.results`).

Qualifying: `q1_s`/`q2_s`/`q3_s` = best `silver.laps.lap_time_s` of `common.timed_laps` (non-deleted, not an in-lap)
with that `qualifying_part`. `knocked_out_qualifying_part` comes from the feed
(`silver.timing_final`, TimingData `KnockedOut`); drivers never knocked out
reached the session's last part. Order: the part reached (desc), then the
best time in that part (asc, no time last), then the best time of the earlier
parts, then the feed's last `Position`. `best_lap_s` = the best of all parts.

Practice: `best_lap_s` = best timed lap; order by it (no time last, then
feed position); `gap_to_fastest_s` = best_lap_s − the session's fastest.
Status for both: 'timed' or 'no_time'.
"""

from __future__ import annotations

import ibis

from .common import DRIVER, QUALI_KINDS, driver_names, left_all, timed_laps


def timed_results(kinds, laps, drivers, timing_final):
    sessions = kinds.filter(kinds.session_kind != "race").filter(kinds.session_kind != "sprint")
    d = driver_names(drivers).join(sessions, "session_key")
    v = timed_laps(laps)
    best = v.group_by(DRIVER).aggregate(
        best_lap_s=v.lap_time_s.min(), laps_completed=v.lap_number.count().cast("int32"),
        **{f"q{k}_s": ibis.ifelse(v.qualifying_part == k, v.lap_time_s, None).min() for k in (1, 2, 3)})
    all_laps = laps.group_by(DRIVER).aggregate(laps_completed=laps.lap_number.count().cast("int32"))
    n_parts = laps.group_by("session_key").aggregate(n_parts=laps.qualifying_part.max())
    t = left_all(d, [(best.drop("laps_completed"), DRIVER), (all_laps, DRIVER),
                     (timing_final.select(*DRIVER, "knocked_out_qualifying_part", feed_position="final_position"), DRIVER),
                     (n_parts, ["session_key"])])
    is_quali = t.session_kind.isin(list(QUALI_KINDS))
    t = t.mutate(is_quali=is_quali,
                 reached=ibis.ifelse(is_quali, t.knocked_out_qualifying_part.fill_null(t.n_parts), None).fill_null(0))
    in_part = ibis.cases((t.reached == 3, t.q3_s), (t.reached == 2, t.q2_s), (t.reached == 1, t.q1_s), else_=None)
    earlier = ibis.cases((t.reached == 3, t.q2_s.fill_null(t.q1_s)), (t.reached == 2, t.q1_s), else_=None)
    key = ibis.ifelse(t.is_quali, in_part, t.best_lap_s)
    order = [ibis.desc(t.reached), key.isnull(), key, earlier.isnull(), earlier, t.best_lap_s.isnull(),
             t.best_lap_s, t.feed_position.isnull(), t.feed_position, t.driver_number]
    w = ibis.window(group_by="session_key", order_by=order)
    t = t.mutate(position=(ibis.row_number().over(w) + 1).cast("int32"),
                 fastest=t.best_lap_s.min().over(ibis.window(group_by="session_key")))
    fastest = t.fastest
    return t.mutate(
        laps_completed=t.laps_completed.fill_null(0),
        gap_to_fastest_s=t.best_lap_s - fastest,
        knocked_out_qualifying_part=ibis.ifelse(t.is_quali, t.knocked_out_qualifying_part, None),
        status=ibis.ifelse(t.best_lap_s.notnull(), "timed", "no_time"),
        classified=t.best_lap_s.notnull(),
        points=ibis.literal(0.0),
        fastest_lap=(t.best_lap_s == fastest).fill_null(False),
    )
