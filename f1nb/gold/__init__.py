"""Gold: aggregated, analysis-ready tables, each a registered Ibis model over Silver."""

from . import (  # noqa: F401  (importing registers the models)
    car_ahead,
    corners,
    driver_season,
    fastest_laps,
    gaps,
    lap_chart,
    penalties,
    pit_stop_summary,
    quali_head_to_head,
    race_pace,
    results,
    sector_bests,
    speed_traps,
    stint_summary,
    team_season,
    teammate_head_to_head,
    track_status_periods,
    weather_by_driver_lap,
    weather_by_lap,
)
