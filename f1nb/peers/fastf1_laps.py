"""Compare `silver.laps` with the laps table FastF1 builds from the same files.

FastF1's CSV columns map to ours as below; times are compared to the
millisecond, speeds exactly, and only where both sides have a value."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

TIME_COLUMNS = {
    "LapTime": "lap_time_s",
    "Sector1Time": "sector_1_s",
    "Sector2Time": "sector_2_s",
    "Sector3Time": "sector_3_s",
}
EXACT_COLUMNS = {
    "SpeedI1": "speed_i1_kph", "SpeedI2": "speed_i2_kph", "SpeedFL": "speed_fl_kph", "SpeedST": "speed_st_kph",
    "Stint": "stint", "Compound": "compound", "Position": "position",
}
FLAG_COLUMNS = {"PitInTime": "pit_in_session_s", "PitOutTime": "pit_out_session_s"}


def read_reference(csv: Path) -> pd.DataFrame:
    ref = pd.read_csv(csv, dtype={"DriverNumber": str})
    ref["driver_number"] = ref["DriverNumber"].astype(int)
    ref["lap_number"] = ref["LapNumber"].astype(int)
    return ref


def compare(ours: pd.DataFrame, ref: pd.DataFrame) -> pd.DataFrame:
    """One row per compared column: pairs where both have a value, equal, share."""
    merged = ref.merge(ours, on=["driver_number", "lap_number"], how="inner", suffixes=("_ref", ""))
    rows = []
    for theirs, mine in {**TIME_COLUMNS, **EXACT_COLUMNS}.items():
        a, b = merged[theirs], merged[mine]
        both = a.notna() & b.notna()
        if theirs in TIME_COLUMNS:
            equal = (np.round(a[both].astype(float) * 1000) == np.round(b[both].astype(float) * 1000))
        elif theirs == "Compound":
            equal = a[both].astype(str).str.upper() == b[both].astype(str).str.upper()
        else:
            equal = a[both].astype(float) == b[both].astype(float)
        rows.append({"column": mine, "both": int(both.sum()), "equal": int(equal.sum()),
                     "only_fastf1": int((a.notna() & b.isna()).sum()), "only_f1nb": int((a.isna() & b.notna()).sum())})
    for theirs, mine in FLAG_COLUMNS.items():
        a, b = merged[theirs].notna(), merged[mine].notna()
        rows.append({"column": f"{mine} (lap has one)", "both": int(len(merged)), "equal": int((a == b).sum()),
                     "only_fastf1": int((a & ~b).sum()), "only_f1nb": int((~a & b).sum())})
    counts_ref = ref.groupby("driver_number").size()
    counts_ours = ours.groupby("driver_number").size()
    same = counts_ref.reindex(counts_ours.index.union(counts_ref.index)).fillna(-1) == \
        counts_ours.reindex(counts_ours.index.union(counts_ref.index)).fillna(-1)
    rows.append({"column": "laps per driver", "both": int(len(same)), "equal": int(same.sum()),
                 "only_fastf1": int(len(ref)), "only_f1nb": int(len(ours))})
    out = pd.DataFrame(rows)
    out["share"] = (out["equal"] / out["both"].where(out["both"] > 0)).round(4)
    return out


def differences(ours: pd.DataFrame, ref: pd.DataFrame, column: str) -> pd.DataFrame:
    """The laps where `column` differs (for the discrepancy document)."""
    theirs = {v: k for k, v in {**TIME_COLUMNS, **EXACT_COLUMNS}.items()}[column]
    merged = ref.merge(ours, on=["driver_number", "lap_number"], how="inner", suffixes=("_ref", ""))
    both = merged[theirs].notna() & merged[column].notna()
    if theirs in TIME_COLUMNS:
        diff = np.round(merged[theirs] * 1000) != np.round(merged[column] * 1000)
    else:
        diff = merged[theirs].astype(str) != merged[column].astype(str)
    return merged.loc[both & diff, ["driver_number", "lap_number", theirs, column]]
