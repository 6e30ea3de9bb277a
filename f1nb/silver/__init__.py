"""Silver: cleaned, typed tables, each an Ibis model over Bronze.

Every model of the layer is listed in `MODELS` (the engine collects the lists;
nothing registers itself on import). The other modules here are helpers the
models share."""

from . import (
    car_telemetry,
    championship_prediction,
    driver_race_info,
    drivers,
    intervals,
    lap_boundaries,
    lap_count,
    lap_series,
    laps,
    pit_stops,
    positions,
    race_control_messages,
    session_status,
    stints,
    team_radio,
    timing_final,
    timing_stats,
    top_three,
    track_status,
    tyre_stint_series,
    weather,
)

MODELS = (
    car_telemetry.car_telemetry,
    championship_prediction.championship_prediction,
    driver_race_info.driver_race_info,
    drivers.drivers,
    intervals.intervals,
    lap_boundaries.lap_boundaries,
    lap_count.lap_count,
    lap_series.lap_series,
    laps.laps,
    pit_stops.pit_stops,
    positions.positions,
    race_control_messages.race_control_messages,
    session_status.session_status,
    stints.stints,
    team_radio.team_radio,
    timing_final.timing_final,
    timing_stats.timing_stats,
    top_three.top_three,
    track_status.track_status,
    tyre_stint_series.tyre_stint_series,
    weather.weather,
)
