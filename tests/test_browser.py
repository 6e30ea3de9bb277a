"""The quickstart in a real browser: JupyterLab 4 (headless server) + Debian's chromium via playwright.

Starts JupyterLab on a free local port with a known token, in a temporary root
holding a copy of 01_quickstart.ipynb with its stored outputs removed (so every
output checked here was produced in this run), opens it, runs all cells from
the Run menu, then uses the session picker like a person: choose the demo
season and a session, press Load. It checks that the progress bar completes,
the session card and a plot image are shown, and that no output shows a
traceback. Screenshots go to artifacts/browser/ (gitignored).

Only the `playwright` pip package is used: its own browser download cannot work
here, so it drives the system's `chromium` (.ci/run installs it when missing).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "artifacts" / "browser"
NOTEBOOK = "01_quickstart.ipynb"
TOKEN = "f1nb-browser-test"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]

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


@pytest.fixture
def jupyterlab(tmp_path):
    """A JupyterLab server (isolated config, data and f1nb home) serving a clean copy of the quickstart."""
    root = tmp_path / "root"
    root.mkdir()
    _clean_copy(REPO / "notebooks" / NOTEBOOK, root / NOTEBOOK)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("F1NB_", "JUPYTER_"))}
    env.update(F1NB_HOME=str(tmp_path / "f1nb-home"), JUPYTER_CONFIG_DIR=str(tmp_path / "jupyter-config"),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "jupyter-runtime"), IPYTHONDIR=str(tmp_path / "ipython"),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"), MPLBACKEND="module://matplotlib_inline.backend_inline")
    log = tmp_path / "jupyterlab.log"
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.open_browser=False",
           "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
           f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={root}", "--allow-root",
           "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)  # own process group: the kernels die with it
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for_server(f"{base}/api/status?token={TOKEN}", proc, log)
        yield {"url": f"{base}/lab/tree/{NOTEBOOK}?token={TOKEN}", "log": log, "root": root}
    finally:
        _stop(proc)


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


ALL_PROMPTS_DONE = """() => {
    const prompts = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')];
    return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
}"""

TRACEBACKS = """() => [...document.querySelectorAll(
    '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')]
    .map(e => e.textContent).filter(t => t.includes('Traceback') || /Error\\b/.test(t))"""


def test_quickstart_in_jupyterlab_with_chromium(jupyterlab):
    from playwright.sync_api import expect, sync_playwright

    executable = _chromium()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()
    started = time.monotonic()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            console_errors: list[str] = []
            page.on("pageerror", lambda exc: console_errors.append(str(exc)))
            page.goto(jupyterlab["url"], wait_until="domcontentloaded", timeout=60_000)
            expect(page.locator(".jp-Notebook .jp-CodeCell").first).to_be_visible(timeout=60_000)
            _answer_dialogs(page)
            # the kernel is up when the toolbar's status reads idle
            expect(page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first).to_be_attached(
                timeout=60_000)
            page.screenshot(path=str(ARTIFACTS / "1-opened.png"))

            page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
            page.locator(".lm-Menu-item:visible .lm-Menu-itemLabel").get_by_text("Run All Cells", exact=True).click()
            page.wait_for_function(ALL_PROMPTS_DONE, timeout=180_000, polling=500)
            expect(page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first).to_be_attached(
                timeout=60_000)
            page.screenshot(path=str(ARTIFACTS / "2-run-all.png"))

            # the outputs of the run: the session card, a plot image, the picker
            expect(page.locator(".jp-OutputArea-output .f1nb-card").first).to_be_visible(timeout=30_000)
            plot = page.locator(".jp-OutputArea-output img").first
            expect(plot).to_be_visible(timeout=30_000)
            assert plot.evaluate("img => img.naturalWidth") > 300, "the plot image did not load"
            picker = page.locator(".jp-OutputArea-output .widget-vbox").filter(
                has=page.locator("button", has_text="Load")).last
            expect(picker).to_be_visible(timeout=60_000)
            picker.scroll_into_view_if_needed()

            # choose the demo session and load it
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

            assert page.evaluate(TRACEBACKS) == [], "an output shows an error"
            assert not console_errors, f"JavaScript errors on the page: {console_errors}"
        except Exception:
            try:
                page.screenshot(path=str(ARTIFACTS / "failure.png"))
            except Exception:
                pass
            print(jupyterlab["log"].read_text()[-4000:])
            raise
        finally:
            browser.close()
    print(f"browser test: {time.monotonic() - started:.0f} s in chromium")
