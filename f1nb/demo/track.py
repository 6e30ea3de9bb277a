"""A closed fictional circuit: polyline, corners, speed profile, timing points.

The centre line is a smooth radial curve r(theta) with seeded harmonics,
resampled every metre. The speed profile is the classic lap-time-simulation
one: a lateral-grip limit from curvature, then forward (traction) and backward
(braking) passes. Everything else (gear, throttle, brake, DRS) is derived from
speed and acceleration along the same distance axis.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

V_TOP = 92.0  # m/s (331 km/h)
A_LAT = 38.0  # m/s^2 lateral grip (high-downforce F1 car)
A_ACC = 9.0  # m/s^2 traction-limited acceleration (mean)
A_BRK = 38.0  # m/s^2 braking
NODE_M = 20.0  # motion-node spacing in metres
GEAR_UP = np.array([0, 85, 120, 155, 190, 225, 260, 290], dtype=float)  # km/h where gear g+1 starts


@dataclass
class Track:
    length: float  # metres
    s: np.ndarray  # 1 m grid, 0 .. length
    x: np.ndarray
    y: np.ndarray
    z: np.ndarray
    v: np.ndarray  # reference speed m/s on the grid
    a: np.ndarray  # reference longitudinal acceleration m/s^2
    corners: list[float]  # distance of each numbered turn's apex
    sector_ends: tuple[float, float, float]  # distance at which sectors 1, 2, 3 end
    segments: tuple[int, int, int]  # mini-sectors per sector
    traps: dict[str, float]  # I1, I2, FL, ST -> distance
    drs_zones: list[tuple[float, float]]
    pit_entry: float  # distance on the lap where the pit lane starts
    pit_exit: float  # distance on the lap where the pit lane ends
    box: float  # distance (after the line) of the pit boxes

    # ---- lookups on the 1 m grid (vectorised, wrap around the lap) ----
    def at(self, arr: np.ndarray, dist) -> np.ndarray:
        return np.interp(np.mod(dist, self.length), self.s, arr)

    def xyz(self, dist):
        return self.at(self.x, dist), self.at(self.y, dist), self.at(self.z, dist)

    def segment_points(self) -> list[list[float]]:
        """Distances at which each mini-sector ends, per sector."""
        out, start = [], 0.0
        for end, n in zip(self.sector_ends, self.segments):
            out.append([start + (end - start) * (k + 1) / n for k in range(n)])
            start = end
        return out

    def turn_near(self, dist: float) -> int:
        d = np.abs(np.asarray(self.corners) - np.mod(dist, self.length))
        return int(np.argmin(d)) + 1

    def track_sector_of(self, dist: float) -> int:
        """Marshal sector (1..20) for race-control messages."""
        return int(np.mod(dist, self.length) / self.length * 20) + 1


def _profile(s: np.ndarray, kappa: np.ndarray) -> np.ndarray:
    vmax = np.minimum(V_TOP, np.sqrt(A_LAT / np.maximum(np.abs(kappa), 1e-6)))
    n = len(s)
    v = np.tile(vmax, 3)  # three laps so the passes wrap round the start line
    ds = 1.0
    for i in range(1, 3 * n):  # forward: traction limit, fading with speed (drag)
        acc = A_ACC * (1.4 - v[i - 1] / V_TOP)
        v[i] = min(v[i], np.sqrt(v[i - 1] ** 2 + 2 * acc * ds))
    for i in range(3 * n - 2, -1, -1):  # backward: braking limit
        v[i] = min(v[i], np.sqrt(v[i + 1] ** 2 + 2 * A_BRK * ds))
    return v[n:2 * n]


def _fillet_polygon(px: np.ndarray, py: np.ndarray, radii: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Round every vertex of a closed polygon with an arc of the given radius."""
    n = len(px)
    out_x, out_y = [], []
    for i in range(n):
        p = np.array([px[i], py[i]])
        a = np.array([px[i - 1], py[i - 1]])
        b = np.array([px[(i + 1) % n], py[(i + 1) % n]])
        la, lb = np.linalg.norm(a - p), np.linalg.norm(b - p)
        u1, u2 = (a - p) / la, (b - p) / lb
        cosang = float(np.clip(u1 @ u2, -0.999, 0.999))
        phi = np.arccos(cosang) / 2  # half the inner angle
        d = min(radii[i] / np.tan(phi), 0.45 * la, 0.45 * lb)
        r = d * np.tan(phi)
        t1, t2 = p + u1 * d, p + u2 * d
        bis = (u1 + u2) / np.linalg.norm(u1 + u2)
        c = p + bis * (r / np.sin(phi))
        a1 = np.arctan2(*(t1 - c)[::-1])
        a2 = np.arctan2(*(t2 - c)[::-1])
        da = (a2 - a1 + np.pi) % (2 * np.pi) - np.pi
        k = max(3, int(abs(da) * r / 2.0))
        ang = a1 + da * np.linspace(0, 1, k)
        out_x.extend(c[0] + r * np.cos(ang))
        out_y.extend(c[1] + r * np.sin(ang))
    return np.array(out_x), np.array(out_y)


