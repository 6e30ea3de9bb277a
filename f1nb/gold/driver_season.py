"""`gold.driver_season`: each driver's season across every session in the lake.

Key: (year, abbreviation). Driver numbers change across seasons (and a
driver keeps his three-letter abbreviation), so the driver is keyed by
abbreviation within a year; `driver_number` and `team_name` are those of his
latest session. Built from `gold.results` (trace: rows with that year and
abbreviation; those trace to `silver.laps` by session_key, driver_number).
- points: race + sprint points; wins, podiums: Grand Prix (kind 'race') only;
  sprint_wins separately.
- poles: position 1 in 'qualifying' (the qualifying result, before any grid penalty).
- races: Grand Prix sessions with a row; average_finish over classified race
  results; average_quali_position over 'qualifying' sessions.
"""

import ibis

from ..modeling import checks
from ..modeling.model import model


def season_aggregates(r, by):
    race = r.session_kind == "race"
    quali = r.session_kind == "qualifying"
    return r.group_by(by).aggregate(
        points=r.points.sum(),
        wins=(race & (r.position == 1)).cast("int32").sum(),
        sprint_wins=((r.session_kind == "sprint") & (r.position == 1)).cast("int32").sum(),
        podiums=(race & (r.position <= 3)).cast("int32").sum(),
        poles=(quali & (r.position == 1)).cast("int32").sum(),
        races=ibis.ifelse(race, r.session_key, None).nunique(),
        qualifyings=ibis.ifelse(quali, r.session_key, None).nunique(),
        average_finish=ibis.ifelse(race & r.classified, r.position.cast("float64"), None).mean(),
        average_quali_position=ibis.ifelse(quali, r.position.cast("float64"), None).mean(),
    )


@model(
    "gold.driver_season",
    inputs=["gold.results", "bronze.sessions"],
    schema={"year": "int32", "abbreviation": "string", "driver_number": "int32", "team_name": "string",
            "points": "float64", "wins": "int32", "sprint_wins": "int32", "podiums": "int32", "poles": "int32",
            "races": "int32", "qualifyings": "int32", "average_finish": "float64",
            "average_quali_position": "float64"},
    checks=[checks.unique("year", "abbreviation"), checks.not_null("year", "abbreviation", "points"),
            checks.expression("wins within races", lambda t: t.wins > t.races),
            checks.in_range("points", 0, None)],
    per_session=False,
)
def driver_season(results, sessions):
    """One row per driver per season."""
    s = sessions.select("session_key", "start_date")
    r = results.left_join(s, "session_key").drop("session_key_right")
    g = season_aggregates(r, ["year", "abbreviation"])
    w = ibis.window(group_by=["year", "abbreviation"], order_by=[ibis.desc(r.start_date), ibis.desc(r.session_key)])
    latest = r.mutate(_k=ibis.row_number().over(w)).filter(ibis._._k == 0)
    latest = latest.select("year", "abbreviation", "driver_number", "team_name")
    return g.left_join(latest, ["year", "abbreviation"]).drop("year_right", "abbreviation_right")
