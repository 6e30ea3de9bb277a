"""Models: every Silver and Gold table is a pure function of Ibis tables,
declared with its name, inputs, output schema and data checks (dbt's
discipline, in Python). `@model(...)` turns the function into a `Model`;
`f1nb.silver.MODELS` and `f1nb.gold.MODELS` list them, and the engine
(`f1nb.engine.registry`) collects those lists. Nothing here keeps global state.

This module imports Ibis only when a model is declared: a build from the
compiled plan (engine/compiled.py) imports it for `session_scope` alone."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ibis
    import ibis.expr.types as ir

    from .checks import Check

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
    # The feeds every row comes from: a session with none of their messages has no rows, and a
    # build skips the model's SQL for it (tests/test_feed_gates.py checks each declaration).
    feeds: tuple[str, ...] = ()

    def build(self, tables: dict[str, ir.Table]) -> ir.Table:
        """Apply the function to input tables (keyed by full name) and conform to the schema."""
        expr = self.fn(*(tables[name] for name in self.inputs))
        missing = [c for c in self.schema.names if c not in expr.columns]
        if missing:
            raise TypeError(f"{self.name} does not produce columns {missing}")
        return expr.select(*(expr[c].cast(t).name(c) for c, t in self.schema.items()))

    def __call__(self, *tables: ir.Table) -> ir.Table:
        """The model's function on its inputs, as written (no conforming to the schema)."""
        return self.fn(*tables)


def session_scope(per_session: bool, keys: list[int] | None, input_columns) -> list[int] | None:
    """The sessions an input (with `input_columns`) is read for when building
    `keys`: those keys for per-session models over per-session inputs, else
    None (every row). One rule for the DuckDB and the Spark builds."""
    if keys is None or not per_session or "session_key" not in input_columns:
        return None
    return [int(k) for k in keys]


def model(name: str, inputs: list[str], schema: dict, checks: list[Check] = (), per_session: bool = True,
          feeds: tuple[str, ...] = ()):
    """Declare a model: the decorated function becomes a `Model`. Parameters of the
    function match `inputs` one to one. List it in its layer's `MODELS`. `feeds`: declare
    them only when every row comes from those feeds' messages (an inner filter or join on
    them), so a session without them has no rows."""
    import ibis

    def declare(fn) -> Model:
        params = list(inspect.signature(fn).parameters)
        if len(params) != len(inputs):
            raise TypeError(f"{name}: function takes {params} but inputs are {inputs}")
        return Model(name, tuple(inputs), fn, ibis.schema(schema), tuple(checks), per_session,
                     inspect.getdoc(fn) or "", tuple(feeds))

    return declare


__all__ = ["LayerName", "Model", "model", "session_scope"]
