"""Gold: aggregated, analysis-ready tables, each an Ibis model over Silver.

Every model of the layer is listed in `MODELS` (the engine collects the lists;
nothing registers itself on import). The other modules here are helpers the
models share."""

from . import (
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

MODELS = (
    car_ahead.car_ahead,
    corners.corners,
    driver_season.driver_season,
    fastest_laps.fastest_laps,
    gaps.gaps,
    lap_chart.lap_chart,
    penalties.penalties,
    pit_stop_summary.pit_stop_summary,
    quali_head_to_head.quali_head_to_head,
    race_pace.race_pace,
    results.results,
    sector_bests.sector_bests,
    speed_traps.speed_traps,
    stint_summary.stint_summary,
    team_season.team_season,
    teammate_head_to_head.teammate_head_to_head,
    track_status_periods.track_status_periods,
    weather_by_driver_lap.weather_by_driver_lap,
    weather_by_lap.weather_by_lap,
)
