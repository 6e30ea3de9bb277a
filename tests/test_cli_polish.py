"""Issue 14 point 13: `f1nb --version`, long cells cut with '…', `f1nb reset`; warnings as one line."""

from __future__ import annotations

import pyarrow as pa
import pytest

from f1nb import __version__
from f1nb.cli import main
from f1nb.textfmt import format_table


def test_version(capsys):
    try:
        main(["--version"])
    except SystemExit as exc:
        assert exc.code == 0
    assert capsys.readouterr().out.strip() == f"f1nb {__version__}"


def test_long_source_is_cut_with_an_ellipsis():
    source = "http://127.0.0.1:8000/2099/2099-03-01_f1nb_Demo_Grand_Prix/2099-03-01_Race/"  # 74 characters
    text = format_table(pa.table({"session_key": [1], "source": [source]}))
    row = text.splitlines()[2]
    assert row.endswith("…") and len(row.split("  ")[-1]) == 60 and source[:59] in row
    assert format_table(pa.table({"source": ["short"]})).splitlines()[2] == "short"


def test_utc_times_print_as_pyarrow_would_print_them():
    """textfmt makes UTC datetimes itself (pyarrow would import pandas for them): the same text,
    microseconds only where there are some, nulls empty, other zones as pyarrow gives them."""
    import csv
    import io
    from datetime import UTC, datetime

    from f1nb.textfmt import format_csv

    times = [datetime(2026, 12, 3, 15, 44, 51, 123456, tzinfo=UTC), datetime(2099, 3, 1, 15, 0, tzinfo=UTC),
             None]
    for zone in ("UTC", "Etc/UTC", "Europe/Rome"):
        table = pa.table({"at": pa.array(times, pa.timestamp("us", tz=zone))})
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows([["at"]] + [["" if v is None else v] for v in table.column("at").to_pylist()])
        assert format_csv(table) == buf.getvalue(), zone
    assert format_table(pa.table({"at": pa.array(times, pa.timestamp("us", tz="UTC"))})).split("\n")[2:] == [
        "2026-12-03 15:44:51.123456+00:00", "2099-03-01 15:00:00+00:00", ""]


def test_row_dicts_print_as_their_arrow_table_would():
    """`f1nb check` and `f1nb sessions` print row dicts without building an Arrow table (pyarrow
    would import pandas): the same text as format_table of the table pyarrow infers."""
    from f1nb.textfmt import format_records

    rows = [{"round": 1, "meeting": "Bahrain Grand Prix", "key": 9472, "share": 0.5, "ok": True, "gap": None},
            {"round": None, "meeting": "x" * 80, "key": 9473, "share": 2, "ok": False, "gap": None}]
    assert format_records(rows) == format_table(pa.Table.from_pylist(rows))
    assert format_records(rows, max_rows=1) == format_table(pa.Table.from_pylist(rows), max_rows=1)
    assert format_records(rows, max_rows=1).endswith("... 1 more rows (2 in all)")


def test_reset_lists_then_deletes_lake_and_demo_tree(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("F1NB_HOME", str(tmp_path))
    lake = tmp_path / "lake.duckdb"
    import duckdb

    duckdb.connect(str(lake)).close()
    tree = tmp_path / "demo-archive" / "abc" / "2099"
    tree.mkdir(parents=True)
    (tree / "Index.json").write_text("{}")
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "x").write_text("kept")
    assert main(["reset"]) == 1  # without --yes: says what it would delete, deletes nothing
    err = capsys.readouterr().err
    assert "lake.duckdb" in err and "demo-archive" in err and "--yes" in err and lake.exists()
    assert main(["reset", "--yes"]) == 0
    out = capsys.readouterr().out
    assert not lake.exists() and not (tmp_path / "demo-archive").exists() and (cache / "x").exists()
    assert "deleted" in out
    assert main(["reset", "--yes", "--cache"]) == 0 and not cache.exists()
    assert main(["reset"]) == 0 and "nothing to reset" in capsys.readouterr().out


@pytest.mark.filterwarnings("default::f1nb.archive.index.ArchiveIndexWarning")
def test_a_warning_prints_as_one_line_like_an_error(demo_tree, tmp_path, capsys, monkeypatch):
    import shutil

    import orjson

    tree = tmp_path / "tree"
    shutil.copytree(demo_tree, tree)
    index_file = tree / "2099" / "Index.json"
    index = orjson.loads(index_file.read_bytes().removeprefix(b"\xef\xbb\xbf"))
    index["Meetings"][0]["Sessions"].append({"Key": 90019, "Type": "Practice", "Name": "Practice 3"})  # no Path
    index_file.write_bytes(orjson.dumps(index))
    assert main(["--archive-url", tree.as_uri() + "/", "sessions", "2099"]) == 0
    err = capsys.readouterr().err
    expected = ("f1nb: warning: 2099 season index: skipped session #3 of 'f1nb Demo Grand Prix' "  # counted from 1
                "(Key 90019, Type 'Practice', Name 'Practice 3'): no Path")
    assert err.splitlines() == [expected]

    from .test_cli_hostile import _shell  # the same in a notebook, as `%f1` prints its errors

    monkeypatch.setenv("F1NB_ARCHIVE_URL", tree.as_uri() + "/")
    _shell().run_line_magic("f1", "sessions 2099")
    assert capsys.readouterr().err.splitlines() == [expected.replace("f1nb: warning", "f1: warning", 1)]
