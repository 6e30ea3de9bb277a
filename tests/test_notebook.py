"""The notebook experience against a real IPython shell: %f1 magics, reprs, widgets through real events.

One small demo lake (6 drivers, 6 laps) is built once and shared with tests/test_plots.py.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

pytest.importorskip("IPython")
pytest.importorskip("ipywidgets")

from IPython.core.displaypub import CapturingDisplayPublisher  # noqa: E402
from IPython.core.interactiveshell import InteractiveShell  # noqa: E402

SMALL = dict(drivers=6, race_laps=6, quali_minutes=(6.0, 5.0, 4.0))
_SHARED: dict = {}


def small_config():
    from f1nb.demo import DemoConfig

    return DemoConfig(**SMALL)


def shared_demo(tmp_path_factory) -> dict:
    """{'home', 'lake_path', 'lake', 'race', 'quali', 'tree'}: built once per test run."""
    if not _SHARED:
        import f1nb
        from f1nb.lake.lake import Lake
        from f1nb.demo.tree import demo_tree

        home = tmp_path_factory.mktemp("nb-demo-home")
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("F1NB_HOME", str(home))
            lake = Lake(home / "lake.duckdb")
            race = f1nb.demo_session("Race", lake=lake, config=small_config())
            quali = f1nb.demo_session("Qualifying", lake=lake, config=small_config())
            tree = demo_tree(small_config())
        _SHARED.update(home=home, lake_path=home / "lake.duckdb", lake=lake, race=race, quali=quali, tree=tree)
    return _SHARED


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return shared_demo(tmp_path_factory)


@pytest.fixture
def ip(demo, monkeypatch):
    """A real InteractiveShell with the extension loaded, the shared lake configured, display captured."""
    monkeypatch.setenv("F1NB_HOME", str(demo["home"]))
    shell = InteractiveShell.instance()
    if "f1" not in shell.magics_manager.magics["line"]:
        shell.run_line_magic("load_ext", "f1nb")
    shell.run_line_magic("config", f"F1Magics.lake = {str(demo['lake_path'])!r}")
    shell.run_line_magic("config", "F1Magics.archive_url = ''")
    magics = shell.magics_manager.registry["F1Magics"]
    magics._lake = demo["lake"]
    magics.lake = str(demo["lake_path"])
    magics.current = None
    pub = CapturingDisplayPublisher()
    monkeypatch.setattr(shell, "display_pub", pub)
    shell.f1_magics = magics
    yield shell


def f1(ip, line, cell=None):
    """Run `%f1 line` (or a `%%f1` cell). A failed command raises F1CellError, which fails its cell;
    here its text goes to stderr as IPython shows it (see test_failed_magic_fails_its_cell)."""
    from f1nb.notebook.magics import F1CellError

    try:
        return ip.run_cell_magic("f1", line, cell) if cell is not None else ip.run_line_magic("f1", line)
    except F1CellError as exc:
        print("\n".join(exc._render_traceback_()), file=sys.stderr)
        return None


def displayed(ip) -> list[dict]:
    return [_data(o) for o in ip.display_pub.outputs]


def _data(output) -> dict:
    return output["data"] if isinstance(output, dict) else output.data


# ------------------------------------------------------------------ magics: errors


@pytest.mark.parametrize("line", [
    "telemetry --lap", "load", "load 2024 Monaco --topics TimingData", "load 2024 Monaco Race --as 9x", "plot nope", "nonsense", "lap VER",
    "sessions twenty", "backend a b", "telemetry STO WIN LIN ORT",
])
def test_wrong_arguments_print_usage_not_traceback(ip, capsys, line):
    if "telemetry STO" in line:
        f1(ip, "demo")
        capsys.readouterr()
    assert f1(ip, line) is None
    out, err = capsys.readouterr()
    text = out + err
    assert "usage" in text.lower()
    assert "Traceback" not in text
    assert len([ln for ln in err.splitlines() if ln.strip()]) <= 8


def test_help_lists_every_subcommand(ip, capsys):
    from f1nb.notebook.magics import SUBCOMMANDS

    f1(ip, "")
    out = capsys.readouterr().out
    assert all(name in out for name in SUBCOMMANDS)
    f1(ip, "plot -h")
    out = capsys.readouterr().out
    assert "--color-by" in out and "Traceback" not in out


def test_no_session_is_one_line(ip, capsys):
    assert f1(ip, "laps") is None
    err = capsys.readouterr().err
    assert err.strip().count("\n") == 0 and err.startswith("f1: no session yet")


def test_subcommand_registry_adds_a_command_in_a_few_lines(ip, capsys):
    from f1nb.notebook.magics import SUBCOMMANDS, subcommand

    @subcommand("echo", "echo WORDS", lambda p: p.add_argument("words", nargs="+"))
    def _echo(magics, args, cell):
        return " ".join(args.words)

    try:
        assert f1(ip, "echo a b") == "a b"
        f1(ip, "echo")
        assert "usage: %f1 echo" in capsys.readouterr().err
    finally:
        SUBCOMMANDS.pop("echo")


def test_network_failure_says_what_failed_and_never_shows_the_token(ip, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("F1NB_F1TV_TOKEN", "sekret-token-123")
    f1(ip, f"backend {tmp_path / 'empty.duckdb'}")
    ip.f1_magics.archive_url = "http://127.0.0.1:9/static/"
    capsys.readouterr()
    assert f1(ip, "load 2024 Monaco Race") is None
    out, err = capsys.readouterr()
    assert "could not download http://127.0.0.1:9/static/2024/Index.json" in err
    assert "%f1 demo" in err
    assert "Traceback" not in out + err and "sekret" not in out + err
    assert "sekret" not in repr(ip.f1_magics.config)


# ------------------------------------------------------------------ magics: working commands


def test_demo_binds_and_shows_card(ip, capsys):
    assert f1(ip, "demo --as race") is None
    assert ip.user_ns["race"].session_key == ip.f1_magics.current.session_key
    html = displayed(ip)[-1]["text/html"]
    assert "Winner" in html and "silver" in html and "laps" in html
    assert "bound to `race`" in capsys.readouterr().out


def test_laps_results_telemetry(ip, demo):
    f1(ip, "demo")
    laps = f1(ip, "laps STO WIN")
    assert set(laps.abbreviation) == {"STO", "WIN"} and "lap_time_s" in laps.columns
    assert len(f1(ip, "laps")) == len(demo["race"].get_laps())
    results = f1(ip, "results")
    assert list(results.position) == sorted(results.position) and results.position.iloc[0] == 1
    tel = f1(ip, "telemetry STO --lap 3")
    assert (tel.lap_number == 3).all() and tel.distance_m.is_monotonic_increasing
    n = len(ip.display_pub.outputs)
    assert f1(ip, "telemetry STO WIN") is None
    assert len(ip.display_pub.outputs) == n + 1 and "image/png" in displayed(ip)[-1]


@pytest.mark.parametrize("line", ["plot laps STO WIN", "plot strategy --style dark", "plot positions",
                                  "plot gaps", "plot weather", "plot track --color-by gear",
                                  "plot telemetry STO LIN --lap 3"])
def test_plot_kinds_display_png(ip, capsys, line):
    f1(ip, "demo")
    n = len(ip.display_pub.outputs)
    f1(ip, line)
    out, err = capsys.readouterr()
    assert err == "" and "Traceback" not in out
    png = displayed(ip)[n]["image/png"]
    assert len(png) > 20_000


def test_plot_quali_on_session_var(ip, demo, capsys):
    ip.user_ns["q"] = demo["quali"]
    f1(ip, "plot quali -s q")
    assert "image/png" in displayed(ip)[-1]
    f1(ip, "plot laps -s nothing")
    assert "'nothing' is not a Session" in capsys.readouterr().err


def test_lake_lineage_check_reprs(ip):
    overview = f1(ip, "lake")
    data, _ = ip.display_formatter.format(overview)
    assert "gold" in data["text/html"] and "sessions loaded (2)" in data["text/html"]
    assert "car_telemetry" in data["text/plain"]
    lineage = f1(ip, "lineage gold.results")
    data, _ = ip.display_formatter.format(lineage)
    assert "silver.laps" in data["text/html"]
    checks = f1(ip, "check")
    assert list(checks.columns) == ["table", "check", "violations"] and len(checks) > 10


def test_sql_cell_and_line(ip, capsys):
    df = f1(ip, "sql", "SELECT count(*) AS n FROM silver.laps")
    assert int(df.n.iloc[0]) > 0
    f1(ip, "demo")
    assert f1(ip, "sql fast <<", "SELECT * FROM silver.laps WHERE session_key = {session_key}") is None
    assert len(ip.user_ns["fast"]) == len(ip.f1_magics.current.get_laps())
    assert "rows → `fast`" in capsys.readouterr().out
    assert int(f1(ip, "sql SELECT 42 AS answer").answer.iloc[0]) == 42
    assert f1(ip, "sql", "SELEC nonsense") is None
    err = capsys.readouterr().err
    assert err.startswith("f1: SQL failed") and "Traceback" not in err


def test_failed_magic_fails_its_cell_without_a_traceback(ip, capsys):
    """Run All must stop at a failed %f1 command: the cell fails, and shows one line, not a traceback."""
    result = ip.run_cell("%f1 laps --session nothing_here")
    assert result.success is False
    out, err = capsys.readouterr()
    assert "'nothing_here' is not a Session" in out + err and "Traceback" not in out + err
    result = ip.run_cell("%f1 plot nope")
    assert result.success is False and "usage: %f1 plot" in "".join(capsys.readouterr())
    assert ip.run_cell("%f1 sql SELECT 1 AS one").success is True


def test_sql_magic_is_read_only_unless_write(ip, capsys):
    before = int(f1(ip, "sql SELECT count(*) AS n FROM silver.laps").n.iloc[0])
    assert f1(ip, "sql", "DROP TABLE silver.laps") is None
    err = capsys.readouterr().err
    assert err.strip().count("\n") == 0 and "read-only" in err and "%%f1 sql --write" in err
    assert int(f1(ip, "sql SELECT count(*) AS n FROM silver.laps").n.iloc[0]) == before
    assert f1(ip, "sql", "SELECT * FROM silver.laps WHERE {nope}") is None
    assert "unknown placeholder {nope}" in capsys.readouterr().err


def test_backend_show_and_switch(ip, tmp_path, capsys):
    f1(ip, "backend")
    assert "sessions" in capsys.readouterr().out
    f1(ip, f"backend duckdb:///{tmp_path}/other.duckdb")
    assert f"{tmp_path}/other.duckdb" in capsys.readouterr().out
    assert f1(ip, "sql SELECT count(*) AS n FROM bronze.sessions").n.iloc[0] == 0


def test_load_and_sessions_over_http(ip, demo, tmp_path, capsys):
    from f1nb.archive.serve import ArchiveServer

    with ArchiveServer(demo["tree"]) as server:
        ip.f1_magics.archive_url = server.url
        f1(ip, f"backend {tmp_path / 'http.duckdb'}")
        listing = f1(ip, "sessions 2099")
        assert set(listing.session) == {"Race", "Qualifying"} and not listing.in_lake.any()
        f1(ip, "load 2099 Demo Race --as r --no-telemetry")
    out, err = capsys.readouterr()
    assert "f1:" not in err and "Traceback" not in err, err  # stderr holds tqdm's download bar
    s = ip.user_ns["r"]
    assert s.is_built and "bound to `r`" in out
    counts = s.sql("SELECT (SELECT count(*) FROM bronze.car_samples WHERE session_key = {session_key}) AS cars, "
                   "(SELECT count(*) FROM silver.laps WHERE session_key = {session_key}) AS laps")
    assert counts.cars.iloc[0] == 0 and counts.laps.iloc[0] > 0
    assert "Winner" in displayed(ip)[-1]["text/html"]


# ------------------------------------------------------------------ display


def test_session_card_html_and_text(demo):
    from f1nb.display.views import SessionCard, session_card

    ip = InteractiveShell.instance()
    data, _ = ip.display_formatter.format(demo["quali"])
    html = data["text/html"]
    assert "Pole" in html and "1:08" in html and "Demoville Ring" in html and "track" in html
    assert re.search(r"laps \d+", html)
    text = repr(SessionCard(demo["race"]))
    assert "winner:" in text and "silver:" in text and "<" not in text.replace("—", "")
    assert "Winner" in session_card(demo["race"])


def test_card_of_unloaded_session_does_not_load(demo, tmp_path):
    from f1nb.lake.lake import Lake
    from f1nb.display.views import session_card
    from f1nb.session import Session

    with Lake(tmp_path / "empty.duckdb") as lake:
        s = Session(demo["race"].ref, lake)
        html = session_card(s)
        assert "not in the lake yet" in html and not s.is_loaded


def test_styled_table_team_colours(demo):
    from f1nb.display.views import DriverTable, styled_table

    s = demo["race"]
    html = styled_table(s.get_results(), s.get_drivers())
    colours = set(s.get_drivers().team_colour)
    assert sum(c in html for c in colours) >= 3 and "f1nb-drv" in html
    data, _ = InteractiveShell.instance().display_formatter.format(DriverTable(s.get_laps(), s.get_drivers()))
    assert "border-left-color" in data["text/html"] and "lap_time_s" in data["text/plain"]


# ------------------------------------------------------------------ widgets


def _progress_trace(picker) -> list[float]:
    seen: list[float] = []
    picker.progress.observe(lambda c: seen.append(c["new"]), "value")
    return seen


def test_picker_demo_offline(demo, monkeypatch):
    from f1nb.notebook.widgets import DEMO, SessionPicker

    monkeypatch.setenv("F1NB_HOME", str(demo["home"]))
    picker = SessionPicker(lake=demo["lake"], offline=True, demo_config=small_config())
    assert picker.season_select.value == DEMO and picker.meeting_select.value == DEMO
    fired, loaded = [], []
    picker.observe(lambda c: fired.append(c["new"]), "session")
    picker.on_load(loaded.append)
    picker.session_select.value = "Qualifying"
    picker.load_button.click()
    assert picker.progress.value == picker.progress.max
    assert picker.session is not None and picker.session.ref.session_name == "Qualifying"
    assert fired == [picker.session] and loaded == [picker.session]
    assert "text/html" in picker.output.outputs[0]["data"] and "Pole" in picker.output.outputs[0]["data"]["text/html"]
    assert not picker.load_button.disabled and "loaded" in picker.status.value
    # the lake's own sessions are offered offline
    picker.season_select.value = 2099
    assert [label for label, _ in picker.session_select.options] == ["Qualifying", "Race"]


def test_picker_loads_over_http_with_progress(demo, tmp_path, monkeypatch):
    from f1nb.archive.serve import ArchiveServer
    from f1nb.lake.lake import Lake
    from f1nb.notebook.widgets import SessionPicker

    monkeypatch.setenv("F1NB_HOME", str(tmp_path))
    with ArchiveServer(demo["tree"]) as server, Lake(tmp_path / "picker.duckdb") as lake:
        picker = SessionPicker(lake=lake, archive_url=server.url, seasons=[2099])
        assert picker.season_select.value == 2099
        assert picker.meeting_select.options[0][0] == "R1 f1nb Demo Grand Prix"
        race = next(ref for label, ref in picker.session_select.options if label == "Race")
        picker.session_select.value = race
        seen = _progress_trace(picker)
        picker.load_button.click()
        assert picker.progress.value == picker.progress.max and picker.progress.bar_style == "success"
        assert len([v for v in seen if 0 < v < 1]) >= 4 and seen == sorted(seen)
        assert picker.session.is_built and picker.session.session_key == race.session_key
        assert any(p.startswith("/2099/") and "CarData" in p for p in server.requests)


def test_picker_errors_show_in_status(demo, tmp_path, monkeypatch):
    from f1nb.archive.serve import ArchiveServer
    from f1nb.lake.lake import Lake
    from f1nb.notebook.widgets import SessionPicker

    monkeypatch.setenv("F1NB_HOME", str(tmp_path))
    with Lake(tmp_path / "err.duckdb") as lake:
        with ArchiveServer(demo["tree"]) as server:
            picker = SessionPicker(lake=lake, archive_url=server.url, seasons=[2099])
        # the server is gone (and its kept-alive connections with it): the download fails inside the widget
        picker._client.close()
        picker.load_button.click()
        assert picker.session is None and picker.progress.bar_style == "danger"
        assert "⚠" in picker.status.value and "could not download" in picker.status.value
        assert not picker.load_button.disabled
        # no archive at all: the index falls back to the lake (empty here), with the reason
        dead = SessionPicker(lake=lake, archive_url="http://127.0.0.1:9/static/", seasons=[2099])
        assert "unavailable" in dead.status.value and dead.meeting_select.options == ()
        dead.load_button.click()
        assert "choose a season" in dead.status.value


def test_lap_explorer_follows_driver_choice(demo):
    from f1nb.notebook.widgets import LapExplorer

    ex = LapExplorer(demo["race"])
    assert len(ex.chart.outputs) == 1 and len(ex.table.outputs) == 1
    lines_three = len(ex.figure.axes[0].get_lines())
    ex.drivers.value = (demo["race"].driver_number("STO"),)
    assert len(ex.figure.axes[0].get_lines()) < lines_three
    assert "STO" in ex.table.outputs[0]["data"]["text/html"] and "WIN" not in ex.table.outputs[0]["data"]["text/html"]
    assert "6 laps of 1 drivers" in ex.status.value
    ex.drivers.value = ()
    assert ex.chart.outputs == () and "select" in ex.status.value


def test_telemetry_compare_follows_laps(demo):
    from f1nb.notebook.widgets import TelemetryCompare

    tc = TelemetryCompare(demo["race"], "STO", "WIN")
    assert tc.lap1.value == "fastest" and len(tc.chart.outputs) == 1
    first = tc.delta_s
    tc.lap2.value = 3
    assert tc.delta_s != first and "at the line" in tc.status.value
    tc.driver2.value = demo["race"].driver_number("LIN")
    assert tc.lap2.value == "fastest" and len(tc.figure.axes) == 5


def test_show_displays_a_picker(demo, monkeypatch):
    import f1nb

    ip = InteractiveShell.instance()
    pub = CapturingDisplayPublisher()
    monkeypatch.setattr(ip, "display_pub", pub)
    picker = f1nb.show(lake=demo["lake"], offline=True)
    assert type(picker).__name__ == "SessionPicker" and pub.outputs
    assert "application/vnd.jupyter.widget-view+json" in _data(pub.outputs[0])


def test_picker_magic_binds_session(ip, demo, monkeypatch):
    picker = f1(ip, "picker --offline")
    picker.demo_config = small_config()
    picker.load_button.click()
    assert ip.user_ns["session"] is picker.session and ip.f1_magics.current is picker.session
