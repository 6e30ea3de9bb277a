"""Issue 14's numbered output points that are not browser-only: the lap-time chart
(2), position labels at 20 cars (3), the best-lap gap plot on a race (4), the HTML
table display (5), the lap explorer's table (6), compound colours (8) and the
reserve driver kept out of the choices (11). On a 20-car, 57-lap demo race (no telemetry): at
ten laps the grid labels had room and the overlap of point 3 did not show."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from f1nb import plots  # noqa: E402
from f1nb.errors import F1nbError  # noqa: E402
from tests.test_notebook import demo, f1, ip  # noqa: E402,F401  (the %f1 shell fixture)

FULL_GRID = dict(drivers=20, race_laps=57, quali_minutes=(4.0, 3.0, 3.0), telemetry=False)


@pytest.fixture(scope="module")
def grid20(tmp_path_factory):
    import f1nb
    from f1nb.demo import DemoConfig
    from f1nb.lake.lake import Lake

    home = tmp_path_factory.mktemp("grid20")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("F1NB_HOME", str(home))
        lake = Lake(home / "lake.duckdb")
        race = f1nb.demo_session("Race", lake=lake, config=DemoConfig(**FULL_GRID))
        quali = f1nb.demo_session("Qualifying", lake=lake, config=DemoConfig(**FULL_GRID))
    return race, quali


# -- 2: lap-time chart ----------------------------------------------------------------


def test_lap_times_default_is_quick_laps_of_the_top_six(grid20):
    race, _ = grid20
    laps = race.get_laps()
    fastest = laps[laps.lap_time_s.notna() & ~laps.deleted].lap_time_s.min()
    assert laps.lap_time_s.max() > fastest * 1.3  # the race has slow laps (lap 1 aside: SC, pit)
    fig = plots.lap_times(race)
    ax = fig.axes[0]
    lines = [ln for ln in ax.get_lines() if len(ln.get_xdata())]
    assert len(lines) == 6  # top six of 20, not spaghetti
    top6 = list(race.get_results().sort_values("position").abbreviation[:6])
    assert [t.get_text() for t in ax.get_legend().get_texts()][:6] == top6
    drawn = pd.concat([pd.Series(ln.get_ydata(), dtype=float) for ln in lines]).dropna()
    assert drawn.max() <= fastest * 1.07 + 1e-9  # no spikes
    assert "107 %" in ax.get_title()
    every = plots.lap_times(race, quick_only=False, top=20)
    ys = pd.concat([pd.Series(ln.get_ydata(), dtype=float) for ln in every.axes[0].get_lines()]).dropna()
    assert ys.max() > fastest * 1.07 and len(every.axes[0].get_lines()) == 20


def test_lap_times_band_has_a_legend_entry(grid20):
    race, _ = grid20
    assert race.get_laps().track_status.str.contains("4").any()  # the demo race has a safety car
    ax = plots.lap_times(race, quick_only=False).axes[0]
    labels = {h.get_label() for h in ax.get_legend().legend_handles if isinstance(h, Patch)}
    assert "Safety car" in labels
    named = plots.lap_times(race, [race.get_results().abbreviation.iloc[-1]])
    assert len([ln for ln in named.axes[0].get_lines() if len(ln.get_xdata())]) == 1


# -- 3: position chart at 20 cars -----------------------------------------------------------


def test_position_labels_clear_the_axis_numbers(grid20):
    race, _ = grid20
    fig = plots.position_changes(race)
    ax = fig.axes[0]
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    ticks = [t.get_window_extent(renderer) for t in ax.get_yticklabels() if t.get_text()]
    names = set(race.get_results().abbreviation)
    labels = [t.get_window_extent(renderer) for t in ax.texts if t.get_text() in names]
    assert len(ticks) == 20 and len(labels) == 40
    overlaps = [(a, b) for a in labels for b in ticks if a.overlaps(b)]
    assert not overlaps


# -- 4: best-lap gaps on a race -----------------------------------------------------------


def test_quali_gap_labels_follow_the_session(grid20):
    race, quali = grid20
    ax = plots.quali_gaps(race).axes[0]
    assert "pole" not in ax.get_xlabel().lower() and "pole" not in ax.get_title().lower()
    assert "fastest" in ax.get_xlabel()
    ax = plots.quali_gaps(quali).axes[0]
    assert ax.get_xlabel() == "Gap to pole (s)"


# -- 5: tables ---------------------------------------------------------------------------


def test_results_html_is_formatted_and_compact_frame_is_not(grid20):
    from IPython.core.interactiveshell import InteractiveShell

    from f1nb.display.views import tag

    race, _ = grid20
    shell = InteractiveShell.instance()  # in a kernel IPython is there before any frame is made
    race._frames.clear()
    results = race.get_results()
    assert len(results.columns) > 20 and results.total_time_s.iloc[0] > 600  # full frame, float seconds
    data, _ = shell.display_formatter.format(results)
    html = data["text/html"].replace("<wbr>", "")  # header names may wrap after an underscore
    winner = results.iloc[0]
    h, rest = divmod(winner.total_time_s, 3600)
    m, s = divmod(rest, 60)
    shown = f"{int(h)}:{int(m):02d}:{s:06.3f}"  # h:mm:ss.mmm: a 57-lap race is over an hour
    assert h >= 1 and shown in html and f"{winner.total_time_s:.3f}" not in html
    assert "<th>q1_s</th>" not in html and "<th>session_key</th>" not in html  # compact set
    assert "<th>points</th>" in html and ">25<" in html and "25.0" not in html
    assert f"12 of {len(results.columns)} columns shown" in html and "<th>penalty_s</th>" in html
    # the returned frame keeps everything
    assert "q1_s" in results.columns and results.total_time_s.iloc[0] == winner.total_time_s
    # a frame the user picks columns from is shown with those columns, still formatted
    picked = results[["position", "abbreviation", "total_time_s", "points"]]
    html = shell.display_formatter.format(picked)[0]["text/html"].replace("<wbr>", "")
    assert "<th>total_time_s</th>" in html and shown in html
    # season tables: the constant year and the car number stay in the frame only
    season = tag(pd.DataFrame({c: [1.0] for c in ["year", "abbreviation", "driver_number", "team_name", "points",
                                                   "wins", "sprint_wins", "podiums", "poles", "races", "qualifyings",
                                                   "average_finish", "average_quali_position"]}), "gold.driver_season")
    shown = shell.display_formatter.format(season)[0]["text/html"].replace("<wbr>", "")
    assert "<th>year</th>" not in shown and "<th>average_finish</th>" in shown and "10 of 13 columns" in shown
    # frames that f1nb did not make are left to pandas
    plain = pd.DataFrame({"x": [1 / 3]})
    assert shell.display_formatter.format(plain)[0]["text/html"] == plain._repr_html_()


def test_rounding_and_integer_points():
    from f1nb.display.tables import fmt_duration, format_column

    assert fmt_duration(4181.684) == "1:09:41.684" and fmt_duration(92.5) == "1:32.500"
    assert fmt_duration(21.3174) == "21.317"
    assert format_column("average_finish", pd.Series([2.333333, 1.0]))[0] == ["2.33", "1.00"]
    assert format_column("points", pd.Series([55.0, 18.0]))[0] == ["55", "18"]
    assert format_column("points", pd.Series([12.5, 18.0]))[0] == ["12.5", "18.0"]
    assert format_column("gap_s", pd.Series([0.0, 1.2345, None]))[0] == ["0.000", "+1.234", ""] or \
        format_column("gap_s", pd.Series([0.0, 1.2345, None]))[0] == ["0.000", "+1.235", ""]
    assert format_column("degradation_s_per_lap", pd.Series([0.05234]))[0] == ["0.052"]


# -- 6: lap explorer -----------------------------------------------------------------------


def test_lap_explorer_table_scrolls_and_decimals_line_up(grid20):
    from f1nb.notebook.widgets import LapExplorer

    race, _ = grid20
    w = LapExplorer(race, drivers=list(race.get_results().abbreviation[:5]))
    html = w.table.outputs[0]["data"]["text/html"]
    assert "class='f1nb-scroll'" in html and ".f1nb-scroll{max-height:420px;overflow:auto" in html
    import re

    sectors = re.findall(r"<td class='num'>(\d+\.\d+)</td>", html)
    assert sectors and {len(x.split(".")[1]) for x in sectors} == {3}


# -- 8: compound colours -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["HYPERSOFT", "ULTRASOFT", "SUPERSOFT", "SOFT", "MEDIUM", "HARD", "SUPERHARD",
                                  "INTERMEDIATE", "WET", "TEST_UNKNOWN", "soft", "Intermediate"])
def test_every_compound_f1_used_has_a_colour(name):
    from f1nb.plots.common import COMPOUND_COLOURS, compound_colour

    grey = COMPOUND_COLOURS["UNKNOWN"]
    assert compound_colour(name) != grey and compound_colour(name, 2018) != grey
    assert compound_colour("") == grey and compound_colour(None) == grey


def test_strategy_chart_colours_2018_compounds(grid20):
    from f1nb.plots.common import compound_colour

    race, _ = grid20
    stints = race.get_stints().copy()
    names = ["HYPERSOFT", "ULTRASOFT", "SUPERSOFT", "SUPERHARD", "INTERMEDIATE", "WET", "TEST_UNKNOWN"]
    stints["compound"] = [names[i % len(names)] for i in range(len(stints))]
    race._frames[("stints", ())] = stints  # the chart reads the session's stints
    try:
        fig = plots.tyre_strategy(race)
    finally:
        race._frames.pop(("stints", ()))
    faces = {matplotlib.colors.to_hex(p.get_facecolor()).upper() for p in fig.axes[0].patches}
    assert {compound_colour(n).upper() for n in names} <= faces
    legend = {t.get_text() for t in fig.axes[0].get_legend().get_texts()}
    assert {"Hypersoft", "Superhard", "Test_Unknown"} <= legend


# -- 11: reserves --------------------------------------------------------------------------


def test_reserve_is_out_of_the_choices_and_the_errors(grid20):
    from f1nb.notebook.explorers import LapExplorer, _driver_options

    race, _ = grid20
    assert len(race.get_drivers()) == 21 and "RES" in set(race.get_drivers().abbreviation)
    options = _driver_options(race)
    assert len(options) == 20 and not any(label.startswith("RES") for label, _ in options)
    with pytest.raises(F1nbError) as err:
        race.driver_number("XXX")
    listed = str(err.value).split("drivers: ")[1].split(", ")
    assert len(listed) == 20 and "RES" not in listed
    assert len(LapExplorer(race).drivers.options) == 20


# -- 9: lineage --------------------------------------------------------------------------------


def test_lineage_tree_connectors_and_folded_sql(grid20):
    race, _ = grid20
    text = race.lake.lineage("gold.results").to_text()
    lines = text.splitlines()
    assert lines[0] == "gold.results"
    assert any(ln.startswith("├─ ") for ln in lines) and any(ln.startswith("└─ ") for ln in lines)
    assert any(ln.startswith("│  ├─ ") or ln.startswith("│  └─ ") for ln in lines)  # a nested branch
    # the last top-level child is the only top-level └─, and every earlier one is ├─
    top = [ln for ln in lines[1:] if not ln.startswith(("│", " "))]
    assert all(ln.startswith("├─ ") for ln in top[:-1]) and top[-1].startswith("└─ ")
    from f1nb.notebook.sql_view import ModelSql

    view = ModelSql(race.lake, "gold.results")
    html = view._repr_html_()
    assert html.count("<details") == len(view.sql) > 5 and "<details open" not in html
    assert "<code>gold.results</code> (this table)" in html and "<code>silver.laps</code>" in html
    assert repr(view) == race.lake.sql_of("gold.results")
    assert len(html.split("<summary>")[0].splitlines()) < 5  # nothing long outside the folds


# -- 10: the picker opens on a season that answers -------------------------------------------------


def test_picker_opens_on_the_latest_season_the_archive_has(tmp_path):
    from tests.conftest import REAL_ARCHIVE, need_realdata

    need_realdata()
    from f1nb.archive.serve import ArchiveServer
    from f1nb.lake.lake import Lake
    from f1nb.notebook.widgets import SessionPicker

    latest = max(int(p.name) for p in REAL_ARCHIVE.iterdir() if p.name.isdigit())
    with ArchiveServer(REAL_ARCHIVE) as server, Lake(tmp_path / "p.duckdb") as lake:
        picker = SessionPicker(lake=lake, archive_url=server.url)
        assert picker.season_select.value == latest  # not the current year, whose index is absent
        assert "⚠" not in picker.status.value and picker.meeting_select.options
        index_requests = [r for r in server.requests if r.endswith("/Index.json") and r.count("/") == 2]
        assert f"/{latest}/Index.json" in index_requests[-1]


def test_picker_offline_opens_on_the_lake_without_an_error(grid20):
    from f1nb.notebook.widgets import SessionPicker

    race, _ = grid20
    picker = SessionPicker(lake=race.lake, archive_url="http://127.0.0.1:9/static/")
    assert picker.season_select.value == 2099  # the lake's season, not the current one
    assert "⚠" not in picker.status.value and "unavailable" in picker.status.value
    assert [label for label, _ in picker.session_select.options] == ["Qualifying", "Race"]


# -- 7: plots follow the notebook theme ----------------------------------------------------------


def test_auto_style_carries_both_themes(grid20):
    import base64
    import io

    from matplotlib.image import imread

    from f1nb.plots.theme import ThemedFigure

    race, _ = grid20
    fig = plots.lap_times(race)  # default style: auto
    assert fig.f1nb_style == "light" and fig.f1nb_dark().f1nb_style == "dark"
    bundle = ThemedFigure(fig)._repr_mimebundle_()
    html = bundle["text/html"]
    assert html.count("<img") == 2 and "body[data-jp-theme-light='false'] .f1nb-fig-light" in html
    pngs = [base64.b64decode(part.split("'")[0]) for part in html.split("base64,")[1:]]
    corners = [imread(io.BytesIO(p))[2, 2, :3].mean() for p in pngs]
    assert corners[0] > 0.9 and corners[1] < 0.2  # a white light figure, a dark dark one
    assert base64.b64decode(bundle["image/png"])[:4] == b"\x89PNG"
    explicit = plots.lap_times(race, style="dark")
    assert not hasattr(explicit, "f1nb_dark")


def test_style_setting_is_one_command(ip, capsys):
    f1(ip, "demo")
    f1(ip, "style")
    assert "plot style: auto" in capsys.readouterr().out
    f1(ip, "plot positions")
    data = ip.display_pub.outputs[-1]["data"]
    assert "f1nb-fig-dark" in data["text/html"] and "image/png" in data  # auto: both themes
    f1(ip, "style dark")
    try:
        assert ip.f1_magics.style == "dark"
        f1(ip, "plot positions")
        data = ip.display_pub.outputs[-1]["data"]
        assert "text/html" not in data and "image/png" in data  # one style: a plain PNG
    finally:
        f1(ip, "style auto")
    f1(ip, "style neon")
    assert "invalid choice" in capsys.readouterr().err and ip.f1_magics.style == "auto"
