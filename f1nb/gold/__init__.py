"""Gold: aggregated, analysis-ready tables, each a registered Ibis model over Silver."""

from . import (  # noqa: F401  (importing registers the models)
    fastest_laps,
    results,
    sector_bests,
    speed_traps,
)
