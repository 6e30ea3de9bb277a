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
from dataclasses import dataclass, field

from ..errors import LakeError
from ..modeling.model import session_scope
from .compiled import Step, input_view, plan


@dataclass
class BuildReport:
    seconds: dict[str, float] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)  # each table's rows after the build

    def __str__(self) -> str:
        total = sum(self.seconds.values())
        return f"built {len(self.seconds)} tables in {total:.2f} s"


def _ensure_table(lake, step: Step, catalog: dict) -> bool:
    """Create the model's table if missing or outdated. True if it was (re)created."""
    key = (step.layer, step.table_name)
    names = [c for c, _ in step.columns]
    have = catalog.get(key)
    if have == names:
        return False
    if have:
        lake.raw.execute(f"DROP TABLE {step.name}")
    cols = ", ".join(f'"{c}" {t}' for c, t in step.columns)
    lake.raw.execute(f"CREATE TABLE {step.name} ({cols})")
    catalog[key] = names
    return True


def _point_inputs(lake, step: Step, keys: list[int] | None, catalog: dict, pointed: dict) -> None:
    """Point the model's input views at the sessions being built. `pointed` remembers
    what each view already reads in this build, so shared inputs are pointed once."""
    for full in step.inputs:
        scope = session_scope(step.per_session, keys, catalog.get(tuple(full.split(".")), ()))
        where = f" WHERE session_key IN ({', '.join(map(str, scope))})" if scope is not None else ""
        view = input_view(full)
        if pointed.get(view) != where:
            lake.raw.execute(f'CREATE OR REPLACE TEMP VIEW "{view}" AS SELECT * FROM {full}{where}')
            pointed[view] = where


def materialise(lake, step: Step, keys: list[int] | None, catalog: dict, pointed: dict) -> int:
    """Rebuild one model's rows; returns the rows inserted."""
    recreated = _ensure_table(lake, step, catalog)
    scope = None if (recreated or not step.per_session) else keys
    _point_inputs(lake, step, scope, catalog, pointed)
    if scope is None:
        lake.raw.execute(f"DELETE FROM {step.name}")
    else:
        lake.raw.execute(f"DELETE FROM {step.name} WHERE session_key IN ({', '.join(str(int(k)) for k in scope)})")
    (inserted,) = lake.raw.execute(f"INSERT INTO {step.name} BY NAME {step.sql}").fetchone()
    return inserted


def _table_rows(lake, steps: list[Step]) -> dict[str, int]:
    """Each built table's row count, in one query."""
    if not steps:
        return {}
    counts = lake.raw.execute("SELECT " + ", ".join(f"(SELECT count(*) FROM {s.name})" for s in steps)).fetchone()
    return {s.name: int(n) for s, n in zip(steps, counts)}


def build_layers(lake, session_keys: list[int] | None = None, layers=("silver", "gold"),
                 exclude: tuple[str, ...] = (), report=None) -> BuildReport:
    """Build the models of `layers` for `session_keys` (all loaded sessions when None).
    Models named in `exclude` keep their current rows (live refreshes skip the
    heavy telemetry tables between full builds). `report(done, text)` (f1nb.progress)
    hears of each model as it starts."""
    if session_keys is None:
        session_keys = [r[0] for r in lake.raw.execute("SELECT session_key FROM bronze.sessions").fetchall()]
    keys = [int(k) for k in session_keys]
    steps = [s for s in plan() if s.layer in layers and s.name not in exclude]
    result = BuildReport()
    pointed: dict[str, str] = {}
    with lake.catalog_snapshot() as catalog, lake.transaction():
        for i, step in enumerate(steps):
            if report is not None:
                report(i / len(steps), f"building {step.name}")
            started = time.perf_counter()
            try:
                materialise(lake, step, keys, catalog, pointed)
            except Exception as exc:
                raise LakeError(f"building {step.name} failed: {str(exc).splitlines()[0]}") from exc
            result.seconds[step.name] = time.perf_counter() - started
        result.rows = _table_rows(lake, steps)
    return result


def run_checks(lake, names: list[str] | None = None) -> list[dict]:
    """Run every declared check on the lake's built tables; one row per check with its
    violation count. The checks' SQL comes from the compiled plan: no Ibis at run time.
    (One UNION ALL of them all measured slower than separate statements.)"""
    steps = plan()
    unknown = [n for n in names or () if not any(n in (s.name, s.table_name) for s in steps)]
    if unknown:
        raise LakeError(f"no table named {', '.join(map(repr, unknown))} has checks; pass silver.* or gold.* "
                        f"names, e.g. {', '.join(s.name for s in steps[:3])} (f1nb tables lists them)")
    return [{"table": step.name, "check": check, "violations": int(lake.raw.execute(sql).fetchone()[0] or 0)}
            for step in steps
            if not names or step.name in names or step.table_name in names
            if lake.columns(step.layer, step.table_name)
            for check, sql in step.checks]
