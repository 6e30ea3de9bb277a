"""Compare two lakes table by table: the guard for any change that must keep results equal.

    python tools/compare_lakes.py before.duckdb after.duckdb [--ignore loaded_at ...]

For every table in either lake it prints the row counts and the rows only one side has
(multiset difference, EXCEPT ALL both ways, over the columns both share). Exit 1 when
anything differs. Columns named by --ignore (a bare column name, or schema.table.column)
are left out, as are columns that record when a load ran. `bronze.messages.payload` is
compared as the JSON it carries (`f1_inflate`): f1nb stores `.z` payloads as received
(base64 DEFLATE), older lakes hold them inflated, and both say the same.
"""

from __future__ import annotations

import argparse
import sys

import duckdb

# Columns compared through an expression: what they say, not how it is stored.
AS_JSON = {"bronze.messages": {"payload": 'f1_inflate("payload")'}}
# Columns that record when or how fast a load ran, not what it produced.
VOLATILE = ("loaded_at", "built_at", "load_seconds", "fetched_at")


def tables(con: duckdb.DuckDBPyConnection, alias: str) -> dict[str, list[str]]:
    rows = con.execute(
        "SELECT table_schema, table_name, column_name FROM information_schema.columns "
        "WHERE table_catalog = ? AND table_schema NOT IN ('information_schema', 'pg_catalog') "
        "ORDER BY table_schema, table_name, ordinal_position",
        [alias],
    ).fetchall()
    out: dict[str, list[str]] = {}
    for schema, table, column in rows:
        out.setdefault(f"{schema}.{table}", []).append(column)
    return out


def kept(table: str, columns: list[str], ignore: set[str]) -> list[str]:
    return [c for c in columns if c not in ignore and f"{table}.{c}" not in ignore and c not in VOLATILE]


def compare(a_path: str, b_path: str, ignore: set[str], show: int) -> int:
    from f1nb.lake.backends import register_functions

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    register_functions(con)
    con.execute(f"ATTACH '{a_path}' AS a (READ_ONLY)")
    con.execute(f"ATTACH '{b_path}' AS b (READ_ONLY)")
    ta, tb = tables(con, "a"), tables(con, "b")
    differ = 0
    for table in sorted(set(ta) | set(tb)):
        if table not in ta or table not in tb:
            side = "before" if table in ta else "after"
            print(f"{table:40s} only in {side}")
            differ += 1
            continue
        cols = [c for c in kept(table, ta[table], ignore) if c in tb[table]]
        extra = sorted(set(ta[table]) ^ set(tb[table]))
        select = ", ".join(AS_JSON.get(table, {}).get(c, f'"{c}"') for c in cols)
        na, nb = (con.execute(f"SELECT count(*) FROM {s}.{table}").fetchone()[0] for s in "ab")
        only_a = con.execute(f"SELECT count(*) FROM (SELECT {select} FROM a.{table} EXCEPT ALL SELECT {select} FROM b.{table})").fetchone()[0]
        only_b = con.execute(f"SELECT count(*) FROM (SELECT {select} FROM b.{table} EXCEPT ALL SELECT {select} FROM a.{table})").fetchone()[0]
        same = only_a == 0 and only_b == 0 and na == nb
        note = f"  columns in one only: {extra}" if extra else ""
        print(f"{table:40s} {na:>9} {nb:>9}  {'equal' if same else f'DIFFER -{only_a} +{only_b}'}{note}")
        if not same:
            differ += 1
            for label, x, y in (("before only", "a", "b"), ("after only", "b", "a")):
                rows = con.execute(f"SELECT {select} FROM {x}.{table} EXCEPT ALL SELECT {select} FROM {y}.{table} LIMIT {show}").fetchall()
                for row in rows:
                    print(f"    {label}: {row}")
    print(f"{differ} table(s) differ" if differ else "all tables equal")
    return 1 if differ else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--ignore", nargs="*", default=[], help="columns to leave out: NAME or schema.table.NAME")
    parser.add_argument("--show", type=int, default=3, help="differing rows to print per side")
    args = parser.parse_args(argv)
    return compare(args.before, args.after, set(args.ignore), args.show)


if __name__ == "__main__":
    sys.exit(main())
