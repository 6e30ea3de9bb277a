"""Custom data checks for Gold tables (each counts violating sessions or rows)."""

from __future__ import annotations

import ibis

from ..modeling.checks import Check
from .points import fastest_lap_point_expr, full_points_expr, scoring_positions_expr


def positions_contiguous(by: tuple[str, ...] = ("session_key",), col: str = "position") -> Check:
    """Within each `by` group, positions are exactly 1..n (unique, no gaps)."""
    def count(t):
        g = t.group_by(list(by)).aggregate(n=t.count(), lo=t[col].min(), hi=t[col].max(), nd=t[col].nunique())
        return g.filter((g.lo != 1) | (g.hi != g.n) | (g.nd != g.n) | g.lo.isnull()).count()

    return Check(f"positions_contiguous({', '.join(by)}: {col})", count)


def points_total() -> Check:
    """In races and sprints where every scoring position went to a classified
    driver, the points handed out equal the rules' total (plus the fastest-lap
    point where it was awarded)."""
    def count(t):
        r = t.filter(t.session_kind.isin(["race", "sprint"]))
        g = r.group_by(["session_key", "year", "session_kind"]).aggregate(
            got=r.points.sum(), n_classified=r.classified.cast("int32").sum(),
            fl_top=(r.fastest_lap & r.classified & (r.position <= 10)).any())
        bonus = ibis.ifelse(fastest_lap_point_expr(g.year, g.session_kind) & g.fl_top, 1.0, 0.0)
        expected = full_points_expr(g.year, g.session_kind) + bonus
        full = g.n_classified >= scoring_positions_expr(g.year, g.session_kind)
        return g.filter(full & ((g.got - expected).abs() > 1e-9)).count()

    return Check("points_total(fully classified races)", count)


def _silver_drivers(t):
    """silver.drivers from t's backend; unbound, with its declared schema, when t is unbound
    (the build plan compiles every check once, to SQL over the lake's tables)."""
    from ibis.common.exceptions import IbisError

    try:
        return t._find_backend().table("drivers", database="silver")
    except IbisError:
        from ..silver.drivers import drivers

        return ibis.table(drivers.schema, name="drivers", database="silver")


def all_timed_drivers_present() -> Check:
    """Every driver of silver.drivers with `in_timing` has a row (read from the same backend)."""
    def count(t):
        drivers = _silver_drivers(t)
        drivers = drivers.filter(drivers.in_timing & drivers.session_key.isin(t.select("session_key").distinct().session_key))
        return drivers.anti_join(t, ["session_key", "driver_number"]).count()

    return Check("all in_timing drivers in results", count)


def position_matches_feed() -> Check:
    """Races and sprints: a finisher's computed `position` equals the feed's final
    `Position` (which reflects the penalties applied before the classification).
    A difference means a penalty or decision the text did not give us, or a
    feed that was not updated: the computed order must not override the feed
    silently."""
    def count(t):
        r = t.filter(t.session_kind.isin(["race", "sprint"]) & t.status.isin(["finished", "lapped"]))
        return r.filter(r.feed_position.notnull() & (r.position != r.feed_position)).count()

    return Check("position_matches_feed(race and sprint finishers)", count)
