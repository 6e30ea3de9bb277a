"""Shared plumbing for the plots: styles, team and compound colours, session data access.

Every plot builds a `matplotlib.figure.Figure` directly (no pyplot state), so a
figure returned by a function is displayed once in a notebook and never leaks.
"""

from __future__ import annotations

import contextlib
import io

import matplotlib as mpl
import pandas as pd
from matplotlib.figure import Figure

from ..errors import F1nbError

STYLES = {
    "light": {
        "figure.facecolor": "#ffffff", "axes.facecolor": "#ffffff", "savefig.facecolor": "#ffffff",
        "axes.edgecolor": "#444444", "axes.labelcolor": "#222222", "text.color": "#222222",
        "xtick.color": "#333333", "ytick.color": "#333333", "grid.color": "#d9d9d9",
        "legend.facecolor": "#ffffff", "legend.edgecolor": "#cccccc",
    },
    "dark": {
        "figure.facecolor": "#15151e", "axes.facecolor": "#1f1f2b", "savefig.facecolor": "#15151e",
        "axes.edgecolor": "#8a8a99", "axes.labelcolor": "#e6e6ec", "text.color": "#f0f0f5",
        "xtick.color": "#c8c8d2", "ytick.color": "#c8c8d2", "grid.color": "#3a3a4a",
        "legend.facecolor": "#262633", "legend.edgecolor": "#4a4a5a",
    },
}
_COMMON_RC = {
    "axes.grid": True, "grid.linewidth": 0.6, "grid.alpha": 0.8, "axes.titleweight": "bold",
    "axes.titlesize": 12, "axes.labelsize": 10, "legend.fontsize": 8, "legend.framealpha": 0.9,
    "axes.spines.top": False, "axes.spines.right": False, "font.size": 9,
}

# Every compound name F1 has sent (2018-): the current names, 2018's seven dry
# compounds and testing's TEST_UNKNOWN; 2018 coloured its SOFT/MEDIUM/HARD
# differently (COMPOUND_COLOURS_2018), as FastF1 does.
COMPOUND_COLOURS = {
    "SOFT": "#DA291C", "MEDIUM": "#FFD12E", "HARD": "#F0F0EC", "INTERMEDIATE": "#43B02A",
    "WET": "#0067AD", "HYPERSOFT": "#FEB1C1", "ULTRASOFT": "#B24BA7", "SUPERSOFT": "#FC2B2A",
    "SUPERHARD": "#FD7D3C", "TEST_UNKNOWN": "#434649", "UNKNOWN": "#8C8C8C",
}
COMPOUND_COLOURS_2018 = {"SOFT": "#FFD318", "MEDIUM": "#F0F0F0", "HARD": "#00A2F5"}


def compound_colour(name, year: int | None = None) -> str:
    """The colour of a compound name (any case); grey for an empty or unknown one."""
    key = str(name).strip().upper() if name is not None and not pd.isna(name) else "UNKNOWN"
    if year == 2018 and key in COMPOUND_COLOURS_2018:
        return COMPOUND_COLOURS_2018[key]
    return COMPOUND_COLOURS.get(key, COMPOUND_COLOURS["UNKNOWN"])


TRACK_STATUS_COLOURS = {"yellow": "#FFD12E", "safety_car": "#FF8C00", "vsc": "#FFB84D",
                        "vsc_ending": "#FFE0A3", "red": "#E10600"}
FALLBACK_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
                    "#7f7f7f", "#bcbd22", "#17becf"]


def check_style(style: str) -> str:
    if style not in STYLES:
        raise F1nbError(f"style must be 'light', 'dark' or 'auto' (follow the notebook's theme), not {style!r}")
    return style


@contextlib.contextmanager
def styled(style: str):
    """rc settings of one style, for the artists created inside the block."""
    with mpl.rc_context({**_COMMON_RC, **STYLES[check_style(style)]}):
        yield


def styled_plot(fn):
    """Run a plot function inside its style's rc context, so legends and texts added late match."""
    import functools
    import inspect

    default = inspect.signature(fn).parameters["style"].default

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        style = kwargs.get("style", default)
        if style == "auto":  # the light figure, and the dark one drawn when a notebook shows it
            fig = wrapper(*args, **{**kwargs, "style": "light"})
            if kwargs.get("ax") is None:  # a caller's own axes cannot be redrawn dark
                fig.f1nb_dark = functools.partial(wrapper, *args, **{**kwargs, "style": "dark"})
            return fig
        with styled(style):
            return fn(*args, **kwargs)

    return wrapper


def new_figure(style: str, nrows: int = 1, ncols: int = 1, figsize=(10, 5), **kw):
    """A Figure (not registered with pyplot) and its axes, in `style`."""
    with styled(style):
        fig = Figure(figsize=figsize, layout="constrained")
        axes = fig.subplots(nrows, ncols, squeeze=False, **kw)
    fig.f1nb_style = style
    return fig, axes


def edge_colour(style: str) -> str:
    return "#222222" if style == "light" else "#e6e6ec"


