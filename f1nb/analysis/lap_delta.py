"""Two laps compared along the distance: the time each car took to reach each point.

Why not just subtract the telemetry's own clocks: car data comes at ~4 Hz, so a
lap's first sample is up to 0.25 s after the line and its last up to 0.25 s
before it. Timing a lap from its first sample (as the plots did) shifts each
lap's clock by a random fraction of a sample, and ending the delta at the last
common sample drops the last fraction of each lap; and distance integrated from
speed does not come out at the same total for two laps of the same track. The
difference at the line then missed the lap times' difference by up to a few
tenths, and could change sign.

Here each lap is timed from its own line crossing (`lap_start_session_s`) and
pinned to its official lap time at the line: the points are (0 m, 0 s), each
sample's (distance, session time − lap start), and (the lap's distance, its
`lap_time_s`), the distance at the line extrapolated from the last sample at
its speed. Both laps are scaled to one length (the mean of the two), and the
times are interpolated at each distance step, so the last `delta_s` is the
difference of the lap times.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import F1nbError

STEP_M = 10.0


def lap_profile(tel: pd.DataFrame, lap_start_s: float, lap_time_s: float) -> tuple[np.ndarray, np.ndarray]:
    """(distance_m, time_s) of one lap from its samples, anchored at both lines; distance increasing."""
    tel = tel.dropna(subset=["distance_m", "session_time_s"]).sort_values("session_time_s")
    t = tel.session_time_s.to_numpy(float) - lap_start_s
    d = tel.distance_m.to_numpy(float)
    inside = (t > 0) & (t < lap_time_s)
    t, d = t[inside], d[inside]
    if len(t) < 2:
        raise F1nbError("too few car-data samples in the lap to compare it")
    v_last = float(tel.speed_kph.to_numpy(float)[inside][-1]) / 3.6 if "speed_kph" in tel else 0.0
    end = d[-1] + max(lap_time_s - t[-1], 0.0) * max(v_last, 0.0)
    d = np.concatenate([[0.0], d, [end]])
    t = np.concatenate([[0.0], t, [lap_time_s]])
    # a car standing still repeats its distance: keep the first time it got there
    d, first = np.unique(np.maximum.accumulate(d), return_index=True)
    return d, t[first]


def compare_profiles(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray],
                     step_m: float = STEP_M) -> pd.DataFrame:
    """One row per distance step: `distance_m`, `time_a_s`, `time_b_s`, `delta_s` (b − a)."""
    (da, ta), (db, tb) = a, b
    length = (da[-1] + db[-1]) / 2.0
    grid = np.append(np.arange(0.0, length, step_m), length)
    time_a = np.interp(grid, da * (length / da[-1]), ta)
    time_b = np.interp(grid, db * (length / db[-1]), tb)
    return pd.DataFrame({"distance_m": grid, "time_a_s": time_a, "time_b_s": time_b, "delta_s": time_b - time_a})


def lap_row(session, number: int, lap) -> pd.Series:
    """The silver.laps row of the lap to compare: 'fastest' is the driver's lap in gold.fastest_laps."""
    laps = session.get_laps(number)
    if lap is None or lap == "fastest":
        fl = session.get_fastest_laps()
        fl = fl[fl.driver_number == number]
        if fl.empty:
            raise F1nbError(f"{session.label}: driver {number} has no timed lap")
        lap = int(fl.lap_number.iloc[0])
    try:
        lap = int(lap)
    except (TypeError, ValueError):
        raise F1nbError(f"lap must be 'fastest' or a lap number, not {lap!r}") from None
    row = laps[laps.lap_number == lap]
    if row.empty:
        raise F1nbError(f"{session.label}: driver {number} has no lap {lap}")
    row = row.iloc[0]
    if pd.isna(row.lap_time_s) or pd.isna(row.lap_start_session_s):
        raise F1nbError(f"{session.label}: driver {number} lap {lap} has no lap time to compare")
    return row


def compare_laps(session, driver_a, driver_b, lap="fastest", lap_b=None, step_m: float = STEP_M) -> pd.DataFrame:
    """`driver_b`'s lap against `driver_a`'s, one row per `step_m` of distance:
    `distance_m`, `time_a_s`, `time_b_s`, `delta_s` (b − a: above zero, b is behind),
    `speed_a_kph`, `speed_b_kph`. `lap` is 'fastest' or a lap number (for both drivers
    unless `lap_b` is given). The frame's `attrs` name the laps and their times."""
    out = {}
    for key, driver, which in (("a", driver_a, lap), ("b", driver_b, lap if lap_b is None else lap_b)):
        number = session.driver_number(driver)
        row = lap_row(session, number, which)
        tel = session.get_car_telemetry(number, int(row.lap_number))
        if "sample_valid" in tel.columns:
            tel = tel[tel.sample_valid.fillna(True).astype(bool)]
        if tel.empty:
            raise F1nbError(f"{session.label}: no car telemetry for driver {driver} lap {int(row.lap_number)} "
                            "(loaded with --no-telemetry, or the feed has a gap)")
        out[key] = (number, row, tel, lap_profile(tel, float(row.lap_start_session_s), float(row.lap_time_s)))
    df = compare_profiles(out["a"][3], out["b"][3], step_m)
    for key in ("a", "b"):
        d, _ = out[key][3]
        tel = out[key][2].dropna(subset=["distance_m"]).sort_values("distance_m")
        scale = df.distance_m.iloc[-1] / d[-1]
        df[f"speed_{key}_kph"] = np.interp(df.distance_m, tel.distance_m.to_numpy(float) * scale,
                                           tel.speed_kph.to_numpy(float))
    df.attrs.update({f"{k}_{f}": v for k in ("a", "b") for f, v in (
        ("driver_number", out[k][0]), ("lap_number", int(out[k][1].lap_number)), ("lap_time_s", float(out[k][1].lap_time_s)))})
    return df
