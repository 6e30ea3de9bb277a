"""Lap-based plots: lap times, positions, gaps, tyre strategy, qualifying gaps."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from ..errors import F1nbError
from ..session_ref import QUALI_KINDS
from .common import (
    styled_plot,
    COMPOUND_COLOURS,
    compound_colour,
    TRACK_STATUS_COLOURS,
    abbreviation,
    colour_for,
    drivers_frame,
    edge_colour,
    fmt_laptime,
    gold_frame,
    new_figure,
    select_drivers,
    session_kind,
    title_of,
)


QUICK_FACTOR = 1.07  # FastF1's pick_quicklaps: laps within 107 % of the fastest
TOP_N = 6  # drivers drawn when none are named
_BAND_LABELS = {"red": "Red flag", "safety_car": "Safety car", "vsc": "VSC", "vsc_ending": "VSC ending",
                "yellow": "Yellow flag"}


def _shade_track_status(ax, session, laps: pd.DataFrame) -> list[str]:
    """Shade laps run under yellow / SC / VSC / red (from laps.track_status, e.g. '124');
    returns the kinds shaded, for the legend."""
    if "track_status" not in laps.columns or laps.empty:
        return []
    worst = {}
    for lap, codes in laps.groupby("lap_number").track_status:
        text = "".join(str(c) for c in codes.dropna())
        for code, label in (("5", "red"), ("4", "safety_car"), ("6", "vsc"), ("7", "vsc_ending"), ("2", "yellow")):
            if code in text:
                worst[int(lap)] = label
                break
    for lap, label in worst.items():
        ax.axvspan(lap - 0.5, lap + 0.5, color=TRACK_STATUS_COLOURS[label], alpha=0.18, lw=0, zorder=0)
    return [k for k in _BAND_LABELS if k in set(worst.values())]


def band_handles(kinds: list[str]) -> list:
    """Legend entries for the shaded track-status bands."""
    return [Patch(facecolor=TRACK_STATUS_COLOURS[k], alpha=0.35, lw=0, label=_BAND_LABELS[k]) for k in kinds]


def _default_drivers(session, d: pd.DataFrame, drivers, top: int) -> pd.DataFrame:
    """All named drivers; with none named, the first `top` of the classification."""
    if drivers is not None and (isinstance(drivers, (str, int)) or len(drivers)) or len(d) <= top:
        return d
    keep = _finishing_order(session, d)[:top]
    return d.set_index("driver_number").loc[keep].reset_index()


@styled_plot
def lap_times(session, drivers=None, style: str = "auto", accurate_only: bool = False, ax=None,
              quick_only: bool = True, top: int = TOP_N):
    """Lap time per lap for each driver: team-coloured lines, markers coloured by tyre compound,
    pit-in laps marked with a triangle, laps under yellow/SC/VSC shaded (with a legend entry).
    By default only quick laps are drawn (within 107 % of the session's fastest, FastF1's
    `pick_quicklaps` rule, named in the title) and, with no drivers named, the top `top`
    finishers; `quick_only=False` draws every timed lap."""
    d = _default_drivers(session, select_drivers(session, drivers_frame(session), drivers), drivers, top)
    everyone = session.get_laps()
    laps = everyone[everyone.driver_number.isin(d.driver_number)]
    if laps.lap_time_s.notna().sum() == 0:
        raise F1nbError(f"{session.label}: no timed laps to plot")
    if ax is None:
        fig, axes = new_figure(style, figsize=(11, 5.5))
        ax = axes[0, 0]
    else:
        fig = ax.figure
    edge = edge_colour(style)
    bands = _shade_track_status(ax, session, laps)
    counted = everyone[everyone.lap_time_s.notna() & ~everyone.deleted.fillna(False).astype(bool)] \
        if "deleted" in everyone else everyone[everyone.lap_time_s.notna()]
    limit = counted.lap_time_s.min() * QUICK_FACTOR if quick_only and not counted.empty else None
    timed_all = laps[laps.lap_time_s.notna()]
    if limit is not None:
        timed_all = timed_all[timed_all.lap_time_s <= limit]
    hidden = int(laps.lap_time_s.notna().sum() - len(timed_all))
    for _, drv in d.iterrows():
        dl = laps[laps.driver_number == drv.driver_number].sort_values("lap_number")
        if accurate_only and "is_accurate" in dl.columns:
            dl = dl[dl.is_accurate.fillna(False).astype(bool)]
        timed = dl[dl.lap_time_s.notna()]
        if limit is not None:
            timed = timed[timed.lap_time_s <= limit]
        if timed.empty:
            continue
        colour, ls = colour_for(d, drv.driver_number)
        # a dropped lap breaks the line instead of bridging it
        line = timed.set_index("lap_number").lap_time_s.reindex(range(int(dl.lap_number.min()),
                                                                      int(dl.lap_number.max()) + 1))
        ax.plot(line.index, line.to_numpy(), ls, color=colour, lw=1.4, alpha=0.9,
                label=abbreviation(d, drv.driver_number), zorder=2)
        compounds = timed.compound if "compound" in timed else pd.Series(None, index=timed.index)
        ax.scatter(timed.lap_number, timed.lap_time_s, s=26, zorder=3, edgecolors=edge, linewidths=0.5,
                   c=[compound_colour(c, session.ref.year) for c in compounds])
        pit = timed[timed.pit_in_session_s.notna()] if "pit_in_session_s" in timed else timed.iloc[:0]
        if not pit.empty:
            ax.scatter(pit.lap_number, pit.lap_time_s, marker="v", s=70, facecolors="none",
                       edgecolors=colour, linewidths=1.5, zorder=4)
        deleted = timed[timed.deleted.fillna(False).astype(bool)] if "deleted" in timed else timed.iloc[:0]
        if not deleted.empty:
            ax.scatter(deleted.lap_number, deleted.lap_time_s, marker="x", s=50, color=edge, zorder=5)
    if limit is None:
        _squash_slow_laps(ax, timed_all)
    elif hidden:
        ax.text(0.99, 0.98, f"{hidden} slower laps not drawn (pit, SC, VSC, traffic)", transform=ax.transAxes,
                ha="right", va="top", fontsize=7, alpha=0.8)
    ax.set_xlabel("Lap")
    ax.set_ylabel("Lap time")
    ax.yaxis.set_major_formatter(lambda v, _pos: fmt_laptime(v))
    what = "Lap times" + (" within 107 % of the fastest lap" if limit is not None else "")
    if drivers is None and len(d) < len(drivers_frame(session)):
        what += f", top {len(d)}"
    ax.set_title(title_of(session, what))
    names = set(timed_all.compound.fillna("UNKNOWN").str.upper()) if "compound" in timed_all else set()
    present = [c for c in COMPOUND_COLOURS if c in names]
    handles = [Line2D([], [], color=colour_for(d, n)[0], ls=colour_for(d, n)[1], label=abbreviation(d, n))
               for n in d.driver_number if (laps.driver_number == n).any()]
    handles += [Line2D([], [], ls="", marker="o", markerfacecolor=compound_colour(c, session.ref.year),
                       markeredgecolor=edge, label=c.title()) for c in present]
    handles.append(Line2D([], [], ls="", marker="v", markerfacecolor="none", markeredgecolor=edge, label="pit in"))
    handles += band_handles(bands)
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return fig


def _squash_slow_laps(ax, timed_all: pd.DataFrame) -> None:
    """All laps drawn: keep pit and SC laps from squashing the racing laps (they go above the chart)."""
    low = timed_all.lap_time_s.min()
    racing = timed_all.lap_time_s[timed_all.lap_time_s <= low * QUICK_FACTOR]
    slow = int((timed_all.lap_time_s > low * 1.15).sum())
    if slow and len(racing) >= 2:
        spread = max(racing.max() - low, 0.5)
        ax.set_ylim(low - spread * 0.1, racing.max() + spread * 0.6)
        ax.text(0.99, 0.98, f"{slow} slow laps (pit / SC / VSC) above the chart", transform=ax.transAxes,
                ha="right", va="top", fontsize=7, alpha=0.8)


@styled_plot
def position_changes(session, drivers=None, style: str = "auto"):
    """Race position per lap (lap 0 = grid, when gold.results has it), labelled at both ends."""
    d = select_drivers(session, drivers_frame(session), drivers)
    laps = session.get_laps()
    laps = laps[laps.driver_number.isin(d.driver_number) & laps.position.notna()]
    if laps.empty:
        raise F1nbError(f"{session.label}: the laps carry no positions")
    results = gold_frame(session, "gold.results")
    grid = {}
    if results is not None and "grid_position" in results:
        grid = {int(r.driver_number): int(r.grid_position) for r in results.itertuples() if pd.notna(r.grid_position)}
    fig, axes = new_figure(style, figsize=(11, 6))
    ax = axes[0, 0]
    n = int(max(laps.position.max(), len(d)))
    last_lap = int(laps.lap_number.max())
    for _, drv in d.iterrows():
        dl = laps[laps.driver_number == drv.driver_number].sort_values("lap_number")
        if dl.empty:
            continue
        xs, ys = list(dl.lap_number), list(dl.position)
        if drv.driver_number in grid:
            xs, ys = [0] + xs, [grid[drv.driver_number]] + ys
        colour, ls = colour_for(d, drv.driver_number)
        ax.plot(xs, ys, ls, color=colour, lw=2, marker="o", ms=3, label=abbreviation(d, drv.driver_number))
        ax.annotate(abbreviation(d, drv.driver_number), (xs[-1], ys[-1]), xytext=(6, 0),
                    textcoords="offset points", va="center", fontsize=8, color=colour, fontweight="bold")
        ax.annotate(abbreviation(d, drv.driver_number), (xs[0], ys[0]), xytext=(-6, 0), ha="right",
                    textcoords="offset points", va="center", fontsize=8, color=colour)
    ax.set_ylim(n + 0.5, 0.5)
    ax.set_yticks(range(1, n + 1))
    # the grid-end labels sit left of x=0: push the position numbers out past them
    longest = max((len(abbreviation(d, x)) for x in d.driver_number), default=3)
    ax.tick_params(axis="y", pad=10 + 6.0 * longest)
    ax.set_xlim(-0.8 if grid else 0.2, last_lap + 1.2)
    ax.set_xlabel("Lap" + (" (0 = grid)" if grid else ""))
    ax.set_ylabel("Position")
    ax.set_title(title_of(session, "Position changes"))
    ax.grid(axis="x", visible=False)
    return fig


def gap_table(session) -> pd.DataFrame:
    """Gap to the leader at the end of each lap (s), from silver.laps' lap end times."""
    laps = session.get_laps()
    laps = laps[laps.lap_end_session_s.notna()][["driver_number", "lap_number", "lap_end_session_s"]]
    lead = laps.groupby("lap_number").lap_end_session_s.transform("min")
    out = laps.assign(gap_s=laps.lap_end_session_s - lead)
    return out.sort_values(["lap_number", "gap_s"]).reset_index(drop=True)


