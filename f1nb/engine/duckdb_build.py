"""Materialising Silver and Gold in the lake.

All models of one build run in one transaction: a failure leaves every layer
as it was. Per-session models rebuild only the sessions asked for, so loading
a session never rewrites another; cross-session models are rebuilt whole.

A build runs the compiled plan (engine/compiled.py) as plain DuckDB SQL: with the
plan cached it imports neither Ibis nor the model code, and it reads the
catalogue once (`Lake.catalog_snapshot`).
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field

from ..errors import LakeError
from ..modeling.model import session_scope
from .compiled import Step, input_view, plan
from .literals import sql_texts
from .staged_build import (
    Stage,
    StageError,
    copy_staged,
    fits,
    run_on_stage,
    stageable,
    worker_count,
)
from .step_sql import column_defs, sessions_in, typed_select

# The telemetry samples: the only inputs large enough for DuckDB's threads to pay off.
SAMPLE_TABLES = ("bronze.car_samples", "bronze.position_samples")


@dataclass
class BuildReport:
    seconds: dict[str, float] = field(default_factory=dict)  # each model's (several run at once)
    rows: dict[str, int] = field(default_factory=dict)  # each table's rows after the build
    wall_s: float | None = None  # the whole build's

    def __str__(self) -> str:
        total = sum(self.seconds.values()) if self.wall_s is None else self.wall_s
        return f"built {len(self.seconds)} tables in {total:.2f} s"


def _outdated(step: Step, catalog: dict) -> bool:
    """The model's table exists with other columns than the plan's (built by an older f1nb)."""
    return catalog.get((step.layer, step.table_name)) not in (None, [c for c, _ in step.columns])


def _table_is_current_readonly(step: Step, catalog: dict) -> bool:
    """True if the model's table exists with the plan's columns."""
    return catalog.get((step.layer, step.table_name)) == [c for c, _ in step.columns]


def _table_is_current(lake, step: Step, catalog: dict) -> bool:
    """`_table_is_current_readonly`, and an outdated table is dropped."""
    if _table_is_current_readonly(step, catalog):
        return True
    if _outdated(step, catalog):
        lake.raw.execute(f"DROP TABLE {step.name}")
        del catalog[(step.layer, step.table_name)]
    return False


def _create_as(step: Step) -> str:
    """CREATE TABLE ... AS the model's typed query: one statement where CREATE, DELETE and
    INSERT were three."""
    return f"CREATE TABLE {step.name} AS {typed_select(step)}"


def _point_inputs(lake, step: Step, keys: list[int] | None, catalog: dict, pointed: dict) -> None:
    """Point the model's input views at the sessions being built. `pointed` remembers
    what each view already reads in this build, so shared inputs are pointed once."""
    for full in step.inputs:
        scope = session_scope(step.per_session, keys, catalog.get(tuple(full.split(".")), ()))
        where = f" WHERE {sessions_in(scope)}" if scope is not None else ""
        view = input_view(full)
        if pointed.get(view) != where:
            lake.raw.execute(f'CREATE OR REPLACE TEMP VIEW "{view}" AS SELECT * FROM {full}{where}')
            pointed[view] = where


def _empty_table(step: Step) -> str:
    return f"CREATE TABLE {step.name} ({column_defs(step)})"


def materialise(lake, step: Step, keys: list[int] | None, catalog: dict, pointed: dict,
                has_rows=None, by_session: bool = False) -> int | None:
    """Rebuild one model's rows. `has_rows(scope)`, when given, says whether the model can have
    any rows for the sessions `scope` (None: all); if not, its SQL is not run at all. Returns
    the table's row count where the rebuild tells it (a table made anew), else None.
    `by_session` (a per-session model): its SQL runs once per session (see `_by_session`)."""
    current = _table_is_current(lake, step, catalog)
    scope = keys if current and step.per_session else None  # a new table gets every session's rows
    where = "" if scope is None else f" WHERE {sessions_in(scope)}"
    if by_session and step.per_session:
        _by_session(lake, step, scope, current, where, catalog, pointed, has_rows)
        return None
    if not current:
        rows = 0
        if has_rows is None or has_rows(scope):
            _point_inputs(lake, step, None, catalog, pointed)
            (rows,) = lake.raw.execute(_create_as(step)).fetchone()
        else:
            lake.raw.execute(_empty_table(step))
        catalog[(step.layer, step.table_name)] = [c for c, _ in step.columns]
        return int(rows)
    lake.raw.execute(f"DELETE FROM {step.name}{where}")
    if has_rows is None or has_rows(scope):
        _point_inputs(lake, step, scope, catalog, pointed)
        lake.raw.execute(f"INSERT INTO {step.name} BY NAME {step.sql}")
    return None


def _by_session(lake, step: Step, scope: list[int] | None, current: bool, where: str, catalog: dict,
                pointed: dict, has_rows) -> None:
    """`materialise` of a model over the telemetry samples, one session at a time. Its window
    functions hold their whole input at once: DuckDB's memory for one statement over every
    session grows with the number of sessions (the demo's two: +250 MB; by proportion a
    season's 48 with telemetry would want ~6 GB), one statement per session needs only the
    largest session's. A per-session model's rows of a session come from that session's input
    rows alone, so they are those of one statement over all (fresh demo lakes equal, by
    tools/compare_lakes.py). `scope` None (a new table): every session of its inputs."""
    if current:
        lake.raw.execute(f"DELETE FROM {step.name}{where}")
    else:
        lake.raw.execute(_empty_table(step))
        catalog[(step.layer, step.table_name)] = [c for c, _ in step.columns]
    if has_rows is not None and not has_rows(scope):  # no session of the build has any: no need to list them
        return
    if scope is None:
        scope = _input_sessions(lake, step, catalog)
    for key in scope:
        if has_rows is None or has_rows([key]):
            _point_inputs(lake, step, [key], catalog, pointed)
            lake.raw.execute(f"INSERT INTO {step.name} BY NAME {step.sql}")


def _input_sessions(lake, step: Step, catalog: dict) -> list[int]:
    """Every session key of the model's inputs that have one (a per-session model's rows
    come from its inputs' rows of the same session)."""
    parts = [f"SELECT DISTINCT session_key FROM {full}" for full in step.inputs
             if "session_key" in catalog.get(tuple(full.split(".")), ())]
    if not parts:
        return []
    return [int(k) for (k,) in lake.raw.execute(" UNION ".join(parts) + " ORDER BY 1").fetchall()
            if k is not None]


def holds_built_rows(lake, session_keys: list[int], layers) -> bool:
    """True if a table of `layers` holds a row of one of `session_keys` (one query): their
    build replaces rows rather than only adding them (`Lake.build`)."""
    with lake.catalog_snapshot() as catalog:
        tables = [f"{layer}.{name}" for (layer, name), columns in catalog.items()
                  if layer in layers and "session_key" in columns]
    if not tables or not session_keys:
        return False
    exists = " OR ".join(f"EXISTS (SELECT 1 FROM {t} WHERE {sessions_in(session_keys)})" for t in tables)
    return bool(lake.raw.execute(f"SELECT {exists}").fetchone()[0])


def _per_scope(answer):
    """`answer(scope)`, asked of the lake once per distinct scope of a build."""
    seen: dict = {}

    def ask(scope):
        key = None if scope is None else tuple(scope)
        if key not in seen:
            seen[key] = answer(scope)
        return seen[key]

    return ask


def _sample_check(lake):
    """`has_rows(scope)` for the models over the samples: whether the sessions `scope` (None:
    all) have any car or position sample, one EXISTS query per scope. A model that reads the
    samples has no rows for a session without them; sessions loaded without their `.z` feeds
    (all of ../shared/realdata) have none, and running those four models anyway was about 7 %
    of such a build's CPU."""
    def any_sample(scope) -> bool:
        exists = " OR ".join(f"EXISTS (SELECT 1 FROM {table} WHERE {sessions_in(scope)})" for table in SAMPLE_TABLES)
        return bool(lake.raw.execute(f"SELECT {exists}").fetchone()[0])

    return _per_scope(any_sample)


def _feed_check(lake, steps: list[Step]):
    """`has_rows(scope, feeds)` for the models that declare the feeds their rows come from
    (`Model.feeds`): whether the sessions `scope` (None: all) have a message of any of
    `feeds`, read from bronze.messages (bronze.feeds is a live session's latest batch only),
    one query per scope for every declared feed. A real 2018 session has none of a third of
    them (weather, team radio, timing stats...): those models' SQL was ~30 ms of Baku's build."""
    declared = sorted({feed for step in steps for feed in step.feeds})
    present = _per_scope(lambda scope: {topic for (topic,) in lake.raw.execute(
        f"SELECT DISTINCT topic FROM bronze.messages WHERE list_contains({sql_texts(declared)}, topic) "
        f"AND {sessions_in(scope)}").fetchall()})
    return lambda scope, feeds: not present(scope).isdisjoint(feeds)


def _table_rows(lake, steps: list[Step]) -> dict[str, int]:
    """Each built table's row count, in one query."""
    if not steps:
        return {}
    counts = lake.raw.execute("SELECT " + ", ".join(f"(SELECT count(*) FROM {s.name})" for s in steps)).fetchone()
    return {s.name: int(n) for s, n in zip(steps, counts)}


def _has_rows(step: Step, heavy: set[str], has_samples, has_feeds):
    """The `has_rows(scope)` that lets `materialise` skip a model's SQL, or None (always run it)."""
    if step.name in heavy:
        return has_samples
    if step.feeds:
        return lambda scope: has_feeds(scope, step.feeds)
    return None


def sample_models(steps) -> set[str]:
    """Names of the models that read the telemetry samples, directly or through another model
    (`steps` in build order, each after its inputs)."""
    heavy = set(SAMPLE_TABLES)
    for step in steps:
        if heavy.intersection(step.inputs):
            heavy.add(step.name)
    return heavy - set(SAMPLE_TABLES)


@contextmanager
def _threads_per_step(lake):
    """Yields `use(step_is_heavy)`, which runs the next statements on all of DuckDB's threads
    for a model over the samples and on one thread otherwise; the setting is restored after.
    Every other model reads timing feeds: tens of thousands of rows, one morsel per scan, so a
    second thread only adds scheduling (Baku's build: 0.60-0.65 s CPU on one thread against
    0.77-0.86 s on two, and less wall time on this shared machine)."""
    (threads,) = lake.raw.execute("SELECT current_setting('threads')").fetchone()
    now = [threads]

    def use(heavy: bool) -> None:
        want = threads if heavy else 1
        if want != now[0]:
            lake.raw.execute(f"SET threads = {int(want)}")
            now[0] = want

    try:
        yield use
    finally:
        use(True)


def build_layers(lake, session_keys: list[int] | None = None, layers=("silver", "gold"),
                 exclude: tuple[str, ...] = (), report=None) -> BuildReport:
    """Build the models of `layers` for `session_keys` (all loaded sessions when None).
    Models named in `exclude` keep their current rows (live refreshes skip the
    heavy telemetry tables between full builds). `report(done, text)` (f1nb.progress)
    hears of each model as it starts."""
    if session_keys is None:
        session_keys = [r[0] for r in lake.raw.execute("SELECT session_key FROM bronze.sessions").fetchall()]
    keys = [int(k) for k in session_keys]
    heavy = sample_models(plan())
    steps = [s for s in plan() if s.layer in layers]
    result = BuildReport()
    pointed: dict[str, str] = {}
    has_samples = _sample_check(lake)
    has_feeds = _feed_check(lake, steps)
    # threads outermost: restored after a failed build has rolled back
    build_started = time.perf_counter()
    workers = worker_count(lake)
    with _threads_per_step(lake) as use_threads, lake.catalog_snapshot() as catalog, lake.transaction():
        # an excluded table an older f1nb built is rebuilt all the same: the models after it read
        # its new columns
        steps = [s for s in steps if s.name not in exclude or _outdated(s, catalog)]
        counted: dict[str, int] = {}  # tables made anew: CREATE TABLE AS says how many rows
        starting = _Progress(report, len(steps))
        use_threads(False)
        staged = _build_staged(lake, steps, heavy, keys, catalog, has_samples, has_feeds, result.seconds, counted,
                               starting, workers)
        for step in steps:
            if step.name in staged:
                continue
            starting(step)
            started = time.perf_counter()
            use_threads(step.name in heavy)
            try:
                rows = materialise(lake, step, keys, catalog, pointed, _has_rows(step, heavy, has_samples, has_feeds),
                                   by_session=step.name in heavy)
            except Exception as exc:
                raise LakeError(f"building {step.name} failed: {str(exc).splitlines()[0]}") from exc
            if rows is not None:
                counted[step.name] = rows
            result.seconds[step.name] = time.perf_counter() - started
        counted.update(_table_rows(lake, [s for s in steps if s.name not in counted]))
        result.rows = {s.name: counted[s.name] for s in steps}
        use_threads(True)  # the commit's checkpoint writes the tables on every thread (demo: 0.36 -> 0.30 s)
    result.wall_s = time.perf_counter() - build_started
    return result


class _Progress:
    """`report(done, text)` told of each model as it starts (of `total`)."""

    def __init__(self, report, total: int):
        self.report, self.total, self.begun = report, total, 0

    def __call__(self, step: Step) -> None:
        if self.report is not None:
            self.report(self.begun / self.total, f"building {step.name}")
        self.begun += 1


def _build_staged(lake, steps: list[Step], heavy: set[str], keys: list[int], catalog: dict, has_samples, has_feeds,
                  seconds: dict[str, float], counted: dict[str, int], starting: _Progress, workers: int) -> set[str]:
    """The light per-session models run several at a time on a stage, then copied into the lake
    in the build's transaction (`staged_build`). Returns their names; none when the lake's DuckDB
    has one thread, when the build has more than STAGED_SESSIONS sessions, or when some of their
    tables are current and others new or outdated (each would be built for other sessions): the
    models then run in turn, as `materialise` does."""
    todo = stageable(steps, heavy) if workers > 1 else []
    current = {_table_is_current_readonly(step, catalog) for step in todo}
    if not todo or len(current) > 1:
        return set()
    scope = keys if current == {True} else None  # a new table gets every session's rows
    if not fits(lake, scope):
        return set()
    runs = {}
    for step in todo:
        has_rows = _has_rows(step, heavy, has_samples, has_feeds)
        runs[step.name] = has_rows is None or has_rows(scope)
    with Stage(lake) as stage:
        try:
            took = run_on_stage(lake, stage, todo, scope, runs, catalog, workers, starting)
        except StageError as exc:
            raise LakeError(f"building {exc.step.name} failed: {str(exc.exc).splitlines()[0]}") from exc.exc
        for step in todo:
            started = time.perf_counter()
            rows = copy_staged(lake, stage, step, scope, _table_is_current(lake, step, catalog))
            if rows is not None:
                catalog[(step.layer, step.table_name)] = [c for c, _ in step.columns]
                counted[step.name] = rows
            seconds[step.name] = took[step.name] + time.perf_counter() - started
    return {step.name for step in todo}


def outdated_tables(lake) -> list[str]:
    """Built Silver and Gold tables whose columns are not the plan's: made by an older f1nb
    (a column renamed since). A build drops and recreates each (`_table_is_current`), for every
    session; until then, reads that name the new columns would fail."""
    with lake.catalog_snapshot() as catalog:
        return [s.name for s in plan() if _outdated(s, catalog)]


def run_checks(lake, names: list[str] | None = None) -> list[dict]:
    """Run every declared check on the lake's built tables; one row per check with its
    violation count. The checks' SQL comes from the compiled plan: no Ibis at run time.
    (One UNION ALL of them all, and one SELECT of them all as scalar subqueries, measured
    no faster than separate statements: the time is in the telemetry tables' key checks,
    a hash aggregate over every sample each.)"""
    steps = plan()
    unknown = [n for n in names or () if not any(n in (s.name, s.table_name) for s in steps)]
    if unknown:
        raise LakeError(f"no table named {', '.join(map(repr, unknown))} has checks; pass silver.* or gold.* "
                        f"names, e.g. {', '.join(s.name for s in steps[:3])} (f1nb tables lists them)")
    old = [n for n in outdated_tables(lake) if not names or n in names or n.split(".")[1] in names]
    if old:  # the checks' SQL names this version's columns
        raise LakeError(f"{', '.join(old)} {'was' if len(old) == 1 else 'were'} built by an older f1nb (columns "
                        "renamed since): rebuild with `f1nb build` (or session.generate()), then check")
    heavy = sample_models(steps)
    with lake.catalog_snapshot():  # one catalogue read instead of a query per table
        todo = [step for step in steps
                if (not names or step.name in names or step.table_name in names)
                and lake.columns(step.layer, step.table_name)]
    rows = []
    with _threads_per_step(lake) as use_threads:  # as in a build: one thread but for the sample tables
        for step in todo:
            use_threads(step.name in heavy)
            rows += [{"table": step.name, "check": check, "violations": int(lake.raw.execute(sql).fetchone()[0] or 0)}
                     for check, sql in step.checks]
    return rows
