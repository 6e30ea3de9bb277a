"""Issue 16 point 7: the gap-to-car-ahead plot (gold.car_ahead, or F1's interval at each line
crossing where there is no car data) and the mini-sector track map. Figures are rendered for real
(Agg) and checked for what they hold; the engine's numbers are checked against brute force."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

from f1nb import plots  # noqa: E402
from f1nb.analysis.car_ahead_gaps import BINS_PER_LAP, LINE_WINDOW_S  # noqa: E402
from f1nb.errors import F1nbError  # noqa: E402
from tests.test_notebook import f1, ip, shared_demo  # noqa: E402,F401
from tests.test_plots import png  # noqa: E402

BAKU_2018_RACE = 5090


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return shared_demo(tmp_path_factory)


# ------------------------------------------------------------------ mini-sectors


def brute_force_mini_sectors(session, number: int, lap: int, n: int) -> np.ndarray:
    """Each mini-sector's time on one lap, in plain Python: the points (0 m, lap start), the samples
    inside the lap, (lap length, lap end), the length extrapolated from the last sample at its speed;
    boundary k's time interpolated on the first segment that reaches k/n of the length."""
    row = session.get_laps(number).set_index("lap_number").loc[lap]
    start, end = float(row.lap_start_session_s), float(row.lap_start_session_s + row.lap_time_s)
    tel = session.get_car_telemetry(number, lap).dropna(subset=["distance_m"]).sort_values("session_time_s")
    tel = tel[(tel.session_time_s > start) & (tel.session_time_s < end)]
    d, t, v = tel.distance_m.tolist(), tel.session_time_s.tolist(), tel.speed_kph.tolist()
    length = d[-1] + (end - t[-1]) * max(v[-1], 0) / 3.6
    pts = [(0.0, start)] + list(zip(d, t)) + [(length, end)]
    at = [start]
    for k in range(1, n):
        for (d0, t0), (d1, t1) in zip(pts, pts[1:]):
            k0, k1 = d0 / length * n, d1 / length * n
            if k0 < k <= k1:
                at.append(t0 + (t1 - t0) * (k - k0) / (k1 - k0))
                break
    at.append(end)
    return np.diff(at)


@pytest.mark.parametrize("kind,pair,n", [("race", ("STO", "WIN"), 25), ("race", ("WIN", "MAR"), 7),
                                         ("quali", None, 40)])
def test_mini_sector_winners_match_brute_force(demo, kind, pair, n):
    s = demo[kind]
    if pair is None:  # the two fastest in qualifying: the closest laps the demo has
        best = s.get_results().sort_values("position").abbreviation
        pair = (best.iloc[0], best.iloc[1])
    cmp = s.compare_mini_sectors(*pair, mini_sectors=n)
    assert list(cmp.mini_sector) == list(range(1, n + 1))
    a, b = cmp.attrs["a_driver_number"], cmp.attrs["b_driver_number"]
    ta = brute_force_mini_sectors(s, a, cmp.attrs["a_lap_number"], n)
    tb = brute_force_mini_sectors(s, b, cmp.attrs["b_lap_number"], n)
    assert cmp.time_a_s.to_numpy() == pytest.approx(ta, abs=1e-9)
    assert cmp.time_b_s.to_numpy() == pytest.approx(tb, abs=1e-9)
    expected = np.where(ta < tb, a, np.where(tb < ta, b, -1))
    assert [int(w) if pd.notna(w) else -1 for w in cmp.faster_driver] == list(expected)
    laps = s.get_laps()
    lap_time = laps[(laps.driver_number == a) & (laps.lap_number == cmp.attrs["a_lap_number"])].lap_time_s.iloc[0]
    assert cmp.time_a_s.sum() == pytest.approx(lap_time, abs=1e-6)  # pinned to the line at both ends


