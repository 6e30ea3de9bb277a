"""Binder: build the environment as repo2docker would, and run the quickstart in it.

repo2docker (with a `binder/` folder) reads only that folder: it installs
`binder/requirements.txt` from the repository root, then runs `binder/postBuild`
there. This test does the same in a real fresh virtual environment (no
`--system-site-packages`: a missing requirement must fail here, not be hidden by
this machine's packages), from a copy of the working tree, with f1nb's data
directory in a temporary folder. pip's wheel cache is used as on any machine, so
a warm run takes ~1-2 minutes (measured here: see the report in the output).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BINDER = REPO / "binder"

pytestmark = pytest.mark.slow


def test_binder_files_are_what_repo2docker_reads():
    assert (BINDER / "runtime.txt").read_text().strip() == "python-3.11"
    requirements = [line.split("#")[0].strip() for line in (BINDER / "requirements.txt").read_text().splitlines()]
    assert "." in requirements, "binder/requirements.txt must install the package itself"
    post = (BINDER / "postBuild").read_text().splitlines()
    assert post[0].startswith("#!") and "set -e" in [line.strip() for line in post[1:4] if line.strip()], \
        "postBuild must start with `set -e`"
    assert os.access(BINDER / "postBuild", os.X_OK), "postBuild must be executable"
    readme = (REPO / "README.md").read_text()
    assert "urlpath=lab/tree/notebooks/01_quickstart.ipynb" in readme, "the Binder badge must open the quickstart"


def test_postbuild_config_matches_the_quickstart():
    """postBuild prepares the quickstart's demo: the two DemoConfigs must be the same."""
    nb = json.loads((REPO / "notebooks" / "01_quickstart.ipynb").read_text())
    setup = next("".join(c["source"]) for c in nb["cells"] if "DemoConfig(" in "".join(c["source"]))
    config = next(line for line in setup.splitlines() if line.startswith("DEMO = "))
    expected = config.removeprefix("DEMO = ").strip()
    assert f"QUICKSTART = {expected}" in (BINDER / "postBuild").read_text()


def _copy_tree(dest: Path) -> None:
    """The working tree as a clone would have it (tracked and new files, nothing ignored)."""
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO, check=True,
                           capture_output=True).stdout.decode().split("\0")
    for name in filter(None, files):
        src = REPO / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)


def _run(cmd, cwd, env, timeout, what):
    started = time.monotonic()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    took = time.monotonic() - started
    if proc.returncode != 0:
        pytest.fail(f"{what} failed ({proc.returncode}) after {took:.0f} s\n--- stdout\n{proc.stdout[-4000:]}"
                    f"\n--- stderr\n{proc.stderr[-4000:]}")
    return proc, took


def test_binder_environment_runs_the_quickstart(tmp_path):
    if shutil.which("git") is None:
        pytest.skip("git is needed to copy the working tree")
    repo = tmp_path / "repo"
    _copy_tree(repo)
    venv = tmp_path / "venv"
    home = tmp_path / "f1nb-home"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    bin_dir = venv / "bin"
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME") and not k.startswith(("F1NB_", "JUPYTER_"))}
    env.update(PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}", VIRTUAL_ENV=str(venv), F1NB_HOME=str(home),
               PIP_DISABLE_PIP_VERSION_CHECK="1", MPLCONFIGDIR=str(tmp_path / "mpl"),
               JUPYTER_CONFIG_DIR=str(tmp_path / "jupyter-config"), JUPYTER_DATA_DIR=str(tmp_path / "jupyter-data"),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "jupyter-runtime"), IPYTHONDIR=str(tmp_path / "ipython"))
    times = {}
    _, times["pip install"] = _run([str(bin_dir / "python"), "-m", "pip", "install", "-q", "-r",
                                    "binder/requirements.txt"], repo, env, 900, "pip install -r binder/requirements.txt")
    _, times["postBuild"] = _run(["./binder/postBuild"], repo, env, 300, "binder/postBuild")
    trees = sorted((home / "demo-archive").iterdir())
    assert len(trees) == 1 and (home / "lake.duckdb").exists(), "postBuild prepares one demo tree and the lake"

    out = tmp_path / "executed.ipynb"
    _, times["quickstart"] = _run(
        [str(bin_dir / "jupyter"), "nbconvert", "--to", "notebook", "--execute", "--output", str(out),
         "--ExecutePreprocessor.kernel_name=python3", "--ExecutePreprocessor.timeout=300",
         "notebooks/01_quickstart.ipynb"], repo, env, 400, "executing 01_quickstart.ipynb")
    print("binder build and quickstart: " + ", ".join(f"{k} {v:.0f} s" for k, v in times.items()))

    nb = json.loads(out.read_text())
    errors = [o for c in nb["cells"] for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert not errors, errors
    images = [o for c in nb["cells"] for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert images, "the quickstart draws a plot"
    assert sorted((home / "demo-archive").iterdir()) == trees, "the quickstart reused postBuild's demo tree"
    probe = subprocess.run([str(bin_dir / "python"), "-c", "import f1nb, sys; print(f1nb.__file__)"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, check=True).stdout
    assert str(venv) in probe, f"f1nb must be installed into the venv (non-editable), got {probe}"
