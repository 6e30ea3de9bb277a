"""`gold.team_season`: each team's season across every session in the lake.

Key: (year, team_name) (team names as the feed spells them in that season).
Same figures as `gold.driver_season` (see there), summed over the team's
drivers from `gold.results`; `races` counts Grand Prix sessions the team
took part in, `drivers` the distinct abbreviations that drove for it."""


from ..modeling import checks
from ..modeling.model import model
from .driver_season import season_aggregates


@model(
    "gold.team_season",
    inputs=["gold.results"],
    schema={"year": "int32", "team_name": "string", "points": "float64", "wins": "int32", "sprint_wins": "int32",
            "podiums": "int32", "poles": "int32", "races": "int32", "qualifyings": "int32",
            "average_finish": "float64", "average_quali_position": "float64", "drivers": "int32"},
    checks=[checks.unique("year", "team_name"), checks.not_null("year", "team_name", "points"),
            checks.in_range("points", 0, None)],
    per_session=False,
)
def team_season(results):
    """One row per team per season."""
    r = results.filter(results.team_name.notnull())
    g = season_aggregates(r, ["year", "team_name"])
    n = r.group_by(["year", "team_name"]).aggregate(drivers=r.abbreviation.nunique())
    return g.join(n, ["year", "team_name"])
