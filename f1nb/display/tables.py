"""How f1nb's DataFrames look in a notebook: times as m:ss.mmm, rounded figures,
whole points, and a compact column set for the wide tables.

Only the HTML display changes. A frame returned by f1nb keeps every column at
full precision; it carries `attrs["f1nb_table"]` (which pandas passes on to
frames derived from it), and an IPython HTML formatter for DataFrames
(`views.tag`, `views.install_formatter`) draws tagged frames with the formats
here and every other frame exactly as pandas does.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

TAG = "f1nb_table"
SCROLL_ROWS = 15  # taller tables get a scroll box
MAX_ROWS = 200

# the columns of `%f1 laps` and the lap explorer, unless all are asked for
LAP_COLUMNS = ["driver_number", "abbreviation", "lap_number", "lap_time_s", "sector_1_s", "sector_2_s",
               "sector_3_s", "compound", "tyre_age_laps", "stint", "position", "pit_in_session_s",
               "pit_out_session_s", "track_status", "deleted", "is_accurate", "qualifying_part"]

# columns shown by default when a table has more than WIDE columns; the rest stay in the frame
WIDE = 12
COMPACT = {
    "race": ["position", "abbreviation", "team_name", "grid_position", "laps_completed", "total_time_s", "gap_s",
             "penalty_s",
             "status", "points", "best_lap_s", "fastest_lap"],
    "qualifying": ["position", "abbreviation", "team_name", "q1_s", "q2_s", "q3_s", "best_lap_s",
                   "gap_to_fastest_s", "laps_completed", "status"],
    "driver_season": ["abbreviation", "team_name", "points", "wins", "sprint_wins", "podiums", "poles", "races",
                      "average_finish", "average_quali_position"],
    "team_season": ["team_name", "points", "wins", "sprint_wins", "podiums", "poles", "races", "average_finish",
                    "average_quali_position", "drivers"],
    "laps": ["abbreviation", "lap_number", "lap_time_s", "sector_1_s", "sector_2_s", "sector_3_s", "compound",
             "tyre_age_laps", "stint", "position", "pit_in_session_s", "pit_out_session_s", "track_status",
             "deleted"],
}


# ------------------------------------------------------------------ values


def fmt_duration(s) -> str:
    """Seconds as h:mm:ss.mmm, m:ss.mmm or ss.mmm."""
    sign = "-" if s < 0 else ""
    ms = int(round(abs(float(s)) * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    sec = rest / 1000
    if h:
        return f"{sign}{h}:{m:02d}:{sec:06.3f}"
    return f"{sign}{m}:{sec:06.3f}" if m else f"{sign}{sec:.3f}"


def column_kind(name: str) -> str:
    """'gap' (signed seconds), 'time' (a duration or session time), 'rate', 'points', 'number'."""
    n = str(name).lower()
    if n.endswith("_per_lap") or n.startswith("deg"):
        return "rate"
    if n.endswith("_s") or n.endswith("_time") or n in ("time", "lap_time"):
        return "gap" if ("gap" in n or "delta" in n or "interval" in n) else "time"
    if n == "points" or n.endswith("_points"):
        return "points"
    return "number"


def _decimals(values: pd.Series, kind: str) -> int:
    finite = values[np.isfinite(values)]
    if finite.empty or (finite == finite.round()).all():
        return 0
    if kind == "points":
        return 1
    return 3 if kind == "rate" else 2


def format_column(name: str, values: pd.Series) -> tuple[list[str], bool]:
    """Display strings for one column, and whether it is numeric (right-aligned).
    One number of decimals per column, so the figures line up."""
    if pd.api.types.is_bool_dtype(values):
        return ["" if pd.isna(v) else "✓" if bool(v) else "" for v in values], False
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        kind = column_kind(name)
        floats = pd.to_numeric(values, errors="coerce").astype("float64")
        if kind in ("time", "gap") and pd.api.types.is_float_dtype(values):
            sign = "+" if kind == "gap" else ""
            return ["" if pd.isna(v) else (sign if v > 0 else "") + fmt_duration(v) for v in floats], True
        places = _decimals(floats, kind)
        return ["" if pd.isna(v) else f"{v:,.{places}f}" for v in floats], True
    out = []
    for v in values:
        if v is None or (not isinstance(v, (list, tuple, np.ndarray)) and pd.isna(v)):
            out.append("")
        elif isinstance(v, bool):
            out.append("✓" if v else "")
        elif isinstance(v, pd.Timestamp):
            out.append(v.isoformat(sep=" ", timespec="milliseconds"))
        else:
            out.append(str(v))
    return out, False


# ------------------------------------------------------------------ columns


def default_columns(df: pd.DataFrame) -> list[str]:
    """The columns the display shows: all of a narrow frame; a compact set of a wide f1nb table."""
    cols = list(df.columns)
    name = str(df.attrs.get(TAG, ""))
    season = name.split(".")[-1] if name.endswith("_season") else None
    if len(cols) <= (10 if season else WIDE):
        return cols
    if season in COMPACT:
        key = season
    elif name.endswith("laps") and "lap_number" in cols:
        key = "laps"
    elif "results" in name:
        kinds = set(df["session_kind"].dropna().str.lower()) if "session_kind" in cols else set()
        key = "race" if kinds and kinds <= {"race", "sprint"} else "qualifying" if kinds else "race"
    else:
        return cols
    compact = [c for c in COMPACT[key] if c in cols]
    return compact if len(compact) >= 4 else cols


def escape(v) -> str:
    return html.escape("" if v is None else str(v))
