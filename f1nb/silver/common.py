"""Shared building blocks for Silver models: reading `bronze.fields` as rows,
and the portable window recipes (no `last(include_null=False)`, which compiles
without IGNORE NULLS on DuckDB/SQLite and gives wrong results)."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

MESSAGE_KEYS = ("session_key", "seq", "offset_ms", "utc", "driver_number", "item")


def topic_rows(fields: ir.Table, topic: str, text: dict[str, str] | None = None,
               num: dict[str, str] | None = None) -> ir.Table:
    """One row per message (and driver / list item) of `topic`, with a column per
    requested field: `text` columns hold the value as text, `num` columns as float.
    A column is null where that message did not carry the field."""
    text, num = text or {}, num or {}
    wanted = sorted(set(text.values()) | set(num.values()))
    t = fields.filter((fields.topic == topic) & fields.field.isin(wanted))
    aggs = {name: ibis.ifelse(t.field == path, t.value, None).max() for name, path in text.items()}
    aggs.update({name: ibis.ifelse(t.field == path, t.value_num, None).max() for name, path in num.items()})
    return t.group_by(list(MESSAGE_KEYS)).aggregate(**aggs)


def session_time_s(t: ir.Table) -> ir.FloatingColumn:
    """Stream offset in seconds (the archive lines' clock)."""
    return t.offset_ms.cast("float64") / 1000.0


def ffill(t: ir.Table, cols: list[str], by: list[str], order: list[str]) -> ir.Table:
    """Forward-fill `cols` within `by`, ordered by `order`, portably: a running
    count of non-null values numbers each run (one window for every column); the
    run's one non-null value, in the row that opened it, is then joined back on
    (by, run). A window per column over (by, run) would give the same, but each is
    a sort of the whole table (DuckDB: a millisecond or more even on a few rows).
    `by` columns must not be null."""
    w = ibis.window(group_by=by, order_by=order, preceding=None, following=0)
    runs = {f"_run_{c}": t[c].count().over(w) for c in cols}
    t = t.mutate(**runs)
    filled = t.drop(*cols)
    for c in cols:
        run = f"_run_{c}"
        opened = t.filter(t[c].notnull()).select(*by, run, c)
        filled = filled.left_join(opened, [*by, run]).drop(*(f"{k}_right" for k in (*by, run)))
    return filled.drop(*runs)


def next_value(col: ir.Column, by: list[str], order: list[str], default=None):
    """lead(col) within `by`, with a sentinel instead of NULL at the end (portable range joins)."""
    w = ibis.window(group_by=by, order_by=order)
    value = col.lead().over(w)
    return value if default is None else value.fill_null(default)


def left_all(t: ir.Table, others: list[tuple[ir.Table, list[str]]]) -> ir.Table:
    """Several left joins on same-named keys as ONE join and one SELECT level (a
    chain of join-then-drop nests a subquery per join: more for the engine to bind,
    and deeper than SQLite's parser allows), keeping one copy of the keys."""
    from ibis.expr.types.joins import Join

    def finished(x):
        return x.select(*x.columns) if isinstance(x, Join) else x

    j = finished(t)
    for i, (other, keys) in enumerate(others):
        j = j.left_join(finished(other), keys, rname=f"{{name}}__r{i}")
    j = j.select(*j.columns)
    return j.drop(*(c for c in j.columns if "__r" in c))


def utc_at(t0_utc: ir.TimestampValue, session_s: ir.FloatingValue) -> ir.TimestampValue:
    """The UTC time `session_s` seconds after stream offset 0, to the millisecond (the
    offsets' own precision; SQLite has no microsecond interval arithmetic)."""
    return t0_utc + (session_s * 1000.0).round().cast("int64").as_interval("ms")


def with_utc(t: ir.Table, sessions: ir.Table, **columns: str) -> ir.Table:
    """`t` plus, for each new column name -> session-seconds column, its UTC time on the
    session's clock (`bronze.sessions.t0_utc`, see bronze/clock.py). A column `t`
    already has (`utc`: the message's own time, on live frames) keeps its value where set."""
    clock = sessions.select("session_key", _t0_utc=sessions.t0_utc)
    t = left_all(t, [(clock, ["session_key"])])
    new = {name: utc_at(t._t0_utc, t[seconds]) for name, seconds in columns.items()}
    new = {name: (t[name].fill_null(value) if name in t.columns else value) for name, value in new.items()}
    return t.mutate(**new).drop("_t0_utc")


def under_buckets(p: ir.Table, start: str, end: str, width: float, span: float) -> ir.Table:
    """`p` (intervals [start, end] no longer than `span`) with `_bucket`: one row per bucket of
    `width` the interval touches, floor(start / width) to floor(end / width). A range join that
    also meets on the bucket of the probed value then tests each value against only the
    intervals of its bucket. `width` a power of two, so value / width is exact in floating point."""
    p = p.mutate(_b0=(p[start] / width).floor(), _b1=(p[end] / width).floor())
    out = p.mutate(_bucket=p._b0)
    for k in range(1, int(span // width) + 1):  # an interval of `span` touches at most span/width + 1 buckets
        out = out.union(p.filter(p._b0 + k <= p._b1).mutate(_bucket=p._b0 + k))
    return out.drop("_b0", "_b1")


# Floating-point addition is not associative, and the order an engine adds a SUM or AVG in is
# not fixed: DuckDB's threads, a table's physical row order (a rebuild's DELETE + INSERT
# reorders it) and a window's segment tree all change it, and with it the last bits of the
# result. Whole numbers below 2**53 add exactly as doubles in any order: so sums that must give
# the same bits run to run add each value rounded to a whole number of small units, kept as a
# double (DuckDB's window SUM over BIGINT measured 40 % slower than over DOUBLE).
def whole_units(value: ir.NumericValue, per_unit: float) -> ir.FloatingValue:
    """`value` in units of 1 / `per_unit` (e.g. 1e6 for micro-), rounded to a whole number, as float64."""
    return (value * per_unit).round(0).cast("float64")


def exact_sum(value: ir.NumericColumn, per_unit: float) -> ir.FloatingScalar:
    """The sum of `value` with each value rounded to 1 / `per_unit`: the same bits in any order."""
    return whole_units(value, per_unit).sum() / per_unit


def exact_mean(value: ir.NumericColumn, per_unit: float) -> ir.FloatingScalar:
    """The mean of the non-null `value`s, each rounded to 1 / `per_unit`: the same bits in any order."""
    return whole_units(value, per_unit).sum() / value.count() / per_unit