def test_mini_sector_map_colours_each_part_by_its_winner(demo):
    s = demo["race"]
    fig = plots.mini_sector_map(s, "WIN", "MAR", mini_sectors=7, style="light")
    cmp = fig.f1nb_mini_sectors
    ax = fig.axes[0]
    (lc,) = [c for c in ax.collections if isinstance(c, LineCollection)]
    d = s.get_drivers().set_index("driver_number")
    team = {n: d.team_colour[n].lower() for n in (cmp.attrs["a_driver_number"], cmp.attrs["b_driver_number"])}
    colours = [to_hex(c) for c in lc.get_colors()]
    assert set(colours) <= set(team.values()) | {"#8c8c8c"}
    # each mini-sector's segments are drawn in its winner's colour
    from f1nb.analysis.mini_sectors import mini_sector_track

    track = mini_sector_track(s, cmp.attrs["a_driver_number"], cmp.attrs["a_lap_number"], 7)
    winner = dict(zip(cmp.mini_sector, cmp.faster_driver))
    assert colours == [team[int(winner[k])] for k in track.mini_sector.to_numpy()[1:]]
    assert sorted(set(track.mini_sector)) == list(range(1, 8))
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    wins = cmp.faster_driver.value_counts()
    assert texts == [f"WIN lap {cmp.attrs['a_lap_number']}: faster in {int(wins.get(4, 0))} of 7",
                     f"MAR lap {cmp.attrs['b_lap_number']}: faster in {int(wins.get(16, 0))} of 7"]
    assert "mini-sector" in ax.get_title()
    png(fig)


def test_mini_sector_errors_are_one_clear_line(demo):
    with pytest.raises(F1nbError, match="no driver 'XXX'.*drivers: .*STO"):
        plots.mini_sector_map(demo["race"], "STO", "XXX")
    with pytest.raises(F1nbError, match="2-200"):
        demo["race"].compare_mini_sectors("STO", "WIN", mini_sectors=1)
    with pytest.raises(F1nbError, match="two different drivers"):
        demo["race"].compare_mini_sectors("STO", "STO")


# ------------------------------------------------------------------ gap to the car ahead


def test_gap_to_car_ahead_from_car_data_on_the_demo(demo):
    s = demo["race"]
    fig = plots.gap_to_car_ahead(s, ["WIN", "MAR", "LIN"], style="light")
    assert fig.f1nb_source == "gold.car_ahead" and "gold.car_ahead" in fig.axes[0].get_title()
    lines = [ln for ln in fig.axes[0].get_lines() if ln.get_label() in ("WIN", "MAR", "LIN")]
    assert [ln.get_label() for ln in lines] == ["WIN", "MAR", "LIN"]
    d = s.get_drivers().set_index("abbreviation")
    assert [to_hex(ln.get_color()) for ln in lines] == [d.team_colour[a].lower() for a in ("WIN", "MAR", "LIN")]
    # brute force: every car sample's time to the car ahead, averaged per tenth of each lap
    ca = s.sql("SELECT a.driver_number, a.lap_number, a.time_to_driver_ahead_s, t.relative_distance "
               "FROM gold.car_ahead a JOIN silver.car_telemetry t USING (session_key, driver_number, utc) "
               "WHERE a.session_key = {session_key} AND a.time_to_driver_ahead_s IS NOT NULL")
    for line, abbr in zip(lines, ("WIN", "MAR", "LIN")):
        mine = ca[ca.driver_number == int(d.driver_number[abbr])].copy()
        mine["bin"] = np.minimum(np.floor(mine.relative_distance * BINS_PER_LAP), BINS_PER_LAP - 1)
        g = mine.groupby(["lap_number", "bin"]).time_to_driver_ahead_s.mean().reset_index()
        x = g.lap_number - 1 + (g.bin + 0.5) / BINS_PER_LAP
        assert line.get_xdata() == pytest.approx(x.to_numpy())
        assert line.get_ydata() == pytest.approx(g.time_to_driver_ahead_s.to_numpy())
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend[:3] == ["WIN", "MAR", "LIN"]
    png(fig)


