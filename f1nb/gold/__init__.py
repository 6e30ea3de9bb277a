"""Gold: aggregated, analysis-ready tables, each a registered Ibis model over Silver."""

from . import (  # noqa: F401  (importing registers the models)
    fastest_laps,
    gaps,
    lap_chart,
    pit_stop_summary,
    race_pace,
    results,
    sector_bests,
    speed_traps,
    stint_summary,
    track_status_periods,
    weather_by_lap,
)