def figure_png(fig: Figure, dpi: int = 100) -> bytes:
    """PNG bytes of a figure."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor=fig.get_facecolor())
    return buf.getvalue()


# ------------------------------------------------------------------ data


def title_of(session, what: str) -> str:
    label = getattr(session, "label", None)
    return f"{what} — {label}" if label else what


def drivers_frame(session) -> pd.DataFrame:
    """silver.drivers of the session, drivers in timing only, with a colour per driver."""
    d = session.get_drivers().copy()
    if "in_timing" in d.columns:
        timed = d[d.in_timing.fillna(False).astype(bool)]
        d = timed if not timed.empty else d
    return assign_colours(d)


def assign_colours(d: pd.DataFrame) -> pd.DataFrame:
    """`colour` (team colour, a fallback palette where missing) and `linestyle` (solid for the first
    driver of a team, dashed for the teammate) per driver."""
    d = d.copy().reset_index(drop=True)
    colours, styles, seen = [], [], {}
    for i, row in d.iterrows():
        c = row.get("team_colour")
        c = c if isinstance(c, str) and c.startswith("#") and len(c) in (4, 7) else None
        if c is None:
            c = FALLBACK_COLOURS[i % len(FALLBACK_COLOURS)]
        elif c.upper() in ("#FFFFFF", "#FFF"):
            c = "#9A9A9A"  # white would vanish on a light background
        team = row.get("team_name") or f"_{i}"
        styles.append("-" if team not in seen else "--")
        seen[team] = True
        colours.append(c)
    d["colour"] = colours
    d["linestyle"] = styles
    return d


def colour_for(drivers: pd.DataFrame, number: int) -> tuple[str, str]:
    row = drivers[drivers.driver_number == number]
    if row.empty:
        return "#888888", "-"
    return row.colour.iloc[0], row.linestyle.iloc[0]


def abbreviation(drivers: pd.DataFrame, number: int) -> str:
    row = drivers[drivers.driver_number == number]
    return str(row.abbreviation.iloc[0]) if not row.empty and isinstance(row.abbreviation.iloc[0], str) else str(number)


def select_drivers(session, drivers: pd.DataFrame, wanted) -> pd.DataFrame:
    """Rows of `drivers` for `wanted` (numbers or abbreviations; None = all)."""
    if wanted is None or (not isinstance(wanted, str) and len(wanted) == 0):
        return drivers
    if isinstance(wanted, (str, int)):
        wanted = [wanted]
    numbers = [session.driver_number(w) for w in wanted]
    missing = [w for w, n in zip(wanted, numbers) if n not in set(drivers.driver_number)]
    if missing:
        raise F1nbError(f"no driver {', '.join(map(str, missing))} in {session.label}; drivers: "
                        f"{', '.join(drivers.abbreviation.astype(str))}")
    return drivers.set_index("driver_number").loc[numbers].reset_index()


def has_table(session, name: str) -> bool:
    layer, table = name.split(".", 1) if "." in name else ("silver", name)
    return table in session.lake.table_names(layer)


def gold_frame(session, name: str) -> pd.DataFrame | None:
    """A gold table for this session, or None when the lake has not got it (yet)."""
    if not has_table(session, name):
        return None
    return session.frame(name)


def session_kind(session) -> str:
    kind = (getattr(session.ref, "session_type", "") or "").lower()
    name = (getattr(session.ref, "session_name", "") or "").lower()
    if "qualifying" in kind or "qualifying" in name or "shootout" in name:
        return "qualifying"
    if kind == "race" or name in ("race", "sprint"):
        return "race"
    return "practice"


def fastest_lap_number(session, driver) -> int:
    """The driver's fastest valid lap from silver.laps (gold.fastest_laps not needed)."""
    number = session.driver_number(driver)
    laps = session.get_laps(number)
    timed = laps[laps.lap_time_s.notna()]
    if "deleted" in timed.columns:
        kept = timed[~timed.deleted.fillna(False).astype(bool)]
        timed = kept if not kept.empty else timed
    if timed.empty:
        raise F1nbError(f"{session.label}: driver {driver} has no timed lap")
    return int(timed.loc[timed.lap_time_s.idxmin(), "lap_number"])


def resolve_lap(session, driver, lap) -> int:
    if lap is None or lap == "fastest":
        return fastest_lap_number(session, driver)
    try:
        return int(lap)
    except (TypeError, ValueError):
        raise F1nbError(f"lap must be 'fastest' or a lap number, not {lap!r}") from None


def lap_telemetry(session, driver, lap) -> tuple[pd.DataFrame, int]:
    """Car telemetry of one lap, sorted by distance, with `lap_time_s` (time since the lap's first sample)."""
    number = session.driver_number(driver)
    lap_no = resolve_lap(session, number, lap)
    tel = session.get_car_telemetry(number, lap_no)
    if "sample_valid" in tel.columns:
        tel = tel[tel.sample_valid.fillna(True).astype(bool)]
    tel = tel.dropna(subset=["distance_m"]).sort_values("session_time_s").reset_index(drop=True)
    if tel.empty:
        raise F1nbError(f"{session.label}: no car telemetry for driver {driver} lap {lap_no} "
                        "(loaded with --no-telemetry, or the feed has a gap)")
    tel["t_s"] = tel.session_time_s - tel.session_time_s.iloc[0]
    return tel, lap_no


def fmt_laptime(seconds) -> str:
    if seconds is None or pd.isna(seconds):
        return ""
    minutes, rest = divmod(float(seconds), 60)
    return f"{int(minutes)}:{rest:06.3f}" if minutes else f"{rest:.3f}"
