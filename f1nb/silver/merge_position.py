"""Car samples merged with position: `x`, `y`, `z` at each car sample's time, linearly
interpolated between the driver's position samples just before and just after it
(FastF1's `merge_channels` semantics for the position channels).

In the engine, for the whole session, without an as-of join (DuckDB and Polars
only): each position sample opens a segment to the driver's next one (a lead
window over the positions alone), listed under the 1 s time bucket of its start
and, if other, of its end; a car sample finds its segment by a left range join
that also meets on its own bucket, so the car rows are joined once, where they
are (a join back would move the wide table once more). Segments longer than
GAP_S (a gap in the position data) are not interpolated across: a car sample in
such a gap, before the first position sample or at/after the last one has null
x, y, z. F1 sends position samples 4-5 times a second, so a car sample meets
about five segments."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from .common import under_buckets

KEY = ["session_key", "driver_number"]
AXES = ("x", "y", "z")
GAP_S = 1.0  # also the bucket width: a power of two, so t / GAP_S is exact


def _segments(positions: ir.Table) -> ir.Table:
    """(KEY, _bucket, _ta, _tb, _a{x,y,z}, _b{x,y,z}): each position sample to the next, under
    each bucket it overlaps; segments over GAP_S (so over two buckets) dropped."""
    # utc, not session_time_s (to the ms, so two samples can tie): a unique order, the same on every build
    w = ibis.window(group_by=KEY, order_by=["utc"])
    p = positions.select(*KEY, _ta=positions.session_time_s, _tb=positions.session_time_s.lead().over(w),
                         **{f"_a{x}": positions[x].cast("float64") for x in AXES},
                         **{f"_b{x}": positions[x].lead().over(w).cast("float64") for x in AXES})
    p = p.filter((p._tb - p._ta) <= GAP_S)
    return under_buckets(p, "_ta", "_tb", GAP_S, GAP_S)


def with_xyz(t: ir.Table, positions: ir.Table) -> ir.Table:
    """`t` (car rows: KEY, session_time_s, ...) with x, y, z interpolated from `positions`
    (KEY, utc, session_time_s, x, y, z). One left join of the car rows where they are: a range
    join on their keys alone joined back to `t` measured slower (the join back moves the
    wide rows once more)."""
    seg = _segments(positions)
    t = t.mutate(_bucket=(t.session_time_s / GAP_S).floor())
    j = t.left_join(seg, [t.session_key == seg.session_key, t.driver_number == seg.driver_number,
                          t._bucket == seg._bucket, t.session_time_s >= seg._ta, t.session_time_s < seg._tb])
    frac = (t.session_time_s - seg._ta) / (seg._tb - seg._ta)
    return j.select(*[t[c] for c in t.columns if c != "_bucket"],
                    **{x: seg[f"_a{x}"] + (seg[f"_b{x}"] - seg[f"_a{x}"]) * frac for x in AXES})
