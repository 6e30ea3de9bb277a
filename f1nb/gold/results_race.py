"""Race and sprint classification from the feeds alone (used by `gold.results`).

Per driver of `silver.drivers` with `in_timing`:
- `laps_completed` = number of `silver.laps` rows (lap_number 1..n);
  `last_line_s` = `lap_end_session_s` of the driver's last lap.
- The winner: most laps, earliest `last_line_s`; the chequered flag falls at
  his `last_line_s`. A driver whose last crossing is at or after it took the
  flag: `finished` (same lap; `gap_s` = last_line_s − winner's) or `lapped`
  (`laps_behind` > 0). Anyone else stopped on track: `dnf`, `dnf_lap` =
  laps_completed + 1 (the lap they did not complete).
- `dsq`: a race-control message with "DISQUALIFIED" naming the car
  (RacingNumber or "CAR n").
- Penalties: `penalty_s` = the seconds of the driver's penalties in
  `gold.penalties` that were not served in the pit lane (`served` =
  'after_flag'), added after the flag: a time penalty's seconds, 20 s for a
  drive-through, 20 s plus the stop for a stop/go (see `unserved_penalties`).
- Order: laps_completed desc, last_line_s + penalty_s asc, then the feed's last
  `Position` (breaks ties between cars with no lap), then car number; DSQ last.
  The feed's own final `Position` usually already reflects the penalties; where
  it and `position` still differ, the check `position_matches_feed` says so.
- `classified`: not DSQ and laps_completed ≥ 90 % of the winner's laps (rounded down).
- `total_time_s` = last_line_s − the start (lap 1's `lap_start_session_s`)
  + penalty_s, finishers only: the archive's clock is message arrival, so it is within
  about a second of the official time (2018 Baku: 1:43:44.755 vs 1:43:44.291).
- `gap_s` (same-lap finishers): the feed's last `GapToLeader` in seconds
  (`silver.intervals`), which is the official gap (Baku: RAI +2.460);
  `line_gap_s` is the difference of the line-crossing times, the fallback
  when the feed sent no gap. With penalties, `gap_s` is that gap + penalty_s,
  less the same for the classified winner (the line gaps stay as crossed).
- `best_lap_s`: the driver's fastest timed lap (common.timed_laps);
  `gap_to_fastest_s` = best_lap_s − the session's fastest.
- points: `points.points_expr` by classified position; + the fastest-lap point
  (season rule) for the driver with the fastest non-deleted lap if classified top 10.
"""

from __future__ import annotations

import ibis

from .common import DRIVER, driver_names, first_per, left_all, timed_laps
from .points import FASTEST_LAP_MAX_POSITION, fastest_lap_point_expr, points_expr

EPS_S = 1.0e-3


def disqualified(rcm):
    """(session_key, driver_number) named in a DISQUALIFIED race-control message."""
    m = rcm.filter(rcm.message.upper().contains("DISQUALIFIED") & ~rcm.message.upper().contains("NOT DISQUALIFIED"))
    car = m.message.re_extract(r"CAR (\d+)", 1)
    num = ibis.ifelse(m.driver_number.notnull(), m.driver_number.cast("string"), car)
    m = m.select("session_key", driver_number=ibis.ifelse(num == "", None, num).cast("int32"))
    return m.filter(m.driver_number.notnull()).distinct().mutate(dsq=True)


def fastest_lap_holder(laps):
    """(session_key, driver_number, fastest_lap=True): the fastest timed lap (common.timed_laps), earliest set on ties."""
    t = timed_laps(laps)
    t = first_per(t, ["session_key"], [t.lap_time_s, t.lap_end_session_s, t.driver_number])
    return t.select(*DRIVER, fastest_lap=ibis.literal(True))


def final_gaps(intervals):
    """(session_key, driver_number, feed_gap_s): the last GapToLeader in seconds the feed sent."""
    g = intervals.filter(intervals.gap_to_leader_s.notnull())
    # (session_key, driver_number, seq) is unique: the latest seq and a join (no window over every row)
    last = g.group_by(DRIVER).aggregate(seq=g.seq.max())
    g = g.join(last, [*DRIVER, "seq"])
    return g.select(*DRIVER, feed_gap_s=g.gap_to_leader_s)


