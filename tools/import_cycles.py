"""Print f1nb's import cycles (package pairs that import each other, and module cycles)
and every import that points up the layering of docs/architecture.md.

    python tools/import_cycles.py

Static (reads `import` statements, including those inside functions, which still tie
modules together). Issue 15 asks for a graph with no cycles and no arrow from a lower
layer up to a higher one; this is the measure of it. Exit 1 when anything is found.
"""

from __future__ import annotations

import ast
import collections
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "f1nb"

# f1nb's packages (and top-level modules) from the top down, as docs/architecture.md lists them;
# a package may import those on later rows, never those on earlier ones. Same row: neither imports the other.
LAYERS = [
    ("__main__",),
    ("cli",),
    ("f1nb",),  # the package's __init__: the lazy public API, %load_ext
    ("notebook",),
    ("season",),
    ("session_lookup",),
    ("session",),
    ("layers", "live"),
    ("ingest",),
    ("lake",),
    ("engine",),
    ("archive", "demo"),
    ("gold",),
    ("silver",),
    ("modeling", "bronze"),
    ("decode", "display"),
    ("plots",),
    ("analysis", "peers", "session_ref", "reset", "progress", "options", "textfmt"),
    ("config", "fileio", "arrow_memory", "blas_threads", "waiting"),
    ("errors",),
]


def modules() -> dict[str, Path]:
    out = {}
    for path in ROOT.rglob("*.py"):
        name = ".".join(path.relative_to(ROOT.parent).with_suffix("").parts)
        out[name.removesuffix(".__init__")] = path
    return out


def edges(mods: dict[str, Path]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = collections.defaultdict(set)
    for name, path in mods.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                base = package.split(".")[: len(package.split(".")) - max(node.level - 1, 0)] if node.level else []
                target = ".".join(base + ([node.module] if node.module else [])) if node.level else node.module or ""
                for alias in node.names:
                    full = f"{target}.{alias.name}"
                    if target.startswith("f1nb"):
                        graph[name].add(full if full in mods else target)
            elif isinstance(node, ast.Import):
                graph[name].update(a.name for a in node.names if a.name.startswith("f1nb"))
    return graph


def cycles(graph: dict[str, set[str]], mods) -> list[tuple[str, ...]]:
    sys.setrecursionlimit(10_000)
    state: dict[str, int] = {}
    stack: list[str] = []
    found: set[tuple[str, ...]] = set()

    def visit(u: str) -> None:
        state[u] = 1
        stack.append(u)
        for v in graph.get(u, ()):
            if v in mods and state.get(v) == 1:
                found.add(tuple(stack[stack.index(v):]))
            elif v in mods and not state.get(v):
                visit(v)
        stack.pop()
        state[u] = 2

    for m in mods:
        if not state.get(m):
            visit(m)
    return sorted(found, key=len)


def main() -> int:
    mods = modules()
    graph = edges(mods)
    package = lambda m: m.split(".")[1] if "." in m else "f1nb"  # noqa: E731
    between = collections.defaultdict(set)
    for a, targets in graph.items():
        between[package(a)].update(package(b) for b in targets if package(b) != package(a))
    pairs = sorted((a, b) for a in between for b in between[a] if a < b and a in between.get(b, ()))
    print(f"{len(pairs)} package pairs that import each other:")
    for a, b in pairs:
        print(f"  {a} <-> {b}")
    found = cycles(graph, mods)
    print(f"{len(found)} module cycles (found by one depth-first walk), shortest first:")
    for c in found[:20]:
        print("  " + " -> ".join(c))
    up = upward(graph, package)
    print(f"{len(up)} imports up the layering (tools/import_cycles.py LAYERS, docs/architecture.md):")
    for a, b in up[:20]:
        print(f"  {a} -> {b}")
    return 1 if pairs or found or up else 0


def upward(graph: dict[str, set[str]], package) -> list[tuple[str, str]]:
    """(module, imported) where the imported module's package sits above the importer's,
    or where either package is missing from LAYERS (a new package must be placed)."""
    rank = {name: i for i, row in enumerate(LAYERS) for name in row}
    out = []
    for a, targets in sorted(graph.items()):
        for b in sorted(targets):
            pa, pb = package(a), package(b)
            if pa != pb and (pa not in rank or pb not in rank or rank[pb] <= rank[pa]):
                out.append((a, b))
    return out


if __name__ == "__main__":
    sys.exit(main())
