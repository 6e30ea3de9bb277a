"""Plots of a Session: each function takes a Session and returns a matplotlib Figure.

    from f1nb import plots
    plots.lap_times(session, ["VER", "LEC"], style="dark")   # default "auto": follows the notebook theme
    plots.telemetry_comparison(session, "VER", "LEC")          # fastest laps
    plots.track_map(session, "VER", color_by="gear")
    plots.gap_to_car_ahead(session, ["VER", "LEC"])            # a race: car data, else F1's intervals
    plots.mini_sector_map(session, "VER", "LEC")               # who was faster where

Figures are built without pyplot, so they show once when returned in a notebook
(importing this module registers their PNG display in a running IPython) and
`fig.savefig(...)` works everywhere.
"""

from __future__ import annotations

from .car_ahead import gap_to_car_ahead
from .common import COMPOUND_COLOURS, STYLES, figure_png
from .laps import gap_table, gap_to_leader, lap_times, position_changes, quali_gaps, quali_table, tyre_strategy
from .mini_sectors import mini_sector_map
from .telemetry import telemetry_comparison, track_map
from .weather import weather

# name used by `%f1 plot KIND` -> function
KINDS = {
    "laps": lap_times,
    "telemetry": telemetry_comparison,
    "track": track_map,
    "strategy": tyre_strategy,
    "positions": position_changes,
    "gaps": gap_to_leader,
    "weather": weather,
    "quali": quali_gaps,
    "ahead": gap_to_car_ahead,
    "minisectors": mini_sector_map,
}



def _show_figures_as_png() -> None:
    """Figures made without pyplot have no notebook display until a backend registers
    one (`%matplotlib inline`); register PNG display for them in a running IPython."""
    try:
        from IPython import get_ipython
        from IPython.core.pylabtools import print_figure
        from matplotlib.figure import Figure
    except ImportError:
        return
    from .theme import themed_html

    shell = get_ipython()
    if shell is not None:
        png = shell.display_formatter.formatters["image/png"]
        png.for_type(Figure, lambda fig: print_figure(fig, "png", bbox_inches="tight"))
        # an "auto"-style figure: both themes as HTML, the notebook's one shown
        shell.display_formatter.formatters["text/html"].for_type(Figure, themed_html)


_show_figures_as_png()

__all__ = [
    "COMPOUND_COLOURS", "KINDS", "STYLES", "figure_png", "gap_table", "gap_to_car_ahead", "gap_to_leader",
    "lap_times", "mini_sector_map", "position_changes", "quali_gaps", "quali_table", "telemetry_comparison",
    "track_map", "tyre_strategy", "weather",
]
