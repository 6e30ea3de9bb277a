"""Data checks declared with each model. Each check counts the rows that
violate it, as one portable Ibis expression; zero means it passes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import ibis
import ibis.expr.types as ir


@dataclass(frozen=True)
class Check:
    name: str
    violations: Callable[[ir.Table], ir.IntegerScalar]

    def run(self, table: ir.Table) -> int:
        return int(self.violations(table).execute() or 0)


def unique(*cols: str) -> Check:
    def count(t: ir.Table):
        dup = t.group_by(list(cols)).aggregate(n=ibis._.count()).filter(ibis._.n > 1)
        return dup.n.sum().fill_null(0)

    return Check(f"unique({', '.join(cols)})", count)


def not_null(*cols: str) -> Check:
    def count(t: ir.Table):
        cond = ibis.or_(*(t[c].isnull() for c in cols))
        return t.filter(cond).count()

    return Check(f"not_null({', '.join(cols)})", count)


def in_range(col: str, low: float | None = None, high: float | None = None) -> Check:
    def count(t: ir.Table):
        conds = []
        if low is not None:
            conds.append(t[col] < low)
        if high is not None:
            conds.append(t[col] > high)
        return t.filter(ibis.or_(*conds)).count()

    return Check(f"in_range({col}, {low}, {high})", count)


def accepted_values(col: str, values: list) -> Check:
    def count(t: ir.Table):
        return t.filter(t[col].notnull() & ~t[col].isin(values)).count()

    return Check(f"accepted_values({col})", count)


def expression(name: str, bad_rows: Callable[[ir.Table], ir.BooleanColumn]) -> Check:
    """A custom check: `bad_rows(t)` is true on each violating row."""
    return Check(name, lambda t: t.filter(bad_rows(t)).count())
