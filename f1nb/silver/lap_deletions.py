"""Deleted and reinstated laps, read from race-control messages such as
`CAR 44 (HAM) TIME 1:31.234 DELETED - TRACK LIMITS AT TURN 4 LAP 5 13:04:55`
or `CAR 4 (NOR) TIME 1:57.940 WILL BE REINSTATED`. Laps are matched on driver
and lap time (to the millisecond): older messages carry no lap number, and
where they do it counts differently from the timing feed in qualifying
(it is one higher), so it only breaks ties. The latest message about a
lap decides."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir


def _nonempty(col: ir.StringValue) -> ir.StringValue:
    return col.nullif("")  # DuckDB's regexp_extract gives '' where SQLite gives NULL


def lap_time_decisions(rcm: ir.Table) -> ir.Table:
    """(session_key, driver_number, lap_time_s, lap, message_index, deleted, deleted_reason)."""
    m = rcm.filter(rcm.message.re_search(r"^CAR \d+.* TIME \d+:\d+\.\d+.*(DELETED|REINSTATED)"))
    car = _nonempty(m.message.re_extract(r"^CAR (\d+)", 1)).cast("int32")
    minutes = _nonempty(m.message.re_extract(r"TIME (\d+):\d+\.\d+", 1)).cast("float64")
    seconds = _nonempty(m.message.re_extract(r"TIME \d+:(\d+\.\d+)", 1)).cast("float64")
    lap = _nonempty(m.message.re_extract(r" LAP (\d+)", 1)).cast("int32")
    reinstated = m.message.re_search("REINSTATED")
    return m.select(
        "session_key", "message_index",
        driver_number=car,
        lap_time_s=minutes * 60 + seconds,
        lap=lap,
        deleted=~reinstated,
        deleted_reason=ibis.ifelse(reinstated, None, _nonempty(m.message.re_extract(r"DELETED - (.*)$", 1))),
    )


def deletions_by_lap(laps: ir.Table, rcm: ir.Table) -> ir.Table:
    """(session_key, driver_number, lap_number, deleted, deleted_reason) for laps named by race control."""
    d = lap_time_decisions(rcm)
    lp = laps.select("session_key", "driver_number", "lap_number", "lap_time_s")
    j = d.join(lp, [d.session_key == lp.session_key, d.driver_number == lp.driver_number,
                    (d.lap_time_s - lp.lap_time_s).abs() < 0.0005])
    j = j.select(d.session_key, d.driver_number, lp.lap_number, d.message_index, d.deleted, d.deleted_reason,
                 distance=(d.lap - lp.lap_number).abs().fill_null(0))
    # the same time twice for one driver: the lap nearest the message's lap number
    # (a message without a lap number: the earlier lap, for the same choice on every build)
    nearest = ibis.row_number().over(ibis.window(group_by=["session_key", "message_index"],
                                                 order_by=["distance", "lap_number"]))
    j = j.mutate(_n=nearest).filter(ibis._._n == 0)
    latest = ibis.row_number().over(ibis.window(group_by=["session_key", "driver_number", "lap_number"],
                                                order_by=[ibis.desc("message_index")]))
    return j.mutate(_r=latest).filter(ibis._._r == 0).drop("_r", "_n", "message_index", "distance")
