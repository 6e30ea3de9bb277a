"""docs/columns.md documents every Silver and Gold column of the shipped build
plan, and nothing else: no column missing, no stale entry, and each entry's
type and tables as the plan has them.

An entry is a markdown table row whose first cell holds the column name in
backticks (`| `lap_time_s` | DOUBLE | s | … | silver.laps, … |`), or a heading
with the name in backticks. Rows give the type cell (the plan's DuckDB types,
comma-separated) second and the tables cell (comma-separated) last. Reads
JSON and markdown only: no lake, no Ibis.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = ROOT / "docs" / "columns.md"
LAYERS = ("silver.", "gold.")
_TICKED = re.compile(r"`([A-Za-z_][A-Za-z0-9_]*)`")


def shipped_plan() -> dict:
    """The plan shipped in the package, wherever the model framework keeps it."""
    found = sorted((ROOT / "f1nb").rglob("compiled_models.json"))
    assert len(found) == 1, f"expected one shipped compiled_models.json under f1nb/, found {found}"
    return json.loads(found[0].read_text(encoding="utf-8"))


def plan_columns(plan: dict) -> dict[str, dict]:
    """column name -> {"tables": [table, ...], "types": {type, ...}} over Silver and Gold."""
    out: dict[str, dict] = defaultdict(lambda: {"tables": [], "types": set()})
    for m in plan["models"]:
        if m["name"].startswith(LAYERS):
            for col, typ in m["columns"].items():
                out[col]["tables"].append(m["name"])
                out[col]["types"].add(typ)
    return dict(out)


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def glossary_entries(text: str) -> dict[str, list[dict]]:
    """name -> every place it is documented: {"line": n, "types": [...] | None, "tables": [...] | None}
    (None for a heading, which carries no type or tables)."""
    out: dict[str, list[dict]] = defaultdict(list)
    for n, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if s.startswith("#"):
            for name in _TICKED.findall(s):
                out[name].append({"line": n, "types": None, "tables": None})
        elif s.startswith("|") and not re.fullmatch(r"\|[\s:|-]*\|?", s):
            cells = _cells(s)
            for name in _TICKED.findall(cells[0]):
                out[name].append({"line": n, "types": _split(cells[1]) if len(cells) > 1 else [],
                                  "tables": _split(cells[-1]) if len(cells) > 2 else []})
    return dict(out)


def _split(cell: str) -> list[str]:
    return [p.strip().strip("`") for p in cell.split(",") if p.strip()]


def _order(table: str) -> tuple:
    return (not table.startswith("silver."), table)


def expected_types(info: dict) -> str:
    return ", ".join(sorted(info["types"]))


def expected_tables(info: dict) -> str:
    return ", ".join(sorted(info["tables"], key=_order))


def missing_message(columns: dict[str, dict], names: list[str]) -> str:
    rows = "\n".join(f"| `{n}` | {expected_types(columns[n])} | <unit> | <what it means> | "
                     f"{expected_tables(columns[n])} |" for n in names)
    return (f"{len(names)} Silver/Gold column(s) not in docs/columns.md: {', '.join(names)}.\n"
            f"Add a row for each under the right heading (fill in unit and meaning):\n{rows}")


def stale_message(entries: dict[str, list[dict]], names: list[str]) -> str:
    where = ", ".join(f"`{n}` (line {entries[n][0]['line']})" for n in names)
    return (f"docs/columns.md documents column(s) no Silver or Gold table has any more: {where}.\n"
            "Remove those rows (or rename them to the column's new name).")


def mismatches(columns: dict[str, dict], entries: dict[str, list[dict]]) -> list[str]:
    """One line per entry whose type or tables cell differs from the plan, with the cell to write."""
    out = []
    for name, places in sorted(entries.items()):
        if name not in columns:
            continue
        info = columns[name]
        for p in places:
            if p["tables"] is None:  # a heading: the name only
                continue
            if sorted(p["types"]) != sorted(info["types"]):
                out.append(f"`{name}` (line {p['line']}): type cell should be `{expected_types(info)}`")
            if sorted(p["tables"], key=_order) != sorted(info["tables"], key=_order):
                extra = sorted(set(p["tables"]) - set(info["tables"]), key=_order)
                lacking = sorted(set(info["tables"]) - set(p["tables"]), key=_order)
                out.append(f"`{name}` (line {p['line']}): tables cell should be `{expected_tables(info)}`"
                           + (f" (add {', '.join(lacking)})" if lacking else "")
                           + (f" (remove {', '.join(extra)})" if extra else ""))
    return out


@pytest.fixture(scope="module")
def columns() -> dict[str, dict]:
    return plan_columns(shipped_plan())


@pytest.fixture(scope="module")
def entries() -> dict[str, list[dict]]:
    assert GLOSSARY.is_file(), f"{GLOSSARY} is missing"
    return glossary_entries(GLOSSARY.read_text(encoding="utf-8"))


def test_the_plan_has_silver_and_gold_columns(columns):
    # guards the other tests from passing on an empty or renamed plan
    assert len(columns) > 100, f"only {len(columns)} Silver/Gold column names in the plan"
    assert "session_key" in columns and "lap_time_s" in columns


def test_every_silver_and_gold_column_is_documented(columns, entries):
    missing = sorted(set(columns) - set(entries))
    assert not missing, missing_message(columns, missing)


def test_no_stale_entries(columns, entries):
    stale = sorted(set(entries) - set(columns))
    assert not stale, stale_message(entries, stale)


def test_each_column_is_documented_once(entries):
    twice = {n: [p["line"] for p in ps] for n, ps in entries.items() if len(ps) > 1}
    assert not twice, f"documented more than once (one entry per column name), at lines: {twice}"


def test_types_and_tables_match_the_plan(columns, entries):
    wrong = mismatches(columns, entries)
    assert not wrong, "docs/columns.md disagrees with the plan:\n" + "\n".join(wrong)


def test_every_row_has_a_unit_and_a_meaning():
    bad = []
    for n, line in enumerate(GLOSSARY.read_text(encoding="utf-8").splitlines(), 1):
        cells = _cells(line) if line.strip().startswith("|") else []
        if cells and _TICKED.findall(cells[0]):
            if len(cells) != 5 or not cells[2] or len(cells[3]) < 10:
                bad.append(f"line {n}: {line.strip()[:80]}")
    assert not bad, "rows need five cells (column | type | unit | meaning | tables):\n" + "\n".join(bad)


def section(text: str, title: str) -> str:
    """The text under the `## title` heading, up to the next `## ` heading."""
    m = re.search(rf"^## {re.escape(title)}\s*$(.*?)(?=^## |\Z)", text, re.M | re.S)
    return m.group(1) if m else ""


def stale_mentions(plan: dict, text: str) -> list[str]:
    """Column names (lower-case, in backticks) and Silver/Gold tables the Known inconsistencies
    section names that the plan no longer has: once a rename settles one, its bullet goes."""
    columns = plan_columns(plan)
    tables = {m["name"] for m in plan["models"]}
    body = section(text, "Known inconsistencies")
    names = sorted({n for n in _TICKED.findall(body) if n.islower() and n not in columns})
    gone = sorted({t for t in re.findall(r"\b(?:silver|gold)\.[a-z0-9_]+", body) if t not in tables})
    return names + gone


def test_known_inconsistencies_name_current_columns():
    text = GLOSSARY.read_text(encoding="utf-8")
    assert section(text, "Known inconsistencies").count("\n- ") >= 5, "the Known inconsistencies section is missing"
    stale = stale_mentions(shipped_plan(), text)
    assert not stale, ("the Known inconsistencies section names columns or tables the plan no longer has: "
                       f"{', '.join(stale)}; update or remove those bullets")


def test_the_check_catches_missing_stale_and_wrong_entries():
    """The checks above on a made-up plan and glossary: each problem is found and named."""
    plan = {"models": [
        {"name": "bronze.fields", "columns": {"topic": "TEXT"}},
        {"name": "silver.a", "columns": {"session_key": "BIGINT", "speed_kph": "DOUBLE"}},
        {"name": "gold.b", "columns": {"session_key": "BIGINT", "laps": "TEXT"}},
    ]}
    doc = "\n".join([
        "# Glossary", "", "| column | type | unit | meaning | tables |", "|---|---|---|---|---|",
        "| `session_key` | BIGINT | — | the session, see `laps` | silver.a |",
        "| `old_name` | INT | — | renamed away | silver.a |",
        "", "- `speed_kph` in prose is not an entry",
    ])
    cols, ents = plan_columns(plan), glossary_entries(doc)
    assert "topic" not in cols  # Bronze is out of scope
    missing = sorted(set(cols) - set(ents))
    assert missing == ["laps", "speed_kph"]  # a name in a meaning cell or a bullet does not count
    msg = missing_message(cols, missing)
    assert "| `laps` | TEXT | <unit> | <what it means> | gold.b |" in msg
    assert "| `speed_kph` | DOUBLE |" in msg and "silver.a |" in msg
    assert sorted(set(ents) - set(cols)) == ["old_name"]
    assert "`old_name` (line 6)" in stale_message(ents, ["old_name"])
    wrong = mismatches(cols, ents)
    assert wrong == ["`session_key` (line 5): tables cell should be `silver.a, gold.b` (add gold.b)"]
    notes = doc + "\n\n## Known inconsistencies\n\n- `laps` in gold.b, `Position` as sent, `lap` in silver.gone\n"
    assert stale_mentions(plan, notes) == ["lap", "silver.gone"]
