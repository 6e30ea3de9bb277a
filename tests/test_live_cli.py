"""`f1nb live --replay SOURCE`: server + real client + lake, returns when the recording ends."""

from __future__ import annotations

import pytest

from f1nb.cli import main
from f1nb.lake.lake import Lake

from .test_live_replay import _synthetic_tree


@pytest.mark.parametrize("core", [False, True])
def test_cli_live_replay_records_and_loads(tmp_path, capsys, core):
    folder = _synthetic_tree(tmp_path / "tree")
    lake = tmp_path / "lake.duckdb"
    argv = ["--lake", str(lake), "live", "--replay", str(folder), "--record", str(tmp_path / "rec")]
    assert main(argv + (["--core"] if core else [])) == 0
    out = capsys.readouterr()
    assert "live session 99001:" in out.out and "recorded to" in out.out
    assert "connected to" in out.err and "(core)" in out.err if core else "(classic)" in out.err
    with Lake(lake) as lk:
        assert lk.raw.execute("SELECT count(*) FROM bronze.messages").fetchone()[0] == 25
        assert lk.raw.execute("SELECT count(*) FROM silver.laps WHERE session_key = 99001").fetchone() is not None
    back = tmp_path / "back.duckdb"
    path = "2030/2030-01-02_Test_Grand_Prix/2030-01-02_Race/"
    assert main(["--lake", str(back), "--archive-url", f"file://{tmp_path / 'rec'}/", "-q", "load", "--path", path,
                 "--no-build"]) == 0
    with Lake(back) as lk:
        assert lk.raw.execute("SELECT count(*) FROM bronze.messages").fetchone()[0] == 25


def test_cli_live_rejects_replay_with_url(tmp_path, capsys):
    assert main(["--lake", str(tmp_path / "l.duckdb"), "live", "--replay", "demo", "--url", "http://x"]) == 1
    assert "not both" in capsys.readouterr().err
