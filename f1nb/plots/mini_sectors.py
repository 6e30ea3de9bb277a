"""The track coloured by who was faster in each mini-sector between two drivers
(FastF1's gallery draws it by hand; here the times come from the engine:
f1nb.analysis.mini_sectors)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D

from ..errors import F1nbError
from .common import abbreviation, colour_for, drivers_frame, edge_colour, new_figure, styled_plot, title_of
from .corners import finish_track_map

TIE_COLOUR = "#8C8C8C"
MINI_SECTORS = 25  # f1nb.analysis.mini_sectors.MINI_SECTORS (importing it brings Ibis)


def _colours(d, na: int, nb: int, style: str) -> tuple[str, str]:
    """Team colours of the two drivers; teammates (one colour) get a contrasting grey for b,
    as in the telemetry comparison."""
    ca, cb = colour_for(d, na)[0], colour_for(d, nb)[0]
    if ca.upper() == cb.upper():
        cb = "#5A5A5A" if style == "light" else "#d0d0d0"
    return ca, cb


@styled_plot
def mini_sector_map(session, driver1, driver2, lap1="fastest", lap2="fastest", mini_sectors: int = MINI_SECTORS,
                    style: str = "auto"):
    """The track (driver1's lap, from silver.car_telemetry's x/y) cut into `mini_sectors` equal
    parts of the lap's distance, each drawn in the team colour of the driver who took less time
    across it; the legend counts the mini-sectors each won. `fig.f1nb_mini_sectors` holds the
    comparison (f1nb.analysis.mini_sectors.compare_mini_sectors)."""
    # Ibis (the engine's query) on first use, so `import f1nb.plots` stays light
    from ..analysis.mini_sectors import compare_mini_sectors, mini_sector_track

    d = drivers_frame(session)
    cmp = compare_mini_sectors(session, driver1, driver2, lap1, lap2, mini_sectors)
    na, nb, n = cmp.attrs["a_driver_number"], cmp.attrs["b_driver_number"], cmp.attrs["mini_sectors"]
    track = mini_sector_track(session, na, cmp.attrs["a_lap_number"], n)
    if len(track) < 10:
        raise F1nbError(f"{session.label}: no positions in the car data of driver {driver1} lap "
                        f"{cmp.attrs['a_lap_number']} to draw the track from")
    ca, cb = _colours(d, na, nb, style)
    colour_of = {na: ca, nb: cb}
    colour_by_sector = {int(k): colour_of[int(w)] if pd.notna(w) else TIE_COLOUR
                        for k, w in zip(cmp.mini_sector, cmp.faster_driver)}
    x, y = track.x.to_numpy(float) / 10.0, track.y.to_numpy(float) / 10.0
    points = np.column_stack([x, y]).reshape(-1, 1, 2)
    segments = np.concatenate([points[:-1], points[1:]], axis=1)
    # a segment belongs to the mini-sector of its end sample
    seg_colours = [colour_by_sector.get(int(k), TIE_COLOUR) for k in track.mini_sector.to_numpy()[1:]]
    fig, axes = new_figure(style, figsize=(8.5, 7.5))
    ax = axes[0, 0]
    ax.plot(x, y, color=edge_colour(style), lw=10, alpha=0.2, solid_capstyle="round", zorder=1)
    lc = LineCollection(segments, colors=seg_colours, linewidths=5, zorder=2, capstyle="round")
    ax.add_collection(lc)
    finish_track_map(ax, x, y, session, edge_colour(style))
    wins = cmp.faster_driver.value_counts(dropna=True)
    ties = int(cmp.faster_driver.isna().sum())
    handles = []
    for number, colour, lap in ((na, ca, cmp.attrs["a_lap_number"]), (nb, cb, cmp.attrs["b_lap_number"])):
        won = int(wins.get(number, 0))
        handles.append(Line2D([], [], color=colour, lw=5,
                              label=f"{abbreviation(d, number)} lap {lap}: faster in {won} of {n}"))
    if ties:
        handles.append(Line2D([], [], color=TIE_COLOUR, lw=5, label=f"no time or a tie: {ties}"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.0, -0.02), borderaxespad=0, ncol=1)
    a, b = abbreviation(d, na), abbreviation(d, nb)
    ax.set_title(title_of(session, f"Faster by mini-sector ({n}): {a} vs {b}"))
    fig.f1nb_mini_sectors = cmp
    return fig


__all__ = ["mini_sector_map"]
