"""The demo season's sessions written by fresh processes, one per core, each session handed
to the caller as soon as its files are complete.

Every worker (`python -m f1nb.demo.session_worker`) prints one JSON line per step and one per
session written; a thread per worker relays the lines to a queue, and the caller's thread
reports the steps and calls `on_written` with each session. A caller that loads a session
there loads it while the other workers still write theirs: the demo's qualifying loads while
its race is written (the race's telemetry takes twice the qualifying's time to write)."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import orjson

from ..blas_threads import one_blas_thread
from ..errors import F1nbError
from ..progress import Report
from . import config as C


def worker_count(jobs: int) -> int:
    """Processes to write sessions on: one per usable core, at most one per session."""
    try:
        cores = len(os.sched_getaffinity(0))  # follows taskset/cgroup cpusets, where cpu_count does not
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, jobs, 4))


def shares(jobs: list, workers: int) -> list[list]:
    """Jobs dealt to `workers` processes, races first so that each gets a like share of the work."""
    order = sorted(jobs, key=lambda job: job[1] != "Race")
    return [order[i::workers] for i in range(workers)]


def session_row(sp: C.SessionPaths) -> dict:
    return {**asdict(sp), "directory": str(sp.directory)}


def session_from_row(row: dict) -> C.SessionPaths:
    return C.SessionPaths(**{**row, "directory": Path(row["directory"]), "topics": tuple(row["topics"])})


class Writers:
    """Worker processes writing `jobs` [(round, session name)] under `root`, started at once:
    `collect` waits for their sessions. A caller can start them first and do its own setup
    while they write (`f1nb demo` opens the lake meanwhile); leaving the block stops any
    still running."""

    def __init__(self, root: Path, cfg: C.DemoConfig, jobs: list, workers: int):
        self.jobs = list(jobs)
        self.events: queue.SimpleQueue = queue.SimpleQueue()
        self.procs = []
        try:
            for share in shares(self.jobs, workers):
                self.procs.append(start_worker(root, cfg, share))
                threading.Thread(target=_relay, args=(self.procs[-1], self.events), name="f1nb-demo-worker",
                                 daemon=True).start()
        except BaseException:
            self.close()
            raise

    def collect(self, report: Report, on_written: Callable[[C.SessionPaths], None]) -> list[C.SessionPaths]:
        """What was written, in the order of the jobs. `report(done, text)` hears every worker's
        steps; `on_written(session)` is called in this thread as each session is complete. A
        worker that fails, or an `on_written` that raises, stops every worker."""
        done = {f"{rnd}:{name}": 0.0 for rnd, name in self.jobs}
        written: dict[str, C.SessionPaths] = {}
        try:
            for _ in self.procs:  # each worker's lines end with its exit
                while (event := self.events.get())[0] != "exit":
                    kind, job, value = event
                    if kind == "step":
                        done[job] = value[0]
                        report(sum(done.values()) / len(done), value[1])
                    else:
                        done[job], written[job] = 1.0, value
                        on_written(value)
                if event[1] is not None:
                    raise event[1]
        finally:
            self.close()
        return [written[f"{rnd}:{name}"] for rnd, name in self.jobs]

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            proc.log.close()
        self.procs = []

    def __enter__(self) -> Writers:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def write_on_workers(root: Path, cfg: C.DemoConfig, jobs: list, workers: int, report: Report,
                     on_written: Callable[[C.SessionPaths], None]) -> list[C.SessionPaths]:
    """Write `jobs` [(round, session name)] on `workers` fresh processes; returns what was
    written, in the order of `jobs` (`Writers.collect`)."""
    return Writers(root, cfg, jobs, workers).collect(report, on_written)


def start_worker(root: Path, cfg: C.DemoConfig, jobs: list) -> subprocess.Popen:
    """A fresh interpreter that writes `jobs` (`python -m f1nb.demo.session_worker`). Not
    multiprocessing: its spawn re-runs the caller's main script, and its fork copies a process
    whose DuckDB or Jupyter threads may hold locks. Its stderr goes to a file, which no
    amount of warnings can fill as a pipe would (the worker would block)."""
    package_root = str(Path(__file__).resolve().parents[2])  # the f1nb this process imported
    path = os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))
    env = one_blas_thread(dict(os.environ, PYTHONPATH=path))  # its numpy does no BLAS work
    args = [sys.executable, "-m", "f1nb.demo.session_worker", str(root), orjson.dumps(asdict(cfg)).decode()]
    args += [f"{rnd}:{name}" for rnd, name in jobs]
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=log)
    proc.log = log  # read at its exit (`_last_line`)
    return proc


def _relay(proc: subprocess.Popen, events: queue.SimpleQueue) -> None:
    """A worker's lines as events: ("step", job, (done, text)), ("written", job, session), and
    last ("exit", None or the error, None)."""
    error = None
    try:
        with proc.stdout:
            for line in proc.stdout:
                row = orjson.loads(line)
                if "written" in row:
                    events.put(("written", row["job"], session_from_row(row["written"])))
                else:
                    events.put(("step", row["job"], (row["done"], row["text"])))
        if proc.wait() != 0:
            error = F1nbError(f"writing the demo archive failed in a worker process: {_last_line(proc)}")
    except Exception as exc:  # a line that is not the worker's: the error reaches the caller's thread
        error = F1nbError(f"writing the demo archive: a worker process said something unexpected ({exc})")
    events.put(("exit", error, None))


def _last_line(proc: subprocess.Popen) -> str:
    proc.log.seek(0)
    lines = proc.log.read().decode("utf-8", "replace").strip().splitlines()
    return lines[-1] if lines else f"exit code {proc.returncode}"
