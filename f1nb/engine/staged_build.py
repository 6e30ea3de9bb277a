"""A build's light per-session models, several at a time, before the build's transaction.

Most models read only the timing feeds (tens of thousands of rows): each is one statement of a
few to ~100 ms on one thread, and they ran one after another while the other cores idled
(Baku's build: 0.5-0.6 s of CPU, all on one core). They read only Bronze and each other, so
independent ones can run at once on separate connections, but two connections are two
transactions and a build commits all or nothing. So they run into a staging database in
memory, each on a worker connection: the lake is only read. The build's one transaction then
copies each staged table into the lake (`copy_staged`: a DELETE and an INSERT of the session's
rows) and runs the other models (over the telemetry samples on every thread, the cross-session
roll-ups) as before. A failure drops the stage: the lake is as it was.

A build of more than STAGED_SESSIONS sessions runs its models in turn, as before: each
statement then has many sessions' rows to work on, and staging them in groups measured no faster
(a 48-session season: 2.3-2.6 s in turn, 2.5-3.7 s in groups of 8, planning every model once per
group) and held ~135 MB more.
"""

from __future__ import annotations

import itertools
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from typing import Self

from .. import waiting
from ..modeling.model import session_scope
from .compiled import Step, input_view
from .step_sql import column_defs, sessions_in, typed_select

_STAGE_NAMES = itertools.count()
# The most sessions a build stages (a race's timing models: a few MB in the stage).
STAGED_SESSIONS = 8


def stageable(steps: list[Step], heavy: set[str]) -> list[Step]:
    """The models that can run on the stage: per-session, not over the samples (those want every
    thread), and reading no model of this build that is not staged itself. In build order."""
    names = {s.name for s in steps}
    staged: list[Step] = []
    done: set[str] = set()
    for step in steps:
        inputs_ok = all(full not in names or full in done for full in step.inputs)
        if step.per_session and step.name not in heavy and inputs_ok:
            staged.append(step)
            done.add(step.name)
    return staged


def worker_count(lake) -> int:
    """Models run at once: DuckDB's thread setting (the user's cap on the lake's cores), at most 4
    (Baku's build has a critical path of ~40 % of its models' time)."""
    (threads,) = lake.raw.execute("SELECT current_setting('threads')").fetchone()
    return max(1, min(4, int(threads)))


def _priority(steps: list[Step]) -> dict[str, int]:
    """How many staged models wait on each (directly or not): the longest chains start first."""
    below: dict[str, set[str]] = {s.name: set() for s in steps}
    for step in reversed(steps):
        for full in step.inputs:
            if full in below:
                below[full] |= below[step.name] | {step.name}
    return {name: len(after) for name, after in below.items()}


class Stage:
    """A staging database in memory, attached to the lake's DuckDB for one build.
    Made and dropped on a connection of its own: the build's transaction only reads it (a
    database the transaction wrote to could not be detached before the commit)."""

    def __init__(self, lake):
        self.name = f"f1nb_stage_{next(_STAGE_NAMES)}"
        self._admin = lake.raw.cursor()

    def table(self, full: str) -> str:
        layer, name = full.split(".")
        return f'{self.name}.{layer}."{name}"'

    def __enter__(self) -> Self:
        try:
            self._admin.execute(f"ATTACH ':memory:' AS {self.name}")
            self._admin.execute(f"CREATE SCHEMA {self.name}.silver; CREATE SCHEMA {self.name}.gold")
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        try:
            self._admin.execute(f"DETACH DATABASE IF EXISTS {self.name}")
        finally:
            self._admin.close()


