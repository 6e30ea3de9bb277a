"""Championship points by season, from one Python dict, as portable Ibis.

`POINTS[kind]` maps (first_year, last_year) to points by finishing position.
`points_expr` turns it into a CASE expression (literals only, so it runs on
any backend, PySpark included); `points_table()` gives the same rules as an
`ibis.memtable` for inspection and joins. The fastest-lap point (2019–2024)
goes to the driver with the fastest race lap if they finish in the top 10
(race only, not sprints)."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

POINTS: dict[str, dict[tuple[int, int], list[int]]] = {
    "race": {
        (1991, 2002): [10, 6, 4, 3, 2, 1],
        (2003, 2009): [10, 8, 6, 5, 4, 3, 2, 1],
        (2010, 9999): [25, 18, 15, 12, 10, 8, 6, 4, 2, 1],
    },
    "sprint": {
        (2021, 2021): [3, 2, 1],
        (2022, 9999): [8, 7, 6, 5, 4, 3, 2, 1],
    },
}
FASTEST_LAP_POINT_YEARS = (2019, 2024)
FASTEST_LAP_MAX_POSITION = 10


def points_table() -> ir.Table:
    """(kind, first_year, last_year, position, points): the rules as a table."""
    rows = [{"kind": kind, "first_year": a, "last_year": b, "position": i + 1, "points": p}
            for kind, spans in POINTS.items() for (a, b), pts in spans.items() for i, p in enumerate(pts)]
    return ibis.memtable(rows)


def points_expr(year: ir.IntegerValue, kind: ir.StringValue, position: ir.IntegerValue) -> ir.FloatingValue:
    """Points for finishing `position` in a session of `kind` in `year` (0 where none)."""
    cases = []
    for k, spans in POINTS.items():
        for (a, b), pts in spans.items():
            for i, p in enumerate(pts):
                cases.append(((kind == k) & year.between(a, b) & (position == i + 1), float(p)))
    return ibis.cases(*cases, else_=0.0)


def full_points_expr(year: ir.IntegerValue, kind: ir.StringValue) -> ir.FloatingValue:
    """Total points the rules hand out when every scoring position is filled (no fastest-lap point)."""
    cases = [((kind == k) & year.between(a, b), float(sum(pts))) for k, spans in POINTS.items()
             for (a, b), pts in spans.items()]
    return ibis.cases(*cases, else_=0.0)


def scoring_positions_expr(year: ir.IntegerValue, kind: ir.StringValue) -> ir.IntegerValue:
    """How many positions score points."""
    cases = [((kind == k) & year.between(a, b), len(pts)) for k, spans in POINTS.items()
             for (a, b), pts in spans.items()]
    return ibis.cases(*cases, else_=0)


def fastest_lap_point_expr(year: ir.IntegerValue, kind: ir.StringValue) -> ir.BooleanValue:
    """True where the season awards a point for the fastest lap (to a top-10 finisher)."""
    a, b = FASTEST_LAP_POINT_YEARS
    return (kind == "race") & year.between(a, b)
