"""Corner labels from gold.corners (found in the data: no network) on telemetry plots."""

from __future__ import annotations

import pandas as pd

from ..errors import LakeError


def session_corners(session) -> pd.DataFrame:
    """The session's corners (corner_number, distance_m, x, y in decimetres); empty when none
    were found (no car data, or gold.corners not built)."""
    try:
        return session.sql("SELECT corner_number, distance_m, x, y FROM gold.corners "
                           "WHERE session_key = {session_key} ORDER BY corner_number")
    except LakeError as exc:  # a lake built before gold.corners existed: no labels
        if "corners" not in str(exc):
            raise
        return pd.DataFrame(columns=["corner_number", "distance_m", "x", "y"])


def label_distance_axis(ax, corners: pd.DataFrame, colour: str) -> None:
    """A dotted line and the corner's number at each corner's distance along the lap."""
    for c in corners.itertuples():
        ax.axvline(c.distance_m, color=colour, lw=0.6, ls=":", alpha=0.7, zorder=0)
        ax.annotate(f"T{c.corner_number}", (c.distance_m, 1.0), xycoords=("data", "axes fraction"),
                    xytext=(0, 2), textcoords="offset points", ha="center", va="bottom", fontsize=7,
                    color=colour)


def label_track(ax, corners: pd.DataFrame, colour: str) -> None:
    """Each corner's number beside its apex on a track map drawn in metres."""
    for c in corners.itertuples():
        ax.annotate(str(c.corner_number), (c.x / 10.0, c.y / 10.0), xytext=(6, 6), textcoords="offset points",
                    fontsize=8, fontweight="bold", color=colour, zorder=4)


__all__ = ["label_distance_axis", "label_track", "session_corners"]


def finish_track_map(ax, x, y, session, colour: str) -> None:
    """What every track map ends with: the start marked, the corners labelled, a bare frame
    at equal aspect (x and y are metres on the ground)."""
    ax.plot(x[0], y[0], marker="o", ms=8, color=colour, zorder=3)
    ax.annotate("start", (x[0], y[0]), xytext=(8, 8), textcoords="offset points", fontsize=8)
    label_track(ax, session_corners(session), colour)
    ax.set_aspect("equal")
    ax.autoscale_view()
    ax.axis("off")