@styled_plot
def gap_to_leader(session, drivers=None, style: str = "auto"):
    """Gap to the race leader at each lap's end, per driver (the leader sits on 0)."""
    d = select_drivers(session, drivers_frame(session), drivers)
    gaps = gap_table(session)
    gaps = gaps[gaps.driver_number.isin(d.driver_number)]
    if gaps.empty:
        raise F1nbError(f"{session.label}: no lap end times to compute gaps from")
    fig, axes = new_figure(style, figsize=(11, 5.5))
    ax = axes[0, 0]
    _shade_track_status(ax, session, session.get_laps())
    for _, drv in d.iterrows():
        g = gaps[gaps.driver_number == drv.driver_number].sort_values("lap_number")
        if g.empty:
            continue
        colour, ls = colour_for(d, drv.driver_number)
        ax.plot(g.lap_number, g.gap_s, ls, color=colour, lw=1.8, marker="o", ms=3,
                label=abbreviation(d, drv.driver_number))
    ax.invert_yaxis()
    ax.set_xlabel("Lap")
    ax.set_ylabel("Gap to leader (s)")
    ax.set_title(title_of(session, "Gap to leader"))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    return fig


def _finishing_order(session, d: pd.DataFrame) -> list[int]:
    results = gold_frame(session, "gold.results")
    if results is not None and not results.empty:
        order = [int(n) for n in results.sort_values("position").driver_number if n in set(d.driver_number)]
        return order + [n for n in d.driver_number if n not in order]
    laps = session.get_laps()
    last = laps.sort_values("lap_number").groupby("driver_number").tail(1)
    last = last.sort_values(["lap_number", "position"], ascending=[False, True])
    order = [int(n) for n in last.driver_number if n in set(d.driver_number)]
    return order + [n for n in d.driver_number if n not in order]


