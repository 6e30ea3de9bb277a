"""Compare two lakes table by table: the guard for any change that must keep results equal.

    python tools/compare_lakes.py before.duckdb after.duckdb [--ignore loaded_at ...]
        [--rename silver.car_telemetry.speed=speed_kph ...]

For every table in either lake it prints the row counts and the rows only one side has
(multiset difference, EXCEPT ALL both ways, over the columns both share). Exit 1 when
anything differs. Columns named by --ignore (a bare column name, or schema.table.column)
are left out, as are columns that record when a load ran. `bronze.messages.payload` is
compared as the JSON it carries (`f1_inflate`): f1nb stores `.z` payloads as received
(base64 DEFLATE), older lakes hold them inflated, and both say the same. A column renamed
between the two (--rename OLD=NEW, OLD a bare name or schema.table.name) is compared under
its new name.
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


def renamed(table: str, columns: list[str], renames: dict[str, str]) -> dict[str, str]:
    """{name in the after lake: name in the before lake} for the before lake's columns."""
    return {renames.get(f"{table}.{c}", renames.get(c, c)): c for c in columns}


def compare(a_path: str, b_path: str, ignore: set[str], show: int, renames: dict[str, str] | None = None) -> int:
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
        before = renamed(table, ta[table], renames or {})
        cols = [c for c in kept(table, list(before), ignore) if c in tb[table]]
        extra = sorted(set(before) ^ set(tb[table]))
        as_json = AS_JSON.get(table, {})
        select = ", ".join(as_json.get(c, f'"{c}"') for c in cols)
        select_a = ", ".join(f'{as_json.get(before[c], chr(34) + before[c] + chr(34))} AS "{c}"' for c in cols)
        na, nb = (con.execute(f"SELECT count(*) FROM {s}.{table}").fetchone()[0] for s in "ab")
        only_a = con.execute(f"SELECT count(*) FROM (SELECT {select_a} FROM a.{table} EXCEPT ALL SELECT {select} FROM b.{table})").fetchone()[0]
        only_b = con.execute(f"SELECT count(*) FROM (SELECT {select} FROM b.{table} EXCEPT ALL SELECT {select_a} FROM a.{table})").fetchone()[0]
        same = only_a == 0 and only_b == 0 and na == nb
        note = f"  columns in one only: {extra}" if extra else ""
        print(f"{table:40s} {na:>9} {nb:>9}  {'equal' if same else f'DIFFER -{only_a} +{only_b}'}{note}")
        if not same:
            differ += 1
            for label, (x, sx), (y, sy) in (("before only", ("a", select_a), ("b", select)),
                                            ("after only", ("b", select), ("a", select_a))):
                rows = con.execute(f"SELECT {sx} FROM {x}.{table} EXCEPT ALL SELECT {sy} FROM {y}.{table} LIMIT {show}").fetchall()
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
    parser.add_argument("--rename", nargs="*", default=[], metavar="OLD=NEW",
                        help="a column renamed in the after lake: OLD is NAME or schema.table.NAME")
    args = parser.parse_args(argv)
    renames = {}
    for item in args.rename:
        old, sep, new = item.partition("=")
        if not sep or not old or not new:
            parser.error(f"--rename takes OLD=NEW, not {item!r}")
        renames[old] = new
    return compare(args.before, args.after, set(args.ignore), args.show, renames)


if __name__ == "__main__":
    sys.exit(main())
