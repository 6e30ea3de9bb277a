"""The lake's fast paths: the shipped build plan, builds and reads without Ibis,
one catalogue read per build, reopening without DDL, durability without CHECKPOINT."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import duckdb
import orjson
import pyarrow as pa
import pytest

from f1nb.demo import DemoConfig, write_demo_archive
from f1nb.engine import compiled
from f1nb.lake.lake import Lake

SMALL = DemoConfig(drivers=4, race_laps=4, quali_minutes=(4.0, 3.0, 2.0))


def _run(code: str, *args) -> str:
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code), *map(str, args)],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout


def test_shipped_plan_matches_the_model_sources():
    doc = compiled._read(compiled.SHIPPED)
    assert doc is not None, (
        f"{compiled.SHIPPED.name} is missing or stale for the current model sources "
        f"(fingerprint {compiled.fingerprint()}); regenerate it with `{compiled.REGENERATE}` and commit it")


@pytest.mark.slow
def test_shipped_plan_is_what_the_regeneration_command_writes(tmp_path):
    if compiled._read(compiled.SHIPPED) is None:
        pytest.skip("shipped plan is stale; see test_shipped_plan_matches_the_model_sources")
    out = tmp_path / "plan.json"
    subprocess.run([sys.executable, "-m", "f1nb.engine.compiled", str(out)], check=True, capture_output=True, timeout=300)
    fresh, shipped = (orjson.loads(p.read_bytes()) for p in (out, compiled.SHIPPED))
    # the digest of the sources' bytes only saves parsing them; prose edits change it, not the plan
    fresh.pop("source_digest"), shipped.pop("source_digest", None)
    assert fresh == shipped, f"regenerate with `{compiled.REGENERATE}`"


def test_prose_edits_leave_the_fingerprint_alone():
    """Docstrings, comments and layout are not what the SQL is compiled from."""
    import ast

    source = 'def f(t):\n    """Doc."""\n    # why\n    return t.x  # note\n'
    edited = 'def f(t):\n    """Another doc,\n    over two lines."""\n    return t.x\n'
    changed = 'def f(t):\n    """Doc."""\n    return t.y\n'
    dump = lambda text: ast.dump(compiled._without_docstrings(ast.parse(text)))  # noqa: E731
    assert dump(source) == dump(edited)
    assert dump(source) != dump(changed)


def test_plan_is_in_build_order_with_declared_columns():
    from f1nb.engine.registry import build_order, registry

    steps = compiled.plan()
    assert [s.name for s in steps] == [m.name for m in build_order(registry())]
    seen: set[str] = set()
    for step in steps:
        m = registry()[step.name]
        assert [c for c, _ in step.columns] == list(m.schema.names)
        assert (step.inputs, step.per_session) == (m.inputs, m.per_session)
        assert all(i in seen or i.startswith("bronze.") for i in step.inputs), step.name
        seen.add(step.name)


def test_load_build_and_read_never_import_ibis(tmp_path):
    """Files -> Gold -> DataFrames, then a reopen, in a fresh process: no Ibis, no sqlglot."""
    root = tmp_path / "archive"
    write_demo_archive(root, SMALL)
    compiled.plan()  # a stale shipped plan is compiled here, into F1NB_HOME, not in the child
    out = _run(f"""
        import sys
        from f1nb.archive.client import ArchiveClient
        from f1nb.bronze.load import load_archive_session
        from f1nb.lake.lake import Lake
        from f1nb.session_lookup import session_from_lake
        root, lake_file, cache = sys.argv[1:4]
        client = ArchiveClient(base_url=root, cache_dir=cache, progress=False)
        ref = [r for r in client.season({SMALL.year}) if r.session_name == "Race"][0]
        lake = Lake(lake_file)
        key = load_archive_session(lake, client, ref).session_key
        report = lake.build([key])
        s = session_from_lake(key, lake)
        assert len(s.get_laps()) and len(s.get_results())
        lake.close()
        lake = Lake(lake_file)
        s = session_from_lake(key, lake)
        print(len(s.get_laps()), len(s.get_results()), len(report.rows))
        print(sorted(m for m in sys.modules if m.split(".")[0] in ("ibis", "sqlglot")))
        """, root.as_uri() + "/", tmp_path / "lake.duckdb", tmp_path / "cache")
    counts, modules = out.strip().splitlines()[-2:]
    laps, results, models = map(int, counts.split())
    assert laps > 0 and results == SMALL.drivers and models == len(compiled.plan())
    assert modules == "[]"


def test_a_build_its_checks_and_the_cli_listings_in_a_fresh_process_never_import_pandas(tmp_path):
    """Binding a parameter makes DuckDB's client import pandas (~0.5 s; `engine/literals.py`), and so
    does pyarrow for a table built from Python rows or a zoned time made a datetime: `f1nb build`,
    `f1nb tables`, `f1nb check` or a second `f1nb demo` need no DataFrame, and import no pandas."""
    from f1nb.archive.client import ArchiveClient
    from f1nb.bronze.load import load_archive_session

    root = tmp_path / "archive"
    write_demo_archive(root, SMALL)
    compiled.plan()
    with ArchiveClient(base_url=root.as_uri() + "/", cache_dir=tmp_path / "cache", progress=False) as client, \
            Lake(tmp_path / "lake.duckdb") as lake:
        ref = next(r for r in client.season(SMALL.year) if r.session_name == "Race")
        key = load_archive_session(lake, client, ref).session_key
    out = _run("""
        import sys
        from f1nb.lake.lake import Lake
        from f1nb.engine.duckdb_build import run_checks
        from f1nb.cli import main
        lake = Lake(sys.argv[1])
        report = lake.build([int(sys.argv[2])])
        checks = run_checks(lake)
        lake.close()
        assert main(["--lake", sys.argv[1], "tables"]) == 0  # a count per table, as `f1nb demo` prints
        assert main(["--lake", sys.argv[1], "check"]) == 0
        print(len(report.rows), len(checks), "pandas" in sys.modules)
        """, tmp_path / "lake.duckdb", key)
    *listing, counts = out.strip().splitlines()
    models, checks, pandas = counts.split()
    assert int(models) == len(compiled.plan()) and int(checks) > 0
    assert any(line.split()[:2] == ["gold", "results"] and int(line.split()[2]) == SMALL.drivers for line in listing)
    assert pandas == "False"


def test_ibis_backend_is_made_on_first_use_and_shares_the_connection(tmp_path):
    with Lake(tmp_path / "lake.duckdb") as lake:
        assert "con" not in vars(lake)
        assert lake.raw.execute("SELECT current_setting('TimeZone')").fetchone()[0] in ("UTC", "Etc/UTC")
        lake.raw.execute("BEGIN TRANSACTION")
        lake.raw.execute("INSERT INTO bronze.sessions (session_key, year) VALUES (7, 2099)")
        assert lake.table("bronze.sessions").count().execute() == 1  # same connection, same transaction
        lake.raw.execute("ROLLBACK")
        assert lake.con.con is lake.raw


def test_reopening_runs_no_ddl_but_restores_missing_bronze_tables(tmp_path, monkeypatch):
    import f1nb.lake.lake as lake_module

    path = tmp_path / "lake.duckdb"
    Lake(path).close()

    class NoDDL(dict):
        def items(self):
            raise AssertionError("reopening an intact lake must not recreate Bronze")

    with monkeypatch.context() as m:
        m.setattr(lake_module, "BRONZE_TABLES", NoDDL(lake_module.BRONZE_TABLES))
        with Lake(path) as lake:
            lake.raw.execute("DROP TABLE bronze.rejects")
    with Lake(path) as lake:
        assert "rejects" in lake.table_names("bronze")


def test_columns_and_table_names_inside_and_outside_a_snapshot(tmp_path):
    with Lake(tmp_path / "lake.duckdb") as lake:
        lake.raw.execute("CREATE TABLE silver.t (a INT, b TEXT)")
        lake.raw.execute("CREATE VIEW gold.v AS SELECT a FROM silver.t")
        assert lake.columns("silver", "t") == ["a", "b"] and lake.columns("gold", "v") == ["a"]
        assert lake.columns("silver", "nope") == [] and lake.columns("nope", "t") == []
        assert lake.table_names("silver") == ["t"] and lake.table_names("gold") == ["v"]
        with lake.catalog_snapshot() as catalog:
            assert catalog[("silver", "t")] == ["a", "b"]
            assert lake.columns("gold", "v") == ["a"] and lake.table_names("silver") == ["t"]
        lake.raw.execute("BEGIN TRANSACTION")  # a missing table asked about inside a transaction leaves it usable
        assert lake.columns("silver", "missing") == []
        lake.raw.execute("INSERT INTO silver.t VALUES (1, 'x')")
        lake.raw.execute("COMMIT")
        assert lake.raw.execute("SELECT count(*) FROM silver.t").fetchone() == (1,)


def _demo_lake(tmp_path) -> tuple[Lake, int]:
    from f1nb.archive.client import ArchiveClient
    from f1nb.bronze.load import load_archive_session

    root = tmp_path / "archive"
    write_demo_archive(root, SMALL)
    client = ArchiveClient(base_url=root.as_uri() + "/", cache_dir=tmp_path / "cache", progress=False)
    ref = [r for r in client.season(SMALL.year) if r.session_name == "Race"][0]
    lake = Lake(tmp_path / "lake.duckdb")
    return lake, load_archive_session(lake, client, ref).session_key


def test_build_report_rows_are_table_rows_and_outdated_tables_are_recreated(tmp_path):
    lake, key = _demo_lake(tmp_path)
    with lake:
        report = lake.build([key])
        for name, rows in report.rows.items():
            assert lake.raw.execute(f"SELECT count(*) FROM {name}").fetchone() == (rows,), name
        laps = report.rows["silver.laps"]
        assert laps > 0
        lake.raw.execute("ALTER TABLE silver.laps DROP COLUMN lap_time_s")  # an older layout
        again = lake.build([key])
        assert again.rows == report.rows
        assert "lap_time_s" in lake.columns("silver", "laps")


def test_committed_write_survives_a_kill_without_close(tmp_path):
    """COMMIT syncs DuckDB's WAL: no CHECKPOINT is needed for a load to survive a crash."""
    path = tmp_path / "lake.duckdb"
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent("""
        import os, signal, sys
        import pyarrow as pa
        from f1nb.lake.lake import Lake
        lake = Lake(sys.argv[1])
        lake.replace_session(5, {"sessions": pa.table({"session_key": [5], "year": [2099]})})
        os.kill(os.getpid(), signal.SIGKILL)
        """), str(path)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == -9, proc.stderr[-2000:]
    with Lake(path) as lake:
        assert lake.session_keys() == [5]