@styled_plot
def tyre_strategy(session, drivers=None, style: str = "auto"):
    """One bar per driver (finishing order, top to bottom), one segment per stint coloured by compound;
    used tyres hatched."""
    d = select_drivers(session, drivers_frame(session), drivers)
    stints = session.get_stints()
    stints = stints[stints.driver_number.isin(d.driver_number)]
    if stints.empty:
        raise F1nbError(f"{session.label}: no stints")
    order = [n for n in _finishing_order(session, d) if (stints.driver_number == n).any()]
    fig, axes = new_figure(style, figsize=(11, 0.45 * len(order) + 1.6))
    ax = axes[0, 0]
    edge = edge_colour(style)
    for y, number in enumerate(order):
        for s in stints[stints.driver_number == number].itertuples():
            start = (s.start_lap or 1) - 1
            length = max((s.end_lap or start + 1) - start, 0.3)
            colour = compound_colour(s.compound, session.ref.year)
            used = s.fresh_tyre is False or (pd.notna(s.fresh_tyre) and not bool(s.fresh_tyre))
            ax.barh(y, length, left=start, color=colour, edgecolor=edge, linewidth=0.8, height=0.7,
                    hatch="//" if used else None)
            if length >= 2:
                ax.text(start + length / 2, y, str(int(length)), ha="center", va="center", fontsize=7,
                        color="#111111")
    ax.set_yticks(range(len(order)), [abbreviation(d, n) for n in order])
    for label, n in zip(ax.get_yticklabels(), order):
        label.set_color(colour_for(d, n)[0])
        label.set_fontweight("bold")
    ax.invert_yaxis()
    ax.set_xlabel("Lap")
    ax.grid(axis="y", visible=False)
    ax.set_axisbelow(True)
    ax.set_title(title_of(session, "Tyre strategy"))
    present = [c for c in COMPOUND_COLOURS if c in set(stints.compound.fillna("UNKNOWN").str.upper())]
    handles = [Patch(facecolor=compound_colour(c, session.ref.year), edgecolor=edge, label=c.title())
               for c in present]
    handles.append(Patch(facecolor="none", edgecolor=edge, hatch="//", label="used set"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    return fig


def quali_table(session) -> pd.DataFrame:
    """Best lap per driver and gap to pole: gold.results when present, else silver.laps."""
    results = gold_frame(session, "gold.results")
    if results is not None and "best_lap_s" in results and results.best_lap_s.notna().any():
        t = results[["driver_number", "position", "best_lap_s"]].dropna(subset=["best_lap_s"])
        if "knocked_out_qualifying_part" in results:
            t = t.assign(knocked_out_qualifying_part=results.loc[t.index, "knocked_out_qualifying_part"])
    else:
        laps = session.get_laps()
        laps = laps[laps.lap_time_s.notna() & ~laps.deleted.fillna(False).astype(bool)]
        t = laps.groupby("driver_number", as_index=False).lap_time_s.min().rename(columns={"lap_time_s": "best_lap_s"})
    t = t.sort_values("position" if "position" in t else "best_lap_s").reset_index(drop=True)
    return t.assign(gap_s=t.best_lap_s - t.best_lap_s.min())


@styled_plot
def quali_gaps(session, style: str = "auto"):
    """Gap of each driver's best lap to pole, as horizontal bars in team colours."""
    d = drivers_frame(session)
    t = quali_table(session)
    t = t[t.driver_number.isin(d.driver_number)]
    if t.empty:
        raise F1nbError(f"{session.label}: no timed laps for qualifying gaps")
    fig, axes = new_figure(style, figsize=(10, 0.42 * len(t) + 1.6))
    ax = axes[0, 0]
    colours = [colour_for(d, n)[0] for n in t.driver_number]
    ax.barh(range(len(t)), t.gap_s, color=colours, edgecolor=edge_colour(style), linewidth=0.5, height=0.7)
    labels = [abbreviation(d, n) for n in t.driver_number]
    ax.set_yticks(range(len(t)), labels)
    ax.invert_yaxis()
    for y, row in enumerate(t.itertuples()):
        text = fmt_laptime(row.best_lap_s) if y == 0 else f"+{row.gap_s:.3f}"
        ax.text(row.gap_s + t.gap_s.max() * 0.01 + 0.005, y, text, va="center", fontsize=8)
    if "knocked_out_qualifying_part" in t:  # separators between Q3 / Q2 / Q1 cuts
        parts = t.knocked_out_qualifying_part.fillna(9).to_numpy()
        for y in np.nonzero(np.diff(parts))[0]:
            ax.axhline(y + 0.5, color=edge_colour(style), lw=0.8, ls=":")
    ax.set_xlim(0, max(t.gap_s.max() * 1.15, 0.1))
    quali = session_kind(session) in QUALI_KINDS
    ax.set_xlabel("Gap to pole (s)" if quali else "Gap to the fastest lap (s)")
    ax.grid(axis="y", visible=False)
    ax.set_axisbelow(True)
    kind = "Qualifying gaps to pole" if quali else "Best-lap gaps to the fastest lap"
    ax.set_title(title_of(session, kind))
    return fig
