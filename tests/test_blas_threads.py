"""OpenBLAS's spinning server threads are kept out of the processes f1nb owns (its command and
the demo's writers), and a value the user set is kept (each case in a fresh process: OpenBLAS
reads the variable once, when numpy is imported)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from f1nb.blas_threads import VARIABLE, one_blas_thread
from f1nb.demo import config as C
from f1nb.demo import workers


def test_absent_means_one_thread_and_a_users_value_is_kept():
    assert one_blas_thread({}) == {VARIABLE: "1"}
    assert one_blas_thread({VARIABLE: "4"}) == {VARIABLE: "4"}


def _after_the_command(env: dict) -> tuple[str, int]:
    """The variable, and the process's thread count once numpy is imported, after `f1nb`'s
    command has parsed its arguments."""
    code = ("import contextlib, os\nfrom f1nb.cli import main\n"
            "with contextlib.suppress(SystemExit):\n    main(['--help'])\n"
            "import numpy\nprint(os.environ.get('OPENBLAS_NUM_THREADS'), len(os.listdir('/proc/self/task')))\n")
    base = {k: v for k, v in os.environ.items() if k != VARIABLE}
    out = subprocess.run([sys.executable, "-c", code], env=base | env, capture_output=True, text=True, check=True)
    value, threads = out.stdout.split()[-2:]
    return value, int(threads)


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="counts threads through Linux's /proc")
def test_the_command_imports_numpy_without_blas_threads():
    assert _after_the_command({}) == ("1", 1)


def test_the_command_keeps_a_users_value():
    assert _after_the_command({VARIABLE: "2"})[0] == "2"


def _worker_env(monkeypatch, root: Path) -> dict:
    """The environment `start_worker` gives the demo's writer, caught at `subprocess.Popen`
    (the child run instead is a no-op interpreter)."""
    caught, real_popen = {}, subprocess.Popen

    def popen(args, env, **kw):
        caught.update(env)
        return real_popen([sys.executable, "-c", "pass"], env=env, **kw)

    monkeypatch.setattr(workers.subprocess, "Popen", popen)
    workers.start_worker(root, C.DemoConfig(), []).wait()
    return caught


def test_demo_writers_start_with_one_blas_thread(tmp_path, monkeypatch):
    monkeypatch.delenv(VARIABLE, raising=False)
    assert _worker_env(monkeypatch, tmp_path)[VARIABLE] == "1"
    assert VARIABLE not in os.environ  # the caller's own environment is untouched


def test_demo_writers_keep_a_users_value(tmp_path, monkeypatch):
    monkeypatch.setenv(VARIABLE, "3")
    assert _worker_env(monkeypatch, tmp_path)[VARIABLE] == "3"
