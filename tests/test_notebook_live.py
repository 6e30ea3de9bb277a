"""`%f1 live`: the magic starts a replayed live session, shows the tower, fills the lake, stops cleanly."""

from __future__ import annotations

import pytest
from IPython.core.interactiveshell import InteractiveShell

from .conftest import REAL_LIVE, need_realdata


@pytest.fixture
def shell(tmp_path):
    ip = InteractiveShell.instance()
    if "f1" not in ip.magics_manager.magics["line"]:
        ip.run_line_magic("load_ext", "f1nb")
    # `%f1 backend` switches the lake of the magics already loaded in this shared shell
    ip.run_line_magic("f1", f"backend {tmp_path / 'live.duckdb'}")
    return ip


def test_live_magic_replays_into_the_lake(shell, tmp_path, capsys):
    need_realdata()
    # small: 19 good messages, 32 bad lines; one of the 19 (SessionData {} at 14:57:41.297) repeats the frame
    # before it exactly (topic, payload, utc), and the live client stores a duplicated frame once (issue 17)
    recording = REAL_LIVE / "fastf1_with_errors.txt"
    shell.run_line_magic("f1", f"live --replay {recording} --speed 0 --as lv")
    live = shell.user_ns["lv"]
    assert live.wait(600)
    summary = shell.run_line_magic("f1", "live stop --as lv")
    assert summary["messages"] >= 18 and summary["duplicates_dropped"] == 1 and not summary["build_errors"]
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err and "live stop" in out.out
    lake = shell.user_ns["lv"].lake  # the magics' lake: the file this test pointed them at
    assert str(tmp_path / "live.duckdb") in str(lake.location)
    (n,) = lake.raw.execute("SELECT count(*) FROM bronze.messages").fetchone()
    assert n >= 18


def test_live_magic_stop_without_session_is_one_line(shell, capsys):
    assert shell.run_cell("%f1 live stop --as nothing_here").success is False  # the cell fails ...
    out = capsys.readouterr()  # ... with one line, no traceback
    assert "no live session" in out.out + out.err and "Traceback" not in out.out + out.err
