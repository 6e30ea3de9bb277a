"""The gap to the car ahead over a race (f1nb.analysis.car_ahead_gaps: gold.car_ahead
where the session has car data, F1's interval at each line crossing otherwise)."""

from __future__ import annotations

from matplotlib.lines import Line2D

from ..errors import F1nbError
from ..session_ref import RACE_KINDS
from .common import (abbreviation, colour_for, drivers_frame, edge_colour, new_figure, select_drivers,
                     session_kind, styled_plot, title_of)
from .laps import TOP_N, _default_drivers, _shade_track_status, band_handles

DRS_S = 1.0  # within a second of the car ahead at the detection point: DRS


@styled_plot
def gap_to_car_ahead(session, drivers=None, style: str = "auto", top: int = TOP_N):
    """Each driver's gap to the car ahead on the road (s) against race laps, in team colours,
    with the 1 s DRS line and laps under yellow/SC/VSC shaded. With no drivers named, the top
    `top` finishers. The title says which table the gaps come from (`fig.f1nb_source`)."""
    # Ibis (the engine's query) on first use, so `import f1nb.plots` stays light
    from ..analysis.car_ahead_gaps import CAR_AHEAD, SOURCES, car_ahead_gaps

    if session_kind(session) not in RACE_KINDS:
        raise F1nbError(f"{session.label} is not a race: the gap to the car ahead is drawn for races and sprints")
    d = _default_drivers(session, select_drivers(session, drivers_frame(session), drivers), drivers, top)
    gaps = car_ahead_gaps(session, list(d.driver_number))
    if gaps.empty:
        raise F1nbError(f"{session.label}: no gaps to the car ahead (no car data and no intervals in the feed)")
    source = gaps.attrs["source"]
    fig, axes = new_figure(style, figsize=(11, 5.5))
    ax = axes[0, 0]
    bands = _shade_track_status(ax, session, session.get_laps())
    dense = source == CAR_AHEAD
    handles = []
    for number in d.driver_number:
        g = gaps[gaps.driver_number == number]
        if g.empty:
            continue
        colour, ls = colour_for(d, number)
        name = abbreviation(d, number)
        ax.plot(g.lap, g.gap_s, ls, color=colour, lw=1.4 if dense else 1.6, marker=None if dense else "o", ms=3,
                label=name)
        handles.append(Line2D([], [], color=colour, ls=ls, label=name))
    ax.axhline(DRS_S, color=edge_colour(style), lw=0.8, ls=":")
    ax.annotate("DRS 1 s", (0.0, DRS_S), xycoords=("axes fraction", "data"), xytext=(2, 2),
                textcoords="offset points", fontsize=7, color=edge_colour(style))
    top = max(float(gaps.gap_s.quantile(0.95)) * 1.2, 2.5)
    above = int((gaps.gap_s > top).sum())
    if above:  # pit stops and lapped traffic would squash the racing gaps
        ax.set_ylim(0, top)
        ax.text(0.99, 0.98, f"{above} points above the chart (pit stops, lapping)", transform=ax.transAxes,
                ha="right", va="top", fontsize=7, alpha=0.8)
    else:
        ax.set_ylim(bottom=0)
    ax.set_xlabel("Lap")
    ax.set_ylabel("Gap to the car ahead (s)")
    ax.set_title(title_of(session, f"Gap to the car ahead ({source})"))
    ax.text(0.0, -0.12, f"Source: {SOURCES[source]}", transform=ax.transAxes, fontsize=7, alpha=0.8, va="top")
    ax.legend(handles=handles + band_handles(bands), loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    fig.f1nb_source = source
    return fig


__all__ = ["gap_to_car_ahead"]
