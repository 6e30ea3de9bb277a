"""The five notebooks in a real browser: JupyterLab 4 (headless server) + Debian's chromium via playwright.

Starts one JupyterLab on a free local port with a known token, in a temporary
root holding copies of the five notebooks with their stored outputs removed (so
every output checked here was produced in this run). Each notebook is opened and
run from the Run menu; then its outputs are read from the page: no traceback,
no unlabelled progress bar, figures that follow the light and the dark theme,
f1nb's tables formatted (times, whole points, aligned decimals, no sideways
scroll), and each notebook's own points (issue 14: the lap-time chart's quick
laps of the top six, the LapExplorer's scroll box and driver choices, the folded
lineage SQL, the three layers side by side, the picker opening without an
error). In the quickstart the session picker is then used like a person would:
choose the demo season and a session, press Load.

Screenshots of each notebook, light and dark, go to artifacts/notebooks/ and the
picker's steps to artifacts/browser/ (artifacts/ is gitignored).

Only the `playwright` pip package is used: its own browser download cannot work
here, so it drives the system's `chromium` (.ci/run installs it when missing).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from . import browser_checks as checks

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "artifacts" / "browser"
SHOTS = REPO / "artifacts" / "notebooks"
NOTEBOOKS = ["01_quickstart.ipynb", "02_race_analysis.ipynb", "03_telemetry.ipynb", "04_lakehouse.ipynb",
             "05_season.ipynb"]
TOKEN = "f1nb-browser-test"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
TIME = re.compile(r"^(\d+:)?(\d+:)?\d+\.\d{3}$")  # h:mm:ss.mmm, m:ss.mmm or ss.mmm
MAX_SHOT_PX = 16_000  # chromium's largest screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.skip("chromium is not installed (`apt-get install -y chromium`; .ci/run installs it) — "
                    "playwright's own browser download cannot work on this machine")
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _clean_copy(src: Path, dest: Path) -> None:
    """The notebook without stored outputs, execution counts or widget state."""
    nb = json.loads(src.read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    nb["metadata"].pop("widgets", None)
    dest.write_text(json.dumps(nb, indent=1))


def _stop(proc: subprocess.Popen) -> None:
    """Terminate the server's whole process group (kernels included), then kill what is left."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=10)


def _wait_for_server(url: str, proc: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"JupyterLab exited ({proc.returncode}):\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"JupyterLab did not answer {url} within {timeout} s:\n{log.read_text()[-4000:]}")


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory):
    """One JupyterLab server (isolated config, settings, data and f1nb home) serving clean copies of the
    five notebooks; cells are not windowed (every output is in the page) and the app is reachable from
    the page's JavaScript (to switch the theme as the Settings menu does)."""
    tmp = tmp_path_factory.mktemp("jupyterlab")
    root = tmp / "root"
    root.mkdir()
    for name in NOTEBOOKS:
        _clean_copy(REPO / "notebooks" / name, root / name)
    tracker = tmp / "settings" / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True)
    (tracker / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("F1NB_", "JUPYTER_"))}
    env.update(F1NB_HOME=str(tmp / "f1nb-home"), JUPYTER_CONFIG_DIR=str(tmp / "jupyter-config"),
               JUPYTER_RUNTIME_DIR=str(tmp / "jupyter-runtime"), IPYTHONDIR=str(tmp / "ipython"),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"), JUPYTERLAB_SETTINGS_DIR=str(tmp / "settings"),
               MPLBACKEND="module://matplotlib_inline.backend_inline")
    log = tmp / "jupyterlab.log"
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.open_browser=False",
           "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
           f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={root}", "--allow-root",
           "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
           "--LabApp.expose_app_in_browser=True"]
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)  # own process group: the kernels die with it
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for_server(f"{base}/api/status?token={TOKEN}", proc, log)
        yield {"base": base, "log": log, "root": root}
    finally:
        _stop(proc)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    executable = _chromium()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


