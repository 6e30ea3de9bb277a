"""Models: every Silver and Gold table is a pure function of Ibis tables,
registered with its name, inputs, output schema and data checks (dbt's
discipline, in Python). The registry is filled at import of f1nb.silver and
f1nb.gold, never mutated afterwards.

This module imports Ibis only when a model is registered: a build from the
compiled plan (lake/compiled.py) imports it for `session_scope` alone."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ibis
    import ibis.expr.types as ir

    from .checks import Check

REGISTRY: dict[str, Model] = {}


class LayerName:
    """`layer` and `table_name` of a `name` such as "silver.laps"."""

    name: str

    @property
    def layer(self) -> str:
        return self.name.split(".")[0]

    @property
    def table_name(self) -> str:
        return self.name.split(".")[1]


@dataclass(frozen=True)
class Model(LayerName):
    name: str  # "silver.laps"
    inputs: tuple[str, ...]  # fully-qualified input tables, in the function's parameter order
    fn: Callable[..., ir.Table]
    schema: ibis.Schema
    checks: tuple[Check, ...] = ()
    per_session: bool = True  # rows keyed by session_key, rebuilt one session at a time
    doc: str = ""

    def build(self, tables: dict[str, ir.Table]) -> ir.Table:
        """Apply the function to input tables (keyed by full name) and conform to the schema."""
        expr = self.fn(*(tables[name] for name in self.inputs))
        missing = [c for c in self.schema.names if c not in expr.columns]
        if missing:
            raise TypeError(f"{self.name} does not produce columns {missing}")
        return expr.select(*(expr[c].cast(t).name(c) for c, t in self.schema.items()))


def session_scope(per_session: bool, keys: list[int] | None, input_columns) -> list[int] | None:
    """The sessions an input (with `input_columns`) is read for when building
    `keys`: those keys for per-session models over per-session inputs, else
    None (every row). One rule for the DuckDB and the Spark builds."""
    if keys is None or not per_session or "session_key" not in input_columns:
        return None
    return [int(k) for k in keys]


def model(name: str, inputs: list[str], schema: dict, checks: list[Check] = (), per_session: bool = True):
    """Register a model function. Parameters of the function match `inputs` one to one."""
    import ibis

    def register(fn):
        params = list(inspect.signature(fn).parameters)
        if len(params) != len(inputs):
            raise TypeError(f"{name}: function takes {params} but inputs are {inputs}")
        REGISTRY[name] = Model(name, tuple(inputs), fn, ibis.schema(schema), tuple(checks), per_session,
                               inspect.getdoc(fn) or "")
        return fn

    return register


def registry() -> dict[str, Model]:
    """All models, importing the layers on first use."""
    from .. import gold, silver  # noqa: F401  (importing registers the models)

    return REGISTRY


def build_order(models: dict[str, Model] | None = None) -> list[Model]:
    """Models sorted so each comes after its inputs."""
    models = models or registry()
    order: list[Model] = []
    seen: set[str] = set()

    def visit(name: str, stack: tuple[str, ...] = ()) -> None:
        if name in seen or name not in models:
            return
        if name in stack:
            raise ValueError(f"model cycle: {' -> '.join(stack + (name,))}")
        for dep in models[name].inputs:
            visit(dep, stack + (name,))
        seen.add(name)
        order.append(models[name])

    for name in sorted(models):
        visit(name)
    return order


def lineage(name: str, models: dict[str, Model] | None = None) -> dict[str, list[str]]:
    """{table: [its inputs]} for `name` and everything upstream of it."""
    models = models or registry()
    graph: dict[str, list[str]] = {}

    def visit(n: str) -> None:
        if n in graph:
            return
        graph[n] = list(models[n].inputs) if n in models else []
        for dep in graph[n]:
            visit(dep)

    visit(name)
    return graph


__all__ = ["Model", "model", "registry", "build_order", "lineage", "session_scope"]
