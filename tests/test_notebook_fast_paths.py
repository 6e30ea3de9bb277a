"""Notebook actions answered from the shipped build plan: lineage, checks and help run
in a fresh process without importing Ibis, sqlglot, matplotlib or pandas, and give
the same answers as the Ibis path they replace."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from f1nb.archive.client import ArchiveClient
from f1nb.bronze.load import load_archive_session
from f1nb.demo import DemoConfig, write_demo_archive
from f1nb.lake.lake import Lake

SMALL = DemoConfig(drivers=4, race_laps=4, quali_minutes=(4.0, 3.0, 2.0))
HEAVY = ("ibis", "sqlglot", "matplotlib", "pandas")


def _built_lake(tmp_path):
    root = tmp_path / "archive"
    write_demo_archive(root, SMALL)
    client = ArchiveClient(base_url=root.as_uri() + "/", cache_dir=tmp_path / "cache", progress=False)
    path = tmp_path / "lake.duckdb"
    with Lake(path) as lake:
        keys = [load_archive_session(lake, client, ref).session_key for ref in client.season(SMALL.year)]
        lake.build(keys)
    return path


def test_lineage_check_and_help_import_nothing_heavy(tmp_path):
    lake_file = _built_lake(tmp_path)
    code = textwrap.dedent("""
        import contextlib, io, sys
        from IPython.core.interactiveshell import InteractiveShell
        ip = InteractiveShell.instance()
        before = {m.split(".")[0] for m in sys.modules}
        ip.run_line_magic("load_ext", "f1nb")
        assert not {m.split(".")[0] for m in sys.modules} - before & set(sys.argv[2:]), "%load_ext imported these"
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            ip.run_line_magic("f1", "backend " + sys.argv[1])
            print(ip.run_line_magic("f1", "lineage gold.results"))
            ip.run_line_magic("f1", "help plot")
            checks = ip.run_line_magic("f1", "check")
            ip.display_formatter.format(checks)  # shown as a notebook shows it: HTML and text
        print(out.getvalue())
        print(sorted({m.split(".")[0] for m in sys.modules} - before & set(sys.argv[2:])))
        """)
    run = subprocess.run([sys.executable, "-c", code, str(lake_file), *HEAVY], capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    *text, imported = run.stdout.strip().splitlines()
    text = "\n".join(text)
    assert "gold.results" in text and "silver.laps" in text and "[feeds: " in text
    assert "checks, 0 failing" in text
    assert "laps" in text and "telemetry" in text and "--color-by" in text
    assert imported == "[]", f"these were imported: {imported}"


def test_plot_kinds_named_in_the_magic_are_the_plot_functions():
    from f1nb import plots
    from f1nb.notebook.magic_commands import PLOT_KINDS

    assert sorted(PLOT_KINDS) == sorted(plots.KINDS)


def test_checks_from_the_plan_count_what_the_ibis_checks_count(tmp_path):
    from f1nb.engine.duckdb_build import run_checks
    from f1nb.engine.registry import build_order, registry

    with Lake(_built_lake(tmp_path)) as lake:
        # break two rows so some checks fail, and both paths must say so alike
        lake.raw.execute("UPDATE silver.laps SET lap_number = 1 WHERE lap_number = 2")
        lake.raw.execute("UPDATE silver.laps SET lap_end_session_s = NULL WHERE lap_number = 3")
        ibis_counts = [{"table": m.name, "check": c.name, "violations": c.run(lake.table(m.name))}
                       for m in build_order(registry()) if lake.columns(m.layer, m.table_name) for c in m.checks]
        plan_counts = run_checks(lake)
    assert plan_counts == ibis_counts
    assert sum(r["violations"] > 0 for r in plan_counts) >= 2


def test_lineage_from_the_plan_equals_the_model_registry(tmp_path):
    from f1nb.engine.registry import upstream as registry_lineage

    with Lake(tmp_path / "empty.duckdb") as lake:
        for name in ("gold.results", "silver.car_telemetry", "gold.race_pace"):
            graph = lake.lineage(name)
            edges: dict[str, list[str]] = {}
            for src, dst in graph.edges:
                edges.setdefault(src, []).append(dst)
            want = {k: v for k, v in registry_lineage(name).items() if v}
            assert edges == want
            assert any("TimingData" in feeds for feeds in graph.feeds.values()) or name == "silver.car_telemetry"


def test_check_counts_a_duplicated_telemetry_sample(tmp_path):
    """The key checks of the telemetry tables fail when one sample is there twice, and
    `%f1 check` names them."""
    from f1nb.notebook.check_table import CheckTable

    with Lake(_built_lake(tmp_path)) as lake:
        for table in ("silver.car_telemetry", "silver.positions"):
            lake.raw.execute(f"INSERT INTO {table} SELECT * FROM {table} LIMIT 1")
        checks = CheckTable(lake.check(["car_telemetry", "positions", "laps"]))
    failing = {(r["table"], r["check"]): r["violations"] for r in checks.failing}
    assert failing == {("silver.car_telemetry", "unique(session_key, driver_number, utc)"): 2,
                       ("silver.positions", "unique(session_key, driver_number, utc)"): 2}
    assert "2 failing" in checks.summary() and checks._repr_html_().count('class="bad"') == 2
