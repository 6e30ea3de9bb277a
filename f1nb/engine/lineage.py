"""Lineage as data: which tables and raw feeds a Silver or Gold table comes from,
and the SQL that makes it."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from ..archive.topics import KNOWN_TOPICS
from ..errors import InvalidChoice
from .compiled import plan


def model_name(name: str, known) -> str:
    """'layer.table' for `name` ('gold.results' or a bare 'results'); an unknown name is
    an InvalidChoice that lists the known models."""
    full = name if "." in name else next((n for n in known if n.split(".")[1] == name), name)
    if full not in known:
        raise InvalidChoice(f"no model {name!r}; known: {', '.join(sorted(known))}")
    return full

_TOPIC_LITERAL = re.compile(r"'([A-Za-z][A-Za-z0-9]*(?:\.z)?)'")


def topics_read(step) -> list[str]:
    """The feeds a model reads from bronze.fields or bronze.messages, found in its
    SQL in the compiled plan (no Ibis compile at call time)."""
    if not any(name in ("bronze.fields", "bronze.messages") for name in step.inputs):
        return []
    return sorted({t for t in _TOPIC_LITERAL.findall(step.sql) if t in KNOWN_TOPICS})


def sql_of(lake, name: str, dialect: str | None = None) -> str:
    """The SQL of a Silver or Gold table, for the lake's backend (or `dialect`)."""
    import ibis

    from .registry import registry

    models = registry()
    m = models[model_name(name, models)]
    expr = m.build({n: _input_table(lake, n, models) for n in m.inputs})
    return ibis.to_sql(expr, dialect=dialect or lake.backend_name)


def _input_table(lake, full: str, models):
    """The lake's table, or (not built yet) an unbound table with the declared schema,
    so the SQL of any model can be shown before anything is built."""
    import ibis

    from ..bronze.schema import TABLES as BRONZE
    from ..errors import LakeError

    try:
        return lake.table(full)
    except LakeError:
        layer, name = full.split(".")
        if full in models:
            return ibis.table(models[full].schema, name=name, database=layer)
        if layer == "bronze" and name in BRONZE:
            return ibis.table(ibis.Schema.from_pyarrow(BRONZE[name]), name=name, database=layer)
        raise


@dataclass
class Lineage:
    """A table's upstream graph: edges (table -> input), and the raw feeds per Bronze read."""

    table: str
    edges: list[tuple[str, str]]
    feeds: dict[str, list[str]]  # model -> topics it reads from bronze.fields

    @property
    def tables(self) -> list[str]:
        names = {self.table} | {a for a, _ in self.edges} | {b for _, b in self.edges}
        order = {"gold": 0, "silver": 1, "bronze": 2}
        return sorted(names, key=lambda n: (order.get(n.split(".")[0], 3), n))

    def to_text(self) -> str:
        lines = []

        def walk(name: str, prefix: str, last: bool, depth: int) -> None:
            extra = f"  [feeds: {', '.join(self.feeds[name])}]" if self.feeds.get(name) else ""
            lines.append(prefix + (("└─ " if last else "├─ ") if depth else "") + name + extra)
            children = [dst for src, dst in self.edges if src == name]
            inner = prefix + (("   " if last else "│  ") if depth else "")
            for i, child in enumerate(children):
                walk(child, inner, i == len(children) - 1, depth + 1)

        walk(self.table, "", True, 0)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:
        return f"<pre class='f1nb-lineage'>{html.escape(self.to_text())}</pre>"


def lineage(lake, name: str) -> Lineage:
    """Read from the shipped build plan: the model graph and each model's SQL, no Ibis.
    (`lake` is kept for the API; lineage does not depend on what is built.)"""
    steps = {step.name: step for step in plan()}
    full = model_name(name, steps)
    edges: list[tuple[str, str]] = []
    feeds: dict[str, list[str]] = {}
    seen: set[str] = set()

    def visit(n: str) -> None:
        if n in seen or n not in steps:
            return
        seen.add(n)
        step = steps[n]
        feeds[n] = topics_read(step)
        for dep in step.inputs:
            edges.append((n, dep))
            visit(dep)

    visit(full)
    return Lineage(full, edges, feeds)
