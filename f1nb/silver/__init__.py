"""Silver: cleaned, typed tables, each a registered Ibis model over Bronze."""

from . import (  # noqa: F401  (importing registers the models)
    car_telemetry,
    drivers,
    intervals,
    lap_boundaries,
    lap_count,
    laps,
    pit_stops,
    positions,
    race_control_messages,
    session_status,
    stints,
    timing_final,
    track_status,
    weather,
)