def test_gap_to_car_ahead_is_for_races(demo):
    with pytest.raises(F1nbError, match="not a race"):
        plots.gap_to_car_ahead(demo["quali"])


def test_gap_to_car_ahead_falls_back_to_intervals_on_real_races(real_lake):
    """The real sessions have no car data: the plot reads F1's IntervalToPositionAhead at each line
    crossing, and says so."""
    from f1nb.session_lookup import session_from_lake

    keys = set(real_lake.session_keys())
    if BAKU_2018_RACE not in keys:
        pytest.skip("the 2018 Baku race is not in ../shared/realdata")
    s = session_from_lake(BAKU_2018_RACE, real_lake)
    fig = plots.gap_to_car_ahead(s, ["RAI", "PER", "SAI"], style="dark")
    assert fig.f1nb_source == "silver.intervals" and "silver.intervals" in fig.axes[0].get_title()
    assert any("line crossing" in t.get_text() for t in fig.axes[0].texts)
    laps = s.get_laps()
    iv = s.sql("SELECT driver_number, session_time_s, interval_s FROM silver.intervals "
               "WHERE session_key = {session_key} AND interval_s IS NOT NULL ORDER BY session_time_s")
    lines = {ln.get_label(): ln for ln in fig.axes[0].get_lines()}
    for abbr in ("RAI", "PER", "SAI"):
        number = s.driver_number(abbr)
        xs, ys = [], []
        for lap in laps[(laps.driver_number == number) & laps.lap_end_session_s.notna()].itertuples():
            near = iv[(iv.driver_number == number) & (iv.session_time_s >= lap.lap_end_session_s + LINE_WINDOW_S[0])
                      & (iv.session_time_s <= lap.lap_end_session_s + LINE_WINDOW_S[1])]
            if len(near):
                xs.append(lap.lap_number)
                ys.append(near.interval_s.iloc[0])
        assert len(xs) >= 30  # a 51-lap race (not the laps led: the leader has no car ahead)
        assert list(lines[abbr].get_xdata()) == xs and list(lines[abbr].get_ydata()) == pytest.approx(ys)
    png(fig)
    with pytest.raises(F1nbError, match="no car telemetry"):
        plots.mini_sector_map(s, "HAM", "VET")


# ------------------------------------------------------------------ %f1 plot


@pytest.mark.parametrize("line", ["plot ahead", "plot ahead WIN MAR", "plot minisectors STO WIN",
                                  "plot minisectors WIN MAR --mini-sectors 10 --lap 3"])
def test_plot_magic_draws_them(ip, capsys, line):  # noqa: F811
    from tests.test_notebook import displayed

    f1(ip, "demo")
    n = len(ip.display_pub.outputs)
    f1(ip, line)
    out, err = capsys.readouterr()
    assert err == "" and "Traceback" not in out
    assert len(displayed(ip)[n]["image/png"]) > 20_000


@pytest.mark.parametrize("line,says", [("plot minisectors STO", "needs two drivers"),
                                       ("plot minisectors STO XXX", "no driver 'XXX'"),
                                       ("plot ahead XXX", "no driver 'XXX'"),
                                       ("plot minisectors STO WIN --mini-sectors 1", "2-200")])
def test_plot_magic_bad_arguments_are_one_line(ip, capsys, line, says):  # noqa: F811
    f1(ip, "demo")
    capsys.readouterr()
    assert f1(ip, line) is None
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err
    if "XXX" in line:
        assert err.strip().count("\n") == 0 and "drivers: " in err and "STO" in err


def test_help_plot_names_the_new_kinds(ip, capsys):  # noqa: F811
    f1(ip, "help plot")
    out = capsys.readouterr().out
    assert "ahead" in out and "minisectors" in out and "--mini-sectors" in out
