"""Every Silver and Gold model, collected from the layers' `MODELS` lists.

The engine sits above the layers: it imports them, they never import it (a
model is declared with `f1nb.modeling`, and listed in its package's `MODELS`).
Only compiling the plan and the Spark build need the models themselves; a
DuckDB build, a check or a lineage query reads the compiled plan instead.
"""

from __future__ import annotations

import functools

from ..modeling.model import Model


@functools.lru_cache(maxsize=1)
def _models() -> tuple[Model, ...]:
    from .. import gold, silver

    return (*silver.MODELS, *gold.MODELS)


def registry() -> dict[str, Model]:
    """{"silver.laps": Model, ...}: all models, importing the layers on first use."""
    models: dict[str, Model] = {}
    for m in _models():
        if m.name in models:
            raise ValueError(f"two models are named {m.name}")
        models[m.name] = m
    return models


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


def upstream(name: str, models: dict[str, Model] | None = None) -> dict[str, list[str]]:
    """{table: [its inputs]} for `name` and everything upstream of it, from the models'
    declarations (`engine.lineage.lineage` answers the same from the compiled plan)."""
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


__all__ = ["build_order", "registry", "upstream"]