def _answer_dialogs(page) -> None:
    """A fresh JupyterLab may ask which kernel to start (answer: the notebook's own, preselected) and
    whether to fetch Jupyter news (no)."""
    select = page.locator(".jp-Dialog .jp-Dialog-button", has_text="Select")
    try:
        select.wait_for(state="visible", timeout=8_000)
        select.click()
    except Exception:  # no dialog: the kernel started by itself
        pass
    news = page.locator(".jp-toast-button", has_text="No")
    if news.count():
        news.first.click()


def _set_theme(page, theme: str) -> None:
    """Switch JupyterLab's theme as Settings > Theme does, and wait until the page has it."""
    page.evaluate("t => window.jupyterapp.commands.execute('apputils:change-theme', {theme: t})", theme)
    light = "true" if "Light" in theme else "false"
    page.wait_for_function(f"() => document.body.dataset.jpThemeLight === '{light}'", timeout=30_000)


def _screenshot(page, path: Path) -> None:
    """The whole notebook in one picture: the viewport grown to the notebook's height, then back."""
    page.evaluate(checks.SCROLL_TOP)
    height = page.evaluate(checks.NOTEBOOK_HEIGHT)
    page.set_viewport_size({"width": 1400, "height": min(max(1000, height + 180), MAX_SHOT_PX)})
    # laid out again when the notebook's own scroller has grown (its content grows a little with it)
    target = min(height, MAX_SHOT_PX - 400)
    page.wait_for_function(f"() => ({checks.NOTEBOOK_CLIENT})() >= {target}", timeout=30_000)
    page.screenshot(path=str(path))
    page.set_viewport_size({"width": 1400, "height": 1000})


def _open_and_run(browser, server, name: str):
    """A page with `name` open, every cell run from the Run menu, the kernel idle again."""
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.f1nb_errors = []
    page.on("pageerror", lambda exc: page.f1nb_errors.append(str(exc)))
    # a workspace of its own, reset: the notebooks opened before are not restored next to this one
    url = f"{server['base']}/lab/workspaces/{Path(name).stem}/tree/{name}?reset&token={TOKEN}"
    page.goto(url, wait_until="domcontentloaded", timeout=60_000)
    expect(page.locator(".jp-Notebook .jp-CodeCell").first).to_be_visible(timeout=60_000)
    _answer_dialogs(page)
    _set_theme(page, "JupyterLab Light")
    # the kernel is up when the toolbar's status reads idle
    idle = page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first
    expect(idle).to_be_attached(timeout=60_000)
    try:
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-item:visible .lm-Menu-itemLabel").get_by_text("Run All Cells", exact=True).click()
        page.wait_for_function(checks.ALL_PROMPTS_DONE, timeout=300_000, polling=500)
        expect(idle).to_be_attached(timeout=120_000)
    except Exception:
        _on_failure(page, server, name)
        page.close()
        raise
    return page


@contextmanager
def _notebook_page(browser, server, name: str):
    """`name` opened and run (see `_open_and_run`); on a failure the screenshot and the server
    log are kept; afterwards the page is closed and the kernels it started are stopped."""
    page = _open_and_run(browser, server, name)
    try:
        yield page
    except Exception:
        _on_failure(page, server, name)
        raise
    finally:
        page.close()
        _shutdown_kernels(server)


def _check_common(page, name: str, plots: bool = True) -> dict:
    """The checks every notebook passes; returns what was read, for the notebook's own checks."""
    assert page.evaluate(checks.TRACEBACKS) == [], f"{name}: an output shows an error"
    assert page.evaluate(checks.UNLABELLED_PROGRESS) == {"unlabelled": 0, "textBars": 0}, \
        f"{name}: an unlabelled progress bar is left in an output"
    figures = page.evaluate(checks.FIGURES)
    assert figures or not plots, f"{name}: no plot follows the notebook theme"
    assert all(f["light"] and not f["dark"] and f["width"] > 300 for f in figures), figures
    tables = page.evaluate(checks.TABLES)
    assert not [t["heads"] for t in tables if t["sideways"]], f"{name}: a table scrolls sideways"
    return {"figures": figures, "tables": tables}


