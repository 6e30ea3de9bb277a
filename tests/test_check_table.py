"""`%f1 check`'s result: the check rows with an HTML and a text view, no pandas until asked."""

from __future__ import annotations

import subprocess
import sys

from f1nb.notebook.check_table import CheckTable

ROWS = [{"table": "silver.laps", "check": "unique(session_key, driver_number, lap_number)", "violations": 0},
        {"table": "gold.results", "check": "not_null(position)", "violations": 3},
        {"table": "silver.x<y>", "check": "a & b", "violations": 0}]


def test_html_lists_every_check_escaped_and_marks_the_failing():
    html = CheckTable(ROWS)._repr_html_()
    assert html.count("<tr") == 1 + len(ROWS)  # header + one per check
    assert "unique(session_key, driver_number, lap_number)" in html
    assert "silver.x&lt;y&gt;" in html and "a &amp; b" in html and "x<y>" not in html
    assert html.count('class="bad"') == 1 and ">3</td>" in html


def test_text_summary_and_failing():
    checks = CheckTable(ROWS)
    assert checks.summary() == "3 checks, 1 failing: gold.results not_null(position)"
    assert [r["table"] for r in checks.failing] == ["gold.results"]
    assert len(checks) == 3 and checks.columns == ["table", "check", "violations"]
    text = repr(checks)
    assert text.splitlines()[0].split() == ["table", "check", "violations"] and "not_null(position)" in text
    assert CheckTable([]).summary() == "0 checks, 0 failing"


def test_arrow_and_the_dataframe_api_on_demand():
    checks = CheckTable(ROWS)
    assert checks.to_arrow().column("violations").to_pylist() == [0, 3, 0]
    bad = checks[checks.violations > 0]  # what notebooks wrote against the DataFrame it used to be
    assert list(bad.table) == ["gold.results"] and checks.head(1).iloc[0]["check"].startswith("unique")


def test_display_imports_no_pandas():
    code = ("import sys; from IPython.core.interactiveshell import InteractiveShell\n"
            "from f1nb.notebook.check_table import CheckTable\n"
            f"data, _ = InteractiveShell.instance().display_formatter.format(CheckTable({ROWS!r}))\n"
            "assert 'text/html' in data and 'text/plain' in data\n"
            "print('pandas' in sys.modules)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == "False"
