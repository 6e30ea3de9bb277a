"""`silver.intervals`: each driver's gap to the leader and interval to the car
ahead, one row per TimingData message that changed either (or `Catching`).

The feed sends each field only when it changes, so every row carries the
latest value of both (forward-filled per driver); `gap_text` and
`interval_text` keep the text as F1 sent it. Formats, all parsed with text
operations (no cast ever sees a non-numeric string, on any engine):

| text | meaning | columns |
|---|---|---|
| `+1.234`, `1.234` | seconds | `*_s` = 1.234 (from `value_num`) |
| `LAP 12` | the leader's own line: it is on lap 12 | gap 0 s, interval null (no car ahead), `*_laps` null, `leader_lap` 12 |
| `1L`, `1 L`, `+1 LAP`, `+2 LAPS` | laps down | `*_laps` = 1 / 2, `*_s` null |
| `""` | cleared | all null |

`catching` is `IntervalToPositionAhead.Catching` (true: closing on the car ahead).
"""

import ibis

from ..modeling import checks
from ..modeling.model import model
from .common import session_time_s, with_utc

KEY = ["session_key", "driver_number"]
GAP, INTERVAL, CATCHING = "GapToLeader", "IntervalToPositionAhead.Value", "IntervalToPositionAhead.Catching"


def _digits_only(s):
    rest = s
    for d in "0123456789":
        rest = rest.replace(d, "")
    return (s.length() > 0) & (rest.length() == 0)


def _safe_int(s, recognised):
    """`s` as an integer where `recognised` and all digits, else null. The cast
    only ever sees digit strings ('0' elsewhere), so no engine can fail on it.
    The digit test sits inside `CASE WHEN recognised`: an engine that evaluates a
    branch only for the rows that take it (DuckDB) runs the text work on the few
    lap-count rows alone, not on every gap."""
    ok = _digits_only(s)
    return ibis.ifelse(recognised, ibis.ifelse(ok, ibis.ifelse(ok, s, "0").cast("int32"), None), None)


def gap_key(text, num):
    """The text `parse_gap` reads: trimmed and upper-cased, and only where there is
    no number (`value_num`): a number is never a lap count nor `LAP n`, so the text
    work is done in a CASE branch, which DuckDB runs on those rows alone."""
    return ibis.ifelse(num.isnull(), text.strip().upper(), "")


def parse_gap(u, num, leader_seconds=0.0):
    """(seconds, laps, leader_lap) expressions for one gap/interval field given
    `u` = `gap_key` of its text ('' where none) and `value_num`. `leader_seconds`
    is what `LAP n` means in seconds."""
    is_leader = u.startswith("LAP")
    is_laps = ~is_leader & (u.endswith("L") | u.endswith("LAP") | u.endswith("LAPS"))
    lap_digits = u.replace("+", "").replace("LAPS", "").replace("LAP", "").replace("L", "").strip()
    leader_digits = u.replace("LAP", "").strip()
    seconds = ibis.cases((is_leader, ibis.literal(leader_seconds, "float64")), (is_laps, None), else_=num)
    return seconds, _safe_int(lap_digits, is_laps), _safe_int(leader_digits, is_leader)


def _fill(t, pairs: dict[str, tuple[str | None, str | None]]):
    """Forward-fill text columns (each with the number that arrives with it, and
    optionally its `gap_key`) per driver. Runs are numbered by the text alone, so a
    cleared "" never inherits an older number. Every run count shares one window (one
    sort); a run's values are the row that opened it (where the text is not null;
    bronze never has a number without its text), joined back on (driver, run)
    rather than spread with a window over (driver, run): those partitions are
    mostly one row long, which windows handle slowly. The key is computed on that
    row, before the join, so the parse after it reads a column, not the expression."""
    w = ibis.window(group_by=KEY, order_by=["seq"], preceding=None, following=0)
    runs = {f"_run_{text}": t[text].count().over(w) for text in pairs}
    t = t.mutate(**runs)
    filled = t.drop(*[c for text, (num, _key) in pairs.items() for c in (text, num) if c])
    for text, (num, key) in pairs.items():
        run = f"_run_{text}"
        opened = t.filter(t[text].notnull())
        cols = {text: opened[text], **({num: opened[num]} if num else {}),
                **({key: gap_key(opened[text], opened[num])} if key else {})}
        opened = opened.select(*KEY, run, **cols)
        filled = filled.left_join(opened, [*KEY, run]).drop(*(f"{k}_right" for k in (*KEY, run)))
    return filled.drop(*runs)


@model(
    "silver.intervals",
    inputs=["bronze.fields", "bronze.sessions"],
    schema={"session_key": "int64", "driver_number": "int32", "seq": "int64", "session_time_s": "float64",
            "gap_to_leader_s": "float64", "interval_s": "float64", "gap_to_leader_laps": "int32",
            "interval_laps": "int32", "leader_lap": "int32", "gap_text": "string", "interval_text": "string",
            "catching": "boolean", "utc": "timestamp('UTC', 6)"},
    checks=[checks.unique("session_key", "driver_number", "seq"),
            checks.not_null("session_key", "driver_number", "seq", "session_time_s"),
            checks.in_range("gap_to_leader_s", 0.0, 3600.0), checks.in_range("interval_s", 0.0, 3600.0),
            checks.in_range("gap_to_leader_laps", 1, 200), checks.in_range("interval_laps", 1, 200)],
)
def intervals(fields, sessions):
    """Gaps and intervals per driver over time; formats in the module doc. `utc` on the session clock."""
    t = fields.filter((fields.topic == "TimingData") & fields.driver_number.notnull()
                      & fields.field.isin([GAP, INTERVAL, CATCHING]))
    t = t.group_by([*KEY, "seq", "offset_ms"]).aggregate(
        gap_text=ibis.ifelse(t.field == GAP, t.value, None).max(),
        gap_num=ibis.ifelse(t.field == GAP, t.value_num, None).max(),
        interval_text=ibis.ifelse(t.field == INTERVAL, t.value, None).max(),
        interval_num=ibis.ifelse(t.field == INTERVAL, t.value_num, None).max(),
        catching_text=ibis.ifelse(t.field == CATCHING, t.value, None).max(),
    )
    t = _fill(t, {"gap_text": ("gap_num", "_gap_key"), "interval_text": ("interval_num", "_interval_key"),
                  "catching_text": (None, None)})
    gap_s, gap_laps, gap_leader = parse_gap(t._gap_key.fill_null(""), t.gap_num, 0.0)
    int_s, int_laps, int_leader = parse_gap(t._interval_key.fill_null(""), t.interval_num, None)
    t = t.mutate(
        session_time_s=session_time_s(t),
        gap_to_leader_s=gap_s, gap_to_leader_laps=gap_laps,
        interval_s=int_s, interval_laps=int_laps,
        leader_lap=ibis.coalesce(gap_leader, int_leader),
        catching=ibis.cases((t.catching_text == "true", True), (t.catching_text == "false", False), else_=None),
    )
    return with_utc(t, sessions, utc="session_time_s")
