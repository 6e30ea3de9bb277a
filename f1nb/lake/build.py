"""Materialising Silver and Gold in the lake.

All models of one build run in one transaction: a failure leaves every layer
as it was. Per-session models rebuild only the sessions asked for, so loading
a session never rewrites another; cross-session models are rebuilt whole.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from ..errors import LakeError
from .compiled import input_view, model_sql
from .models import Model, build_order, registry


@dataclass
class BuildReport:
    seconds: dict[str, float] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        total = sum(self.seconds.values())
        return f"built {len(self.seconds)} tables in {total:.2f} s"


def _sql_type(dtype) -> str:
    from ibis.backends.sql.datatypes import DuckDBType

    return DuckDBType.to_string(dtype)


def _ensure_table(lake, m: Model) -> bool:
    """Create the model's table if missing or outdated. True if it was (re)created."""
    layer, name = m.layer, m.table_name
    have = lake.columns(layer, name)
    if have == list(m.schema.names):
        return False
    if have:
        lake.raw.execute(f"DROP TABLE {layer}.{name}")
    cols = ", ".join(f'"{c}" {_sql_type(t)}' for c, t in m.schema.items())
    lake.raw.execute(f"CREATE TABLE {layer}.{name} ({cols})")
    return True


def _point_inputs(lake, m: Model, keys: list[int] | None) -> None:
    """Point the model's input views at the sessions being built."""
    for full in m.inputs:
        layer, name = full.split(".")
        scope = m.session_filter(keys, lake.columns(layer, name))
        where = f" WHERE session_key IN ({', '.join(map(str, scope))})" if scope is not None else ""
        lake.raw.execute(f'CREATE OR REPLACE TEMP VIEW "{input_view(full)}" AS SELECT * FROM {full}{where}')


def materialise(lake, m: Model, keys: list[int] | None) -> int:
    recreated = _ensure_table(lake, m)
    scope = None if (recreated or not m.per_session) else keys
    _point_inputs(lake, m, scope)
    target = f"{m.layer}.{m.table_name}"
    if scope is None:
        lake.raw.execute(f"DELETE FROM {target}")
    else:
        lake.raw.execute(f"DELETE FROM {target} WHERE session_key IN ({', '.join(str(int(k)) for k in scope)})")
    lake.raw.execute(f"INSERT INTO {target} BY NAME {model_sql(m.name)}")
    (rows,) = lake.raw.execute(f"SELECT count(*) FROM {target}").fetchone()
    return rows


def build_layers(lake, session_keys: list[int] | None = None, layers=("silver", "gold"),
                 exclude: tuple[str, ...] = ()) -> BuildReport:
    """Build the models of `layers` for `session_keys` (all loaded sessions when None).
    Models named in `exclude` keep their current rows (live refreshes skip the
    heavy telemetry tables between full builds)."""
    if session_keys is None:
        session_keys = [r[0] for r in lake.raw.execute("SELECT session_key FROM bronze.sessions").fetchall()]
    models = [m for m in build_order(registry()) if m.layer in layers and m.name not in exclude]
    report = BuildReport()
    lake.raw.execute("BEGIN TRANSACTION")
    try:
        for m in models:
            started = time.perf_counter()
            try:
                report.rows[m.name] = materialise(lake, m, list(session_keys))
            except Exception as exc:
                raise LakeError(f"building {m.name} failed: {str(exc).splitlines()[0]}") from exc
            report.seconds[m.name] = time.perf_counter() - started
        lake.raw.execute("COMMIT")
    except BaseException:
        lake.raw.execute("ROLLBACK")
        raise
    return report


def run_checks(lake, names: list[str] | None = None) -> list[dict]:
    """Run every declared check on the lake's tables; one row per check with its violation count."""
    results = []
    for m in build_order(registry()):
        if names and m.name not in names and m.table_name not in names:
            continue
        if not lake.columns(m.layer, m.table_name):
            continue
        table = lake.table(m.name)
        for check in m.checks:
            results.append({"table": m.name, "check": check.name, "violations": check.run(table)})
    return results