def build_track(rng) -> Track:
    nv = int(rng.integers(10, 15))
    theta = np.sort(rng.uniform(0, 2 * np.pi, nv))
    theta = np.linspace(0, 2 * np.pi, nv, endpoint=False) * 0.6 + theta * 0.4
    rad = rng.uniform(0.55, 1.0, nv)
    stretch = rng.uniform(1.2, 1.8)
    vx, vy = rad * np.cos(theta) * stretch, rad * np.sin(theta)
    per = np.hypot(np.diff(vx, append=vx[0]), np.diff(vy, append=vy[0])).sum()
    target = rng.uniform(4300.0, 5900.0)
    vx, vy = vx * target / per, vy * target / per
    px, py = _fillet_polygon(vx, vy, rng.choice([18.0, 30.0, 45.0, 70.0, 110.0, 160.0], nv))
    seg = np.hypot(np.diff(px, append=px[0]), np.diff(py, append=py[0]))
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    length = float(np.floor(cum[-1]))
    s = np.arange(0.0, length + 1.0)
    s[-1] = length
    pxc, pyc = np.append(px, px[0]), np.append(py, py[0])
    x = np.interp(s, cum, pxc)
    y = np.interp(s, cum, pyc)
    # curvature from a smoothed heading
    hx, hy = np.gradient(x), np.gradient(y)
    heading = np.unwrap(np.arctan2(hy, hx))
    kappa = np.gradient(heading)
    k = np.ones(25) / 25
    kappa = np.convolve(np.concatenate([kappa[-25:], kappa, kappa[:25]]), k, "same")[25:-25]
    v = _profile(s, kappa)
    a = v * np.gradient(v)
    # rotate so the start line sits on the longest full-throttle straight, at its middle
    fast = v >= 0.9 * V_TOP
    runs, best, cur, start = [], (0, 0), 0, 0
    for i, f in enumerate(np.concatenate([fast, fast])):
        if f:
            cur = cur + 1 if cur else 1
            start = i - cur + 1
            if cur > best[1] - best[0]:
                best = (start, i + 1)
        else:
            cur = 0
    line = int((best[0] + best[1]) // 2) % len(s)
    idx = (np.arange(len(s) - 1) + line) % (len(s) - 1)
    idx = np.append(idx, idx[0])
    x, y, v, a, kappa = x[idx], y[idx], v[idx], a[idx], kappa[idx]
    x = x - x.mean() + rng.uniform(-800, 800)
    y = y - y.mean() + rng.uniform(-800, 800)
    z = 4.0 * np.sin(2 * np.pi * s / length + rng.uniform(0, 6.28)) + 1.5 * np.sin(6 * np.pi * s / length)
    # corners: speed minima (lowest within +-150 m) below 85% of top speed
    vm = v[:-1]
    w = 150
    ext = np.concatenate([vm[-w:], vm, vm[:w]])
    win = np.lib.stride_tricks.sliding_window_view(ext, 2 * w + 1).min(axis=1)
    mins = np.where((vm <= win + 1e-9) & (vm < 0.85 * V_TOP))[0]
    corners, last = [], -1e9
    for i in mins:
        if s[i] - last > 60:
            corners.append(float(s[i]))
            last = s[i]
    if not corners:
        corners = [length / 2]
    ends = (round(length * 0.31), round(length * 0.66), length)
    segs = (int(rng.integers(6, 9)), int(rng.integers(7, 11)), int(rng.integers(6, 9)))
    st = float(s[np.argmax(v[: len(v) // 2] * (s[: len(v) // 2] > 200))])
    traps = {"I1": float(round(length * 0.18)), "I2": float(round(length * 0.50)), "FL": length - 30.0, "ST": st}
    # DRS on the (up to 2) longest straights where the car is near top speed for 350 m or more
    runs, run0 = [], None
    for i in range(len(vm)):
        if vm[i] >= 0.85 * V_TOP and run0 is None:
            run0 = i
        elif vm[i] < 0.85 * V_TOP and run0 is not None:
            runs.append((i - run0, float(s[run0]), float(s[i])))
            run0 = None
    zones = sorted((a + 60, b - 40) for n, a, b in sorted(runs, reverse=True)[:2] if n > 200)
    return Track(length, s, x, y, z, v, a, corners, ends, segs, traps, zones,
                 pit_entry=length * 0.955, pit_exit=length * 0.05, box=length * 0.02)
