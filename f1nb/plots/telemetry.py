"""Telemetry plots: two laps compared along the distance, and the track map."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.colors import BoundaryNorm, ListedColormap, Normalize

from ..analysis.lap_delta import compare_laps
from ..errors import F1nbError
from .corners import finish_track_map, label_distance_axis, session_corners
from .common import (
    styled_plot,
    abbreviation,
    assign_colours,
    drivers_frame,
    edge_colour,
    fmt_laptime,
    lap_telemetry,
    new_figure,
    resolve_lap,
    title_of,
)


def _lap_time(session, number: int, lap: int):
    laps = session.get_laps(number)
    row = laps[laps.lap_number == lap]
    return None if row.empty else row.lap_time_s.iloc[0]


@styled_plot
def telemetry_comparison(session, driver1, driver2, lap1="fastest", lap2="fastest", style: str = "auto"):
    """Speed, throttle, brake and gear of two laps against the distance, and the time delta
    (driver2 relative to driver1; above zero = driver2 behind) from `Session.compare_laps`,
    which ends at the difference of the lap times."""
    d = drivers_frame(session)
    n1, n2 = session.driver_number(driver1), session.driver_number(driver2)
    cmp = compare_laps(session, n1, n2, lap1, lap2)  # the delta, and which laps 'fastest' means
    t1, l1 = lap_telemetry(session, n1, cmp.attrs["a_lap_number"])
    t2, l2 = lap_telemetry(session, n2, cmp.attrs["b_lap_number"])
    c1 = d[d.driver_number == n1].colour.iloc[0] if (d.driver_number == n1).any() else "#1f77b4"
    c2 = d[d.driver_number == n2].colour.iloc[0] if (d.driver_number == n2).any() else "#ff7f0e"
    same_team = c1 == c2
    if same_team:  # teammates: keep the team colour for one, a contrasting one for the other
        c2 = "#9A9A9A" if style == "light" else "#d0d0d0"
    fig, axes = new_figure(style, nrows=5, figsize=(11, 9), sharex=True,
                           gridspec_kw={"height_ratios": [3, 1.3, 0.8, 1.2, 1.5]})
    ax_speed, ax_thr, ax_brk, ax_gear, ax_delta = axes[:, 0]
    a1 = f"{abbreviation(d, n1)} lap {l1}"
    a2 = f"{abbreviation(d, n2)} lap {l2}"
    lt1, lt2 = _lap_time(session, n1, l1), _lap_time(session, n2, l2)
    for tel, colour, name, lt in ((t1, c1, a1, lt1), (t2, c2, a2, lt2)):
        label = f"{name} ({fmt_laptime(lt)})" if lt is not None and pd.notna(lt) else name
        ax_speed.plot(tel.distance_m, tel.speed_kph, color=colour, lw=1.5, label=label)
        ax_thr.plot(tel.distance_m, tel.throttle.clip(0, 100), color=colour, lw=1.2)
        ax_brk.plot(tel.distance_m, (tel.brake.clip(0, 100) > 0).astype(int) * 100 if tel.brake.max() <= 1
                    else tel.brake.clip(0, 100), color=colour, lw=1.2)
        ax_gear.step(tel.distance_m, tel.gear, where="post", color=colour, lw=1.2)
    ax_speed.set_ylabel("Speed (km/h)")
    ax_speed.legend(loc="lower right")
    label_distance_axis(ax_speed, session_corners(session), edge_colour(style))
    ax_thr.set_ylabel("Throttle %")
    ax_thr.set_ylim(-5, 105)
    ax_brk.set_ylabel("Brake")
    ax_brk.set_ylim(-5, 105)
    ax_gear.set_ylabel("Gear")
    ax_gear.set_yticks(range(0, 9, 2))
    dist, delta = cmp.distance_m.to_numpy(), cmp.delta_s.to_numpy()
    ax_delta.axhline(0, color=edge_colour(style), lw=0.8)
    ax_delta.plot(dist, delta, color=c2, lw=1.6)
    ax_delta.fill_between(dist, delta, 0, where=delta >= 0, color=c1, alpha=0.25, interpolate=True)
    ax_delta.fill_between(dist, delta, 0, where=delta < 0, color=c2, alpha=0.25, interpolate=True)
    ax_delta.set_ylabel(f"Δ {abbreviation(d, n2)} − {abbreviation(d, n1)} (s)")
    ax_delta.set_xlabel("Distance (m)")
    if len(delta):
        ax_delta.annotate(f"{delta[-1]:+.3f} s", (dist[-1], delta[-1]), xytext=(-4, 6), ha="right",
                          textcoords="offset points", fontsize=8)
    fig.suptitle(title_of(session, f"Telemetry: {a1} vs {a2}"), fontweight="bold")
    fig.f1nb_delta = (dist, delta)
    return fig


# track_map's colourings: the option's name -> the silver.car_telemetry column
COLOUR_COLUMNS = {"speed": "speed_kph", "gear": "gear", "throttle": "throttle", "brake": "brake"}


@styled_plot
def track_map(session, driver=None, lap="fastest", color_by: str = "speed", style: str = "auto"):
    """The driver's lap drawn from silver.positions (x, y in decimetres), coloured by speed or gear
    from car telemetry at the same session time."""
    if color_by not in COLOUR_COLUMNS:
        raise F1nbError(f"color_by must be speed, gear, throttle or brake, not {color_by!r}")
    d = drivers_frame(session)
    if driver is None:  # the session's fastest driver
        laps = session.get_laps()
        timed = laps[laps.lap_time_s.notna() & ~laps.deleted.fillna(False).astype(bool)]
        if timed.empty:
            raise F1nbError(f"{session.label}: no timed lap to draw the track from")
        driver = int(timed.loc[timed.lap_time_s.idxmin(), "driver_number"])
    number = session.driver_number(driver)
    lap_no = resolve_lap(session, number, lap)
    pos = session.get_positions(number, lap_no)
    if "status" in pos.columns:
        on = pos[pos.status.fillna("OnTrack") == "OnTrack"]
        pos = on if len(on) > 10 else pos
    pos = pos.dropna(subset=["x", "y"]).sort_values("session_time_s")
    if len(pos) < 10:
        raise F1nbError(f"{session.label}: no position data for driver {driver} lap {lap_no} "
                        "(loaded with --no-telemetry, or the feed has a gap)")
    tel, _ = lap_telemetry(session, number, lap_no)
    x = pos.x.to_numpy(float) / 10.0
    y = pos.y.to_numpy(float) / 10.0
    column = COLOUR_COLUMNS[color_by]
    values = np.interp(pos.session_time_s.to_numpy(float), tel.session_time_s.to_numpy(float),
                       tel[column].to_numpy(float))
    points = np.column_stack([x, y]).reshape(-1, 1, 2)
    segments = np.concatenate([points[:-1], points[1:]], axis=1)
    fig, axes = new_figure(style, figsize=(8.5, 7.5))
    ax = axes[0, 0]
    # the track outline underneath, then the coloured lap
    ax.plot(x, y, color=edge_colour(style), lw=9, alpha=0.25, solid_capstyle="round", zorder=1)
    if color_by == "gear":
        import matplotlib

        base = matplotlib.colormaps["Paired"]
        cmap = ListedColormap([base(i) for i in range(8)])
        norm = BoundaryNorm(np.arange(0.5, 9.5, 1), cmap.N)
        seg_values = np.round(values[:-1])
    else:
        import matplotlib

        cmap = matplotlib.colormaps["plasma"]
        norm = Normalize(np.nanmin(values), np.nanmax(values))
        seg_values = (values[:-1] + values[1:]) / 2
    lc = LineCollection(segments, cmap=cmap, norm=norm, linewidths=4, zorder=2, capstyle="round")
    lc.set_array(seg_values)
    ax.add_collection(lc)
    finish_track_map(ax, x, y, session, edge_colour(style))
    units = {"speed": "Speed (km/h)", "gear": "Gear", "throttle": "Throttle %", "brake": "Brake"}
    cbar = fig.colorbar(lc, ax=ax, shrink=0.7, pad=0.02, label=units[color_by])
    if color_by == "gear":
        cbar.set_ticks(range(1, 9))
    ax.set_title(title_of(session, f"Track map, {units[color_by].split(' ')[0].lower()} — "
                                   f"{abbreviation(d, number)} lap {lap_no}"))
    return fig


__all__ = ["telemetry_comparison", "track_map", "assign_colours"]
