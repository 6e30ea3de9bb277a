"""`gold.quali_head_to_head`: teammates' qualifying battle over a season.

Key: (year, team_name, driver_a, driver_b), driver_a < driver_b by
abbreviation (drivers keyed by abbreviation within a year, as in
`gold.driver_season`). Counts 'qualifying' sessions (sprint shootouts
excluded) where both drivers have a row in `gold.results`: `a_ahead` /
`b_ahead` = sessions where that driver's qualifying position was better; `mean_position_gap` = mean of a's position − b's.
Trace each session through `gold.teammate_head_to_head` (same pair, session_key)."""


from ..modeling import checks
from ..modeling.model import model


@model(
    "gold.quali_head_to_head",
    inputs=["gold.results"],
    schema={"year": "int32", "team_name": "string", "driver_a": "string", "driver_b": "string",
            "sessions": "int32", "a_ahead": "int32", "b_ahead": "int32", "mean_position_gap": "float64"},
    checks=[checks.unique("year", "team_name", "driver_a", "driver_b"),
            checks.not_null("year", "team_name", "driver_a", "driver_b", "sessions"),
            checks.expression("counts add up", lambda t: t.a_ahead + t.b_ahead != t.sessions)],
    per_session=False,
)
def quali_head_to_head(results):
    """One row per teammate pair per season."""
    q = results.filter((results.session_kind == "qualifying") & results.team_name.notnull())
    q = q.select("session_key", "year", "team_name", "abbreviation", "position")
    a = q.rename(a="abbreviation", pa="position")
    b = q.rename(b="abbreviation", pb="position")
    j = a.join(b, [a.session_key == b.session_key, a.team_name == b.team_name, a.a < b.b])
    j = j.select(a.year, a.team_name, a.a, a.pa, b.b, b.pb)
    return j.group_by(["year", "team_name", "a", "b"]).aggregate(
        sessions=j.count(), a_ahead=(j.pa < j.pb).cast("int32").sum(), b_ahead=(j.pb < j.pa).cast("int32").sum(),
        mean_position_gap=(j.pa - j.pb).cast("float64").mean(),
    ).rename(driver_a="a", driver_b="b")
