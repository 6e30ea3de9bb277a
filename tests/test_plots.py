"""Plots rendered for real (Agg) on the small demo session shared with test_notebook."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from f1nb import plots  # noqa: E402
from f1nb.errors import F1nbError  # noqa: E402
from tests.test_notebook import shared_demo  # noqa: E402


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return shared_demo(tmp_path_factory)


def png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=60)
    data = buf.getvalue()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 8_000
    return data


def test_lap_times(demo):
    s = demo["race"]
    fig = plots.lap_times(s, ["STO", "WIN", "LIN"])
    ax = fig.axes[0]
    assert len(ax.get_lines()) == 3 and "Race" in ax.get_title()
    assert len(ax.collections) >= 3  # compound-coloured markers (+ pit markers)
    colours = {line.get_color().upper() for line in ax.get_lines()}
    assert colours & set(s.get_drivers().team_colour.str.upper())
    assert ax.get_ylabel() == "Lap time"  # ticks read m:ss.mmm
    png(fig)


def test_telemetry_comparison_delta(demo):
    fig = plots.telemetry_comparison(demo["race"], "STO", "WIN")
    assert len(fig.axes) == 5
    dist, delta = fig.f1nb_delta
    s = demo["race"]
    laps = s.get_laps()
    best = laps[laps.lap_time_s.notna()].groupby("driver_number").lap_time_s.min()
    expected = best[s.driver_number("WIN")] - best[s.driver_number("STO")]
    assert delta[-1] == pytest.approx(expected, abs=0.35)
    assert dist[-1] > 0.9 * dist.max()
    png(fig)


@pytest.mark.parametrize("color_by", ["speed", "gear"])
def test_track_map(demo, color_by):
    fig = plots.track_map(demo["quali"], color_by=color_by, style="dark")
    ax = fig.axes[0]
    lc = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert lc and len(lc[0].get_segments()) > 100
    assert len(fig.axes) == 2  # map + colour bar
    png(fig)


def test_strategy_positions_gaps_weather_quali(demo):
    race, quali = demo["race"], demo["quali"]
    fig = plots.tyre_strategy(race)
    assert len(fig.axes[0].patches) == len(race.get_stints())
    png(fig)
    fig = plots.position_changes(race)
    assert len(fig.axes[0].get_lines()) == 6 and fig.axes[0].yaxis_inverted()
    png(fig)
    fig = plots.gap_to_leader(race, ["STO", "WIN"])
    assert len(fig.axes[0].get_lines()) == 2
    assert min(fig.axes[0].get_lines()[0].get_ydata()) == 0
    png(fig)
    fig = plots.weather(race)
    assert len(fig.axes) == 3 and "Weather" in fig._suptitle.get_text()
    png(fig)
    fig = plots.quali_gaps(quali)
    assert len(fig.axes[0].patches) == 6
    assert fig.axes[0].patches[0].get_width() == 0  # pole
    png(fig)


def test_dark_style_differs(demo):
    light = plots.lap_times(demo["race"], style="light")
    dark = plots.lap_times(demo["race"], style="dark")
    assert light.get_facecolor() != dark.get_facecolor()
    legend = dark.axes[0].get_legend()
    assert legend.get_frame().get_facecolor() != (1.0, 1.0, 1.0, 1.0)
    with pytest.raises(F1nbError, match="style"):
        plots.weather(demo["race"], style="neon")


def test_bad_driver_and_lap_are_clear(demo):
    with pytest.raises(F1nbError, match="no driver"):
        plots.lap_times(demo["race"], ["XXX"])
    with pytest.raises(F1nbError, match="lap must be"):
        plots.telemetry_comparison(demo["race"], "STO", "WIN", lap1="best")


def test_returned_figure_displays_as_png_without_matplotlib_magic():
    from IPython.core.interactiveshell import InteractiveShell
    from matplotlib.figure import Figure

    shell = InteractiveShell.instance()
    import importlib

    import f1nb.plots

    importlib.reload(f1nb.plots)  # registers against the running shell
    fig = Figure()
    fig.add_subplot().plot([1, 2, 3])
    data, _ = shell.display_formatter.format(fig)
    assert data.get("image/png", b"")[:8] == b"\x89PNG\r\n\x1a\n"


def test_corner_labels_on_telemetry_and_track_map(demo):
    """Both plots label gold.corners: T<n> above the speed trace at each corner's distance, and
    the number beside each apex on the map."""
    race, quali = demo["race"], demo["quali"]
    corners = race.sql("SELECT corner_number, distance_m FROM gold.corners WHERE session_key = {session_key}")
    assert len(corners) >= 5
    fig = plots.telemetry_comparison(race, "STO", "WIN")
    labels = {t.get_text(): t.xy[0] for t in fig.axes[0].texts if t.get_text().startswith("T")}
    assert labels == {f"T{n}": d for n, d in zip(corners.corner_number, corners.distance_m)}
    fig = plots.track_map(quali)
    numbers = {t.get_text() for t in fig.axes[0].texts} - {"start"}
    expected = quali.sql("SELECT corner_number FROM gold.corners WHERE session_key = {session_key}")
    assert numbers == {str(n) for n in expected.corner_number} and numbers
    png(fig)
