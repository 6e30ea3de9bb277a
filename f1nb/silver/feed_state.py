"""The final state of a feed that F1 keeps as a tree of per-driver (or per-entry)
records: for each (entity, leaf) the value of the latest message that carried it,
pivoted to one column per leaf. Used by the Silver tables of the feeds no other
table reads (TimingStats, TopThree, TyreStintSeries, ChampionshipPrediction)."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir


def latest_values(t: ir.Table, keys: list[str], leaf: str, text: dict[str, str] | None = None,
                  num: dict[str, str] | None = None) -> ir.Table:
    """One row per `keys`: for each output column, the latest (highest seq) value of the
    leaf path given for it. `t` has `keys`, `leaf`, seq, value and value_num. F1's ""
    (cleared) is a value: the column is null where the latest message cleared it."""
    text, num = text or {}, num or {}
    t = t.filter(t[leaf].isin(sorted(set(text.values()) | set(num.values()))))
    newest = ibis.row_number().over(ibis.window(group_by=[*keys, leaf], order_by=ibis.desc("seq")))
    t = t.mutate(_newest=newest)
    t = t.filter(t._newest == 0)
    blank = t.value.isnull() | (t.value == "")
    aggs = {name: ibis.ifelse((t[leaf] == path) & ~blank, t.value, None).max() for name, path in text.items()}
    aggs.update({name: ibis.ifelse((t[leaf] == path) & ~blank, t.value_num, None).max() for name, path in num.items()})
    return t.group_by(keys).aggregate(**aggs)


def split_first(t: ir.Table, column: str, head: str, rest: str) -> ir.Table:
    """`column` "a.b.c" -> `head` "a", `rest` "b.c" (null head/rest where there is no dot)."""
    dot = t[column].find(".")  # 0-based; -1 when absent
    return t.mutate(**{head: ibis.ifelse(dot > 0, t[column].substr(0, dot), None),
                       rest: ibis.ifelse(dot > 0, t[column].substr(dot + 1), None)})


def as_int(text: ir.StringValue) -> ir.IntegerValue:
    """A non-negative integer written as text, else null (SQLite has no TRY_CAST)."""
    return ibis.ifelse(text.re_search(r"^[0-9]{1,9}$"), text, None).cast("int32")
