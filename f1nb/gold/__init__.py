"""Gold: aggregated, analysis-ready tables, each a registered Ibis model over Silver."""

from . import (  # noqa: F401  (importing registers the models)
    results,
)
