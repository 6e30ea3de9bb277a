"""Car motion along the lap: piecewise-linear (time, distance, speed) nodes.

A stretch of track is cut into ~20 m nodes; each node's speed is the track's
reference speed times a pace factor, capped by pit-lane limits, standing starts
and stops. Node times follow from the trapezoid rule (dt = 2 ds / (v0 + v1)),
so integrating the (linearly interpolated) speed over any lap gives exactly the
distance driven. Telemetry and lap/sector crossing times all come from these
nodes, which keeps timing and telemetry on one timeline.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .track import A_ACC, A_BRK, NODE_M, Track

PIT_LIMIT = 80 / 3.6
STOP_S = 2.4  # stationary time in the box


@dataclass
class Motion:
    """Per-car node arrays: absolute stream time (s), cumulative distance (m), speed (m/s)."""

    t: list = field(default_factory=list)
    d: list = field(default_factory=list)
    v: list = field(default_factory=list)

    def add(self, t: np.ndarray, d: np.ndarray, v: np.ndarray) -> None:
        self.t.append(t)
        self.d.append(d)
        self.v.append(v)

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        t, d, v = np.concatenate(self.t), np.concatenate(self.d), np.concatenate(self.v)
        keep = np.concatenate([[True], np.diff(t) > 1e-9])  # drop duplicated joints
        return t[keep], d[keep], v[keep]


def stretch(track: Track, t0: float, s_from: float, s_to: float, f: float, *, pit_in: bool = False,
            pit_out: bool = False, standing: bool = False, stop_at: float | None = None,
            end_still: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nodes for driving from lap distance s_from to s_to starting at time t0.

    f scales the reference speed. pit_in: limiter from the pit entry; pit_out:
    limiter until the pit exit and a stop at the box; standing: from rest;
    stop_at: stop for good at that distance; end_still: come to rest at s_to.
    """
    L = track.length
    pts = [np.arange(s_from, s_to, NODE_M), [s_to]]
    extra = []
    if pit_out:
        extra += [track.box, track.pit_exit]
    if pit_in:
        extra += [track.pit_entry]
    if stop_at is not None:
        extra += [stop_at]
    extra = [e for e in extra if s_from < e < s_to]
    s = np.unique(np.concatenate(pts + [np.asarray(extra, dtype=float)]))
    v = f * np.interp(np.mod(s, L), track.s, track.v)
    if pit_in:
        m = s >= track.pit_entry
        v[m] = np.minimum(v[m], PIT_LIMIT)
        v = np.minimum(v, np.sqrt(PIT_LIMIT**2 + 2 * A_BRK * 0.5 * np.clip(track.pit_entry - s, 0, None)))
    if pit_out:
        v = np.where(s <= track.pit_exit, np.minimum(v, PIT_LIMIT), v)
        v = np.minimum(v, np.sqrt(PIT_LIMIT**2 + 2 * A_ACC * np.clip(s - track.pit_exit, 0, None)))
        v = np.minimum(v, np.sqrt(2 * A_BRK * 0.3 * np.abs(s - track.box)) + 0.0)
    if standing:
        v = np.minimum(v, np.sqrt(2 * A_ACC * (s - s_from)))
    if end_still:
        v = np.minimum(v, np.sqrt(2 * A_BRK * 0.3 * (s_to - s)))
    if stop_at is not None:
        v = np.minimum(v, np.sqrt(2 * A_BRK * 0.5 * np.clip(stop_at - s, 0, None)))
        keep = s <= stop_at
        s, v = s[keep], v[keep]
    ds = np.diff(s)
    vsum = v[:-1] + v[1:]
    dt = 2 * ds / np.maximum(vsum, 1e-3)
    t = t0 + np.concatenate([[0.0], np.cumsum(dt)])
    if pit_out and s_from < track.box < s_to:  # the stop: same place, later time
        i = int(np.searchsorted(s, track.box))
        t = np.concatenate([t[: i + 1], t[i:] + STOP_S])
        s = np.concatenate([s[: i + 1], s[i:]])
        v = np.concatenate([v[: i + 1], v[i:]])
    return t, s, v


def ref_lap_time(track: Track) -> float:
    t, _, _ = stretch(track, 0.0, 0.0, track.length, 1.0)
    return float(t[-1])


def crossing(t: np.ndarray, s: np.ndarray, at: float) -> float:
    """Time at which lap distance `at` is passed (first time)."""
    i = int(np.searchsorted(s, at, side="left"))
    i = min(max(i, 1), len(s) - 1)
    s0, s1 = s[i - 1], s[i]
    w = 0.0 if s1 == s0 else (at - s0) / (s1 - s0)
    return float(t[i - 1] + w * (t[i] - t[i - 1]))


def speed_at(t: np.ndarray, s: np.ndarray, v: np.ndarray, at: float) -> float:
    return float(np.interp(at, s, v))
