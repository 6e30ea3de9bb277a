"""Shared pieces of the Gold layer: session kinds and key names."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from ..session_ref import QUALI_KINDS, RACE_KINDS  # noqa: F401  (one definition; Gold models import them here)
from ..silver.common import exact_mean, exact_sum, left_all  # noqa: F401  (one definition; Gold models import them here)

DRIVER = ["session_key", "driver_number"]
LAP = ["session_key", "driver_number", "lap_number"]


def session_kind(sessions: ir.Table) -> ir.Value:
    """'race', 'sprint', 'qualifying', 'sprint_shootout' or 'practice', from
    `session_type` and `session_name`: a Race-type session named "Sprint…"
    (2021 "Sprint Qualifying", "Sprint") is a sprint race; a Qualifying-type
    session named "Sprint…" ("Sprint Shootout", 2024+ "Sprint Qualifying") is
    a sprint shootout."""
    sprint = sessions.session_name.upper().contains("SPRINT").fill_null(False)
    return ibis.cases(
        ((sessions.session_type == "Race") & sprint, "sprint"),
        (sessions.session_type == "Race", "race"),
        ((sessions.session_type == "Qualifying") & sprint, "sprint_shootout"),
        (sessions.session_type == "Qualifying", "qualifying"),
        else_="practice",
    )


def session_kinds(sessions: ir.Table) -> ir.Table:
    """(session_key, year, session_kind) per session."""
    return sessions.select("session_key", year=sessions.year.cast("int32"), session_kind=session_kind(sessions))


def driver_names(drivers: ir.Table) -> ir.Table:
    """Drivers that appear in TimingData (support-race entries left out)."""
    d = drivers.filter(drivers.in_timing)
    return d.select("session_key", "driver_number", "abbreviation", "team_name")


def timed_laps(laps: ir.Table) -> ir.Table:
    """Laps whose time counts for a best lap: a lap time, not deleted, and not
    an in-lap timed to the pit entry (the qualifying in-laps of 2019 Monza Q3
    carry 1:45-1:53 "times" F1 never counted). An in-lap whose time was taken
    on the line well before its pit entry (`lap_start + lap_time < pit_in - 1 s`:
    silver.laps runs a lap interrupted by a red flag on to the pit entry, e.g.
    BOT's 1:19.354 in 2019 Monza Q3) keeps its time."""
    in_lap = laps.pit_in_session_s.notnull()
    timed_before_pit = (laps.lap_start_session_s + laps.lap_time_s < laps.pit_in_session_s - 1.0).fill_null(False)
    return laps.filter(laps.lap_time_s.notnull(), ~laps.deleted.fill_null(False), ~in_lap | timed_before_pit)


def first_per(t: ir.Table, by: list[str], order) -> ir.Table:
    """The first row of each `by` group in `order` (ties broken by the order given)."""
    w = ibis.window(group_by=by, order_by=order)
    return t.mutate(_rn=ibis.row_number().over(w)).filter(ibis._._rn == 0).drop("_rn")


def left(t: ir.Table, other: ir.Table, keys: list[str]) -> ir.Table:
    """Left join on same-named keys, keeping one copy of the keys."""
    return left_all(t, [(other, keys)])


def median_by(t: ir.Table, by: list[str], col: str, name: str) -> ir.Table:
    """(by..., name): the median of `col` per group, portably (SQLite has no
    median): the mean of the middle one or two values by row number."""
    t = t.filter(t[col].notnull())
    w = ibis.window(group_by=by, order_by=[t[col]])
    t = t.mutate(_i=ibis.row_number().over(w), _n=t[col].count().over(ibis.window(group_by=by)))
    mid = (t._i * 2 == t._n - 1) | (t._i * 2 == t._n) | (t._i * 2 == t._n - 2)
    t = t.filter(ibis.ifelse(t._n % 2 == 1, t._i * 2 == t._n - 1, (t._i * 2 == t._n) | (t._i * 2 == t._n - 2)) & mid)
    return t.group_by(by).aggregate(**{name: t[col].mean()})
