"""`gold.teammate_head_to_head`: per session, each pair of teammates compared.

Key: (session_key, team_name, driver_a, driver_b), driver_a < driver_b by
abbreviation. Built from `gold.results` (positions, best laps, qualifying
part times) and `gold.race_pace` (median clean lap), so trace to
`silver.laps` through those tables' (session_key, driver_number) rows.
- `ahead`: the abbreviation of the better-placed driver in the session's
  classification (races: finishing order; qualifying/practice: timed order).
- Qualifying: `quali_part` = the last part in which both set a time and
  `quali_delta_s` = a's best in it − b's.
- `best_lap_delta_s` = a's best lap − b's; `pace_delta_s` = a's median clean
  lap − b's (null where either has none)."""

import ibis

from ..modeling import checks
from ..modeling.model import model


def _side(t, s):
    return t.select("session_key", "team_name", "session_kind", **{
        f"{s}": t.abbreviation, f"{s}_number": t.driver_number, f"{s}_position": t.position,
        f"{s}_best": t.best_lap_s, f"{s}_q1": t.q1_s, f"{s}_q2": t.q2_s, f"{s}_q3": t.q3_s,
        f"{s}_pace": t.median_clean_lap_s})


@model(
    "gold.teammate_head_to_head",
    inputs=["gold.results", "gold.race_pace"],
    schema={"session_key": "int64", "session_kind": "string", "team_name": "string", "driver_a": "string",
            "driver_b": "string", "position_a": "int32", "position_b": "int32", "ahead": "string",
            "quali_part": "int32", "quali_delta_s": "float64", "best_lap_delta_s": "float64",
            "pace_delta_s": "float64"},
    checks=[checks.unique("session_key", "team_name", "driver_a", "driver_b"),
            checks.not_null("session_key", "team_name", "driver_a", "driver_b", "ahead"),
            checks.expression("pair ordered", lambda t: t.driver_a >= t.driver_b)],
)
def teammate_head_to_head(results, race_pace):
    """One row per pair of teammates per session."""
    pace = race_pace.select("session_key", "driver_number", "median_clean_lap_s")
    r = results.filter(results.team_name.notnull())
    r = r.left_join(pace, ["session_key", "driver_number"]).drop("session_key_right", "driver_number_right")
    a, b = _side(r, "a"), _side(r, "b")
    j = a.join(b, [a.session_key == b.session_key, a.team_name == b.team_name, a.a < b.b])
    j = j.select(a.session_key, a.session_kind, a.team_name, *(a[c] for c in a.columns if c.startswith("a")),
                 *(b[c] for c in b.columns if c.startswith("b")))
    part = ibis.cases((j.a_q3.notnull() & j.b_q3.notnull(), 3), (j.a_q2.notnull() & j.b_q2.notnull(), 2),
                      (j.a_q1.notnull() & j.b_q1.notnull(), 1), else_=None)
    delta = ibis.cases((part == 3, j.a_q3 - j.b_q3), (part == 2, j.a_q2 - j.b_q2), (part == 1, j.a_q1 - j.b_q1),
                       else_=None)
    return j.select(
        "session_key", "session_kind", "team_name", driver_a=j.a, driver_b=j.b, position_a=j.a_position,
        position_b=j.b_position, ahead=ibis.ifelse(j.a_position < j.b_position, j.a, j.b),
        quali_part=part, quali_delta_s=delta, best_lap_delta_s=j.a_best - j.b_best,
        pace_delta_s=j.a_pace - j.b_pace)