def _check_dark_then_light(page, name: str) -> None:
    """Screenshots in both themes; in the dark one every plot is its dark rendering."""
    _screenshot(page, SHOTS / f"{Path(name).stem}-light.png")
    _set_theme(page, "JupyterLab Dark")
    try:
        figures = page.evaluate(checks.FIGURES)
        assert all(f["dark"] and not f["light"] for f in figures), f"{name}: a plot stays light in the dark theme"
        _screenshot(page, SHOTS / f"{Path(name).stem}-dark.png")
    finally:
        _set_theme(page, "JupyterLab Light")
    assert not page.f1nb_errors, f"JavaScript errors on the page: {page.f1nb_errors}"


def _table(seen: dict, *heads: str) -> dict:
    found = [t for t in seen["tables"] if set(heads) <= set(t["heads"])]
    assert found, f"no table with columns {heads}; tables: {[t['heads'] for t in seen['tables']]}"
    return found[0]


def _filled(values: list[str]) -> list[str]:
    return [v for v in values if v]


def test_quickstart_and_picker(jupyterlab, browser):
    from playwright.sync_api import expect

    name = NOTEBOOKS[0]
    with _notebook_page(browser, jupyterlab, name) as page:
        seen = _check_common(page, name)
        assert any("Lap times within 107 % of the fastest lap" in f["alt"] for f in seen["figures"])
        laps = _table(seen, "lap_number", "lap_time_s")
        assert all(TIME.match(v) for v in _filled(laps["cols"]["lap_time_s"]))
        status = page.evaluate(checks.PICKER_STATUS)
        assert status and "⚠" not in status[-1], f"the picker opened on an error: {status}"
        _check_dark_then_light(page, name)

        # choose the demo session in the picker and load it
        expect(page.locator(".jp-OutputArea-output .f1nb-card").first).to_be_visible(timeout=30_000)
        picker = page.locator(".jp-OutputArea-output .widget-vbox").filter(
            has=page.locator("button", has_text="Load")).last
        expect(picker).to_be_visible(timeout=60_000)
        picker.scroll_into_view_if_needed()
        selects = picker.locator("select")
        selects.nth(0).select_option(label="Demo (offline)")
        expect(selects.nth(1).locator("option")).to_have_count(1)
        selects.nth(2).select_option(label="Qualifying")
        page.screenshot(path=str(ARTIFACTS / "3-picker-chosen.png"))
        picker.locator("button", has_text="Load").click()
        bar = picker.locator(".progress-bar")
        expect(bar).to_have_class("progress-bar progress-bar-success", timeout=120_000)
        assert bar.evaluate("b => b.style.width") == "100%"
        expect(picker.locator(".widget-html-content", has_text="loaded")).to_be_visible()
        card = picker.locator(".f1nb-card")
        expect(card).to_be_visible(timeout=30_000)
        expect(card.locator("h3")).to_contain_text("Qualifying")
        picker.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "4-picker-loaded.png"))
        assert page.evaluate(checks.TRACEBACKS) == [], "an output shows an error"
        assert page.evaluate(checks.UNLABELLED_PROGRESS) == {"unlabelled": 0, "textBars": 0}


