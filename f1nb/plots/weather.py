"""Weather over the session."""

from __future__ import annotations

import numpy as np

from ..errors import F1nbError
from .common import new_figure, styled_plot, title_of


@styled_plot
def weather(session, style: str = "auto"):
    """Air and track temperature, humidity, wind speed against session time; rain shaded."""
    w = session.get_weather()
    w = w[w.session_time_s.notna()].sort_values("session_time_s")
    if w.empty:
        raise F1nbError(f"{session.label}: no weather data")
    minutes = w.session_time_s / 60.0
    fig, axes = new_figure(style, nrows=3, figsize=(11, 7), sharex=True,
                           gridspec_kw={"height_ratios": [2, 1.2, 1.2]})
    ax_t, ax_h, ax_w = axes[:, 0]
    ax_t.plot(minutes, w.air_temp_c, color="#1f77b4", lw=1.8, label="air")
    ax_t.plot(minutes, w.track_temp_c, color="#E8002D", lw=1.8, label="track")
    ax_t.set_ylabel("Temperature (°C)")
    ax_t.legend(loc="upper left")
    ax_h.plot(minutes, w.humidity_pct, color="#2ca02c", lw=1.5)
    ax_h.set_ylabel("Humidity %")
    ax_w.plot(minutes, w.wind_speed_ms, color="#9467bd", lw=1.5)
    ax_w.set_ylabel("Wind (m/s)")
    ax_w.set_xlabel("Session time (min)")
    if "rainfall" in w.columns and w.rainfall.fillna(False).astype(bool).any():
        rain = w.rainfall.fillna(False).astype(bool).to_numpy()
        for ax in (ax_t, ax_h, ax_w):
            ax.fill_between(minutes, 0, 1, where=rain, transform=ax.get_xaxis_transform(), color="#0067AD",
                            alpha=0.15, lw=0, label="rain" if ax is ax_t else None)
        ax_t.legend(loc="upper left")
    for ax, col in ((ax_t, None), (ax_h, "humidity_pct"), (ax_w, "wind_speed_ms")):
        if col is not None and np.isfinite(w[col]).any():
            lo, hi = float(w[col].min()), float(w[col].max())
            pad = max((hi - lo) * 0.2, 0.5)
            ax.set_ylim(lo - pad, hi + pad)
    fig.suptitle(title_of(session, "Weather"), fontweight="bold")
    return fig