def unserved_penalties(penalties):
    """(session_key, driver_number, penalty_s): penalties added to the race time after the flag.
    A time penalty adds its seconds. A drive-through or stop/go that could not be served
    becomes time as the Sporting Regulations convert it (Art. 54.3): 20 s for a
    drive-through, 20 s plus the stop for a stop/go (30 s for a 10 s stop/go)."""
    p = penalties.filter(penalties.kind.isin(["time", "drive_through", "stop_go"]) & (penalties.served == "after_flag"))
    added = ibis.cases((p.kind == "time", p.seconds), (p.kind == "drive_through", 20.0),
                       else_=20.0 + p.seconds.fill_null(10.0))
    return p.group_by(DRIVER).aggregate(penalty_s=added.sum())


def race_results(kinds, laps, drivers, timing_final, rcm, intervals, penalties):
    races = kinds.filter(kinds.session_kind.isin(["race", "sprint"]))
    d = driver_names(drivers).join(races, "session_key")
    per = laps.group_by(DRIVER).aggregate(laps_completed=laps.lap_number.count().cast("int32"),
                                          last_line_s=laps.lap_end_session_s.max())
    timed = timed_laps(laps)
    best = timed.group_by(DRIVER).aggregate(best_lap_s=timed.lap_time_s.min())
    # the chequered flag: the winner (most laps) crossed the line for the last time
    lead = per.mutate(winner_laps=per.laps_completed.max().over(ibis.window(group_by="session_key")))
    lead = lead.filter(lead.laps_completed == lead.winner_laps)
    lead = lead.group_by("session_key").aggregate(winner_laps=lead.winner_laps.max(), flag_s=lead.last_line_s.min())
    start = laps.filter(laps.lap_number == 1).group_by("session_key").aggregate(start_s=ibis._.lap_start_session_s.min())
    t = left_all(d, [(per, DRIVER),
                     (timing_final.select(*DRIVER, "grid_position", feed_position="final_position"), DRIVER),
                     (disqualified(rcm), DRIVER), (fastest_lap_holder(laps), DRIVER), (start, ["session_key"]),
                     (lead, ["session_key"]), (final_gaps(intervals), DRIVER),
                     (best, DRIVER), (unserved_penalties(penalties), DRIVER)])
    # one SELECT level for all of it: SQLite's parser limits nesting depth
    laps_done = t.laps_completed.fill_null(0)
    dsq = t.dsq.fill_null(False)
    took_flag = (t.last_line_s >= t.flag_s - EPS_S).fill_null(False)
    penalty = t.penalty_s.fill_null(0.0)
    order = [dsq, ibis.desc(laps_done), t.last_line_s.isnull(), t.last_line_s + penalty,
             t.feed_position.isnull(), t.feed_position, t.driver_number]
    t = t.mutate(
        laps_completed=laps_done, dsq=dsq, fastest_lap=t.fastest_lap.fill_null(False), penalty_s=penalty,
        gap_to_fastest_s=t.best_lap_s - t.best_lap_s.min().over(ibis.window(group_by="session_key")),
        laps_behind=(t.winner_laps - laps_done).cast("int32"),
        status=ibis.cases((dsq, "dsq"), (took_flag & (laps_done == t.winner_laps), "finished"),
                          (took_flag, "lapped"), else_="dnf"),
        position=(ibis.row_number().over(ibis.window(group_by="session_key", order_by=order)) + 1).cast("int32"),
        classified=~dsq & (laps_done >= (t.winner_laps * 9).cast("int64") // 10) & (laps_done > 0),
    )
    finished = t.status.isin(["finished", "lapped"])
    pts = ibis.ifelse(t.classified, points_expr(t.year, t.session_kind, t.position), 0.0)
    bonus = (fastest_lap_point_expr(t.year, t.session_kind) & t.fastest_lap & t.classified
             & (t.position <= FASTEST_LAP_MAX_POSITION))
    # the gap as the feed gave it (or as crossed), plus the penalty, less the winner's
    behind = ibis.ifelse(t.status == "finished", t.feed_gap_s.fill_null(t.last_line_s - t.flag_s) + t.penalty_s, None)
    return t.mutate(
        total_time_s=ibis.ifelse(finished, t.last_line_s - t.start_s + t.penalty_s, None),
        gap_s=behind - behind.min().over(ibis.window(group_by="session_key")),
        line_gap_s=ibis.ifelse(t.status == "finished", t.last_line_s - t.flag_s, None),
        dnf_lap=ibis.ifelse(t.status == "dnf", t.laps_completed + 1, None).cast("int32"),
        points=pts + ibis.ifelse(bonus, 1.0, 0.0),
    )