def run_on_stage(lake, stage: Stage, steps: list[Step], scope: list[int] | None, runs: dict[str, bool],
                 catalog: dict, workers: int, started=None) -> dict[str, float]:
    """Stage every model of `steps` (build order) for the sessions `scope` (None: all), up to
    `workers` at a time, each once its staged inputs are; `runs[name]` False: the model can have
    no rows (its table is made empty, its SQL not run). `started(step)` hears of each as it starts.
    Returns each model's seconds; a model's failure is raised as a `StageError`, once the
    statements under way have been interrupted."""
    columns = {s.name: [c for c, _ in s.columns] for s in steps}
    priority = _priority(steps)
    todo = list(steps)
    staged: set[str] = set()
    seconds: dict[str, float] = {}
    running: dict[Future, tuple[Step, object]] = {}
    pointed: dict[int, set[str]] = {}  # per cursor: the input views it has (the same for every model)
    with _cursors(lake, workers) as free, ThreadPoolExecutor(workers, thread_name_prefix="f1nb-build") as pool:
        try:
            while todo or running:
                ready = [s for s in todo if all(i not in columns or i in staged for i in s.inputs)]
                if not ready and not running:
                    raise RuntimeError(f"staged models wait on each other: {', '.join(s.name for s in todo)}")
                ready.sort(key=lambda s: -priority[s.name])  # stable: build order among equals
                for step in ready[:len(free)]:
                    todo.remove(step)
                    cursor = free.pop()
                    if started is not None:
                        started(step)
                    future = pool.submit(_stage_one, cursor, stage, step, scope, runs[step.name], catalog, columns,
                                         pointed.setdefault(id(cursor), set()))
                    running[future] = (step, cursor)
                finished, _ = wait(running, timeout=waiting.SLICE_S, return_when=FIRST_COMPLETED)  # Ctrl-C heard
                for future in finished:
                    step, cursor = running.pop(future)
                    free.append(cursor)
                    try:
                        seconds[step.name] = future.result()
                    except Exception as exc:
                        raise StageError(step, exc) from exc
                    staged.add(step.name)
        except BaseException:
            for _, cursor in running.values():  # Ctrl-C or a failed model: stop the other statements now
                cursor.interrupt()
            raise
    return seconds


class StageError(Exception):
    """A staged model failed (`step`, `exc`)."""

    def __init__(self, step: Step, exc: Exception):
        super().__init__(f"{step.name}: {exc}")
        self.step, self.exc = step, exc


@contextmanager
def _cursors(lake, n: int):
    cursors = [lake.worker_connection() for _ in range(n)]
    try:
        yield list(cursors)
    finally:
        for cursor in cursors:
            cursor.close()


def _stage_one(cursor, stage: Stage, step: Step, scope: list[int] | None, run: bool, catalog: dict,
               staged: dict[str, list[str]], pointed: set[str]) -> float:
    """One model into the stage, on a worker connection: its input views point at the stage's
    tables for staged models, at the lake's for Bronze (and for models this build leaves);
    `pointed`: the views the cursor has already."""
    started = time.perf_counter()
    if not run:
        cursor.execute(f"CREATE TABLE {stage.table(step.name)} ({column_defs(step)})")
        return time.perf_counter() - started
    for full in (full for full in step.inputs if full not in pointed):
        keys = session_scope(True, scope, staged.get(full) or catalog.get(tuple(full.split(".")), ()))
        source = stage.table(full) if full in staged else full
        cursor.execute(f'CREATE OR REPLACE TEMP VIEW "{input_view(full)}" AS SELECT * FROM {source} '
                       f"WHERE {sessions_in(keys)}")
        pointed.add(full)
    cursor.execute(f"CREATE TABLE {stage.table(step.name)} AS {typed_select(step)}")
    return time.perf_counter() - started


def fits(lake, keys: list[int] | None) -> bool:
    """Whether a stage of the sessions `keys` (None: every session of the lake) is small enough
    (STAGED_SESSIONS)."""
    if keys is None:
        return int(lake.raw.execute("SELECT count(*) FROM bronze.sessions").fetchone()[0]) <= STAGED_SESSIONS
    return len(keys) <= STAGED_SESSIONS


def copy_staged(lake, stage: Stage, step: Step, scope: list[int] | None, exists: bool) -> int | None:
    """The staged rows into the lake's table, in the build's transaction: the table made from
    them when it does not `exist` (its row count returned), else the sessions `scope` (None:
    all) replaced by them."""
    if not exists:
        (rows,) = lake.raw.execute(f"CREATE TABLE {step.name} AS SELECT * FROM {stage.table(step.name)}").fetchone()
        return int(rows)
    lake.raw.execute(f"DELETE FROM {step.name} WHERE {sessions_in(scope)}")
    lake.raw.execute(f"INSERT INTO {step.name} BY NAME SELECT * FROM {stage.table(step.name)}")
    return None