def test_race_analysis(jupyterlab, browser):
    name = NOTEBOOKS[1]
    with _notebook_page(browser, jupyterlab, name) as page:
        seen = _check_common(page, name)
        alts = [f["alt"] for f in seen["figures"]]
        # point 2: quick laps of the top six by default, the rule in the title, the band in the legend
        lap_chart = next(a for a in alts if a.startswith("Lap times") and "top 6" in a)
        assert "within 107 % of the fastest lap" in lap_chart
        # point 8: every compound of the strategy chart has its colour (no grey "Unknown")
        strategy = next(a for a in alts if a.startswith("Tyre strategy"))
        assert "legend: " in strategy and "Unknown" not in strategy
        # point 5: times as m:ss.mmm / h:mm:ss.mmm, whole points
        results = _table(seen, "total_time_s", "points")
        assert _filled(results["cols"]["total_time_s"]) and all(
            TIME.match(v) for v in _filled(results["cols"]["total_time_s"])), results["cols"]["total_time_s"]
        assert all(re.fullmatch(r"\d+", v) for v in _filled(results["cols"]["points"])), results["cols"]["points"]
        pace = _table(seen, "median_s")
        assert all(TIME.match(v) for v in _filled(pace["cols"]["median_s"]))
        # point 6: the LapExplorer's table scrolls in a box and its decimals line up
        explorer = page.evaluate(checks.LAP_EXPLORER)
        assert explorer is not None and explorer["height"] < 1500, explorer
        print(f"[browser] LapExplorer {explorer['height']:.0f} px tall, {len(explorer['options'])} drivers to choose")
        laps = _table(seen, "sector_1_s", "sector_2_s")
        assert laps["scrollBox"] and laps["scrollBox"]["client"] <= 425 < laps["scrollBox"]["scroll"]
        for col in ("sector_2_s", "sector_3_s"):
            assert all(re.fullmatch(r"\d+\.\d{3}", v) for v in _filled(laps["cols"][col])), laps["cols"][col]
        # point 11: the reserve who never drove is not a choice
        assert len(explorer["options"]) == 10 and not any(o.startswith("RES") for o in explorer["options"])
        _check_dark_then_light(page, name)


def test_telemetry(jupyterlab, browser):
    name = NOTEBOOKS[2]
    with _notebook_page(browser, jupyterlab, name) as page:
        seen = _check_common(page, name)
        assert len(seen["figures"]) >= 2  # the telemetry comparison and the track map
        _check_dark_then_light(page, name)


def test_lakehouse(jupyterlab, browser):
    name = NOTEBOOKS[3]
    with _notebook_page(browser, jupyterlab, name) as page:
        seen = _check_common(page, name, plots=False)
        # the seed's Session API: the three layers side by side; silver.laps names driver and team (point 12)
        assert page.evaluate(checks.LAYERS) == ["bronze", "silver", "gold"]
        _table(seen, "abbreviation", "team_name", "lap_number", "lap_time_s")
        # point 9: the SQL folded per model, the tree drawn with proper connectors
        lineage = page.evaluate(checks.LINEAGE)
        assert lineage["details"] > 3 and lineage["open"] == 0 and 0 < lineage["height"] < 500, lineage
        print(f"[browser] lineage --sql: {lineage['details']} folded models, {lineage['height']:.0f} px tall")
        assert "├─ " in lineage["tree"] and "│  " in lineage["tree"] and "└─ " in lineage["tree"]
        _check_dark_then_light(page, name)


def test_season(jupyterlab, browser):
    name = NOTEBOOKS[4]
    with _notebook_page(browser, jupyterlab, name) as page:
        seen = _check_common(page, name, plots=False)
        standings = _table(seen, "points", "average_finish")
        assert all(re.fullmatch(r"\d+", v) for v in _filled(standings["cols"]["points"]))
        assert all(re.fullmatch(r"\d+\.\d{2}", v) for v in _filled(standings["cols"]["average_finish"]))
        _check_dark_then_light(page, name)


def _shutdown_kernels(server) -> None:
    """Stop the kernels the notebooks started (each test's page leaves one running)."""
    req = urllib.request.Request(f"{server['base']}/api/sessions?token={TOKEN}")
    with urllib.request.urlopen(req, timeout=10) as r:
        sessions = json.loads(r.read())
    for session in sessions:
        urllib.request.urlopen(urllib.request.Request(
            f"{server['base']}/api/sessions/{session['id']}?token={TOKEN}", method="DELETE"), timeout=30).close()


def _on_failure(page, server, name: str) -> None:
    try:
        page.screenshot(path=str(ARTIFACTS / f"failure-{Path(name).stem}.png"))
    except Exception:
        pass
    print(server["log"].read_text()[-4000:])