def test_replace_session_reads_the_catalogue_once(tmp_path, monkeypatch):
    with Lake(tmp_path / "lake.duckdb") as lake:
        reads = []
        real = lake._read_catalog
        monkeypatch.setattr(lake, "_read_catalog", lambda: reads.append(1) or real())
        lake.replace_session(3, {"sessions": pa.table({"session_key": [3], "year": [2099]})})
        assert len(reads) == 1 and lake.session_keys() == [3]
        with pytest.raises(duckdb.Error):
            lake.replace_session(3, {"nope": pa.table({"session_key": [3]})})
        assert lake.session_keys() == [3]


def test_rebuilding_one_session_matches_a_full_build(tmp_path):
    """Input views are pointed once per scope: a per-session model after a cross-session
    one over the same input must still read only the sessions being built."""
    from f1nb.archive.client import ArchiveClient
    from f1nb.bronze.load import load_archive_session

    root = tmp_path / "archive"
    write_demo_archive(root, SMALL)
    client = ArchiveClient(base_url=root.as_uri() + "/", cache_dir=tmp_path / "cache", progress=False)
    with Lake(tmp_path / "lake.duckdb") as lake:
        keys = [load_archive_session(lake, client, ref).session_key for ref in client.season(SMALL.year)]
        assert len(keys) == 2
        full = lake.build()
        snapshot = {name: lake.sql(f"SELECT * FROM {name}").to_pylist() for name in full.rows}
        again = lake.build([keys[0]])
        assert again.rows == full.rows
        for name, rows in snapshot.items():
            now = lake.sql(f"SELECT * FROM {name}").to_pylist()
            key = lambda r: repr(sorted(r.items()))  # noqa: E731
            assert sorted(now, key=key) == sorted(rows, key=key), name
