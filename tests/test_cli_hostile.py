"""Issue 17 items 12-13: each of these inputs ends in one clear line (or argparse's usage), never a traceback."""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading

import pytest

from f1nb.archive.serve import ArchiveServer
from f1nb.cli import main
from f1nb.lake.lake import Lake


def _one_line(capsys, rc_expected=1) -> str:
    captured = capsys.readouterr()
    err = captured.err
    assert "Traceback" not in err + captured.out
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert lines and lines[-1].startswith("f1nb"), err
    return lines[-1]


@pytest.mark.parametrize("argv, rc, says", [
    (["--lake", "/proc/nope/x.duckdb", "tables"], 1, "no lake at /proc/nope/x.duckdb"),
    (["export-parquet", "/proc/nope"], 1, "No such file or directory: '/proc/nope'"),
    (["demo", "--laps", "-1"], 2, "--laps: -1 is outside 1..200"),
    (["demo", "--rounds", "0"], 2, "--rounds: 0 is outside 1..24"),
    (["demo", "--drivers", "x"], 2, "--drivers: 'x' is not a whole number"),
    (["serve-archive", ".", "--port", "99999"], 2, "--port: 99999 is outside 0..65535"),
    (["load", "--recording", "/etc/passwd"], 1, "holds no live-timing message"),
])
def test_bad_cli_input_is_one_line(tmp_path, capsys, monkeypatch, argv, rc, says):
    monkeypatch.chdir(tmp_path)
    if argv[0] != "--lake":
        Lake(tmp_path / "l.duckdb").close()  # an empty lake: read-only commands refuse a missing one
        argv = ["--lake", str(tmp_path / "l.duckdb"), *argv]
    with pytest.raises(SystemExit) if rc == 2 else contextlib.nullcontext() as exit_info:  # 2: argparse usage
        got = main(argv)
    got = exit_info.value.code if rc == 2 else got
    assert got == rc
    assert says in _one_line(capsys)


def test_a_failed_recording_load_leaves_the_lake_as_it_was(tmp_path, capsys):
    assert main(["--lake", str(tmp_path / "l.duckdb"), "load", "--recording", "/etc/passwd"]) == 1
    with Lake(tmp_path / "l.duckdb") as lake:
        assert lake.raw.execute("SELECT count(*) FROM bronze.sessions").fetchone() == (0,)


def test_serve_archive_on_a_port_in_use_is_one_line(tmp_path, capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["serve-archive", str(tmp_path), "--port", str(port)]) == 1
    line = _one_line(capsys)
    assert "cannot serve on 127.0.0.1" in line and "in use" in line and "pick another --port" in line


def test_check_of_an_unknown_table_is_an_error_not_a_success(tmp_path, capsys):
    Lake(tmp_path / "l.duckdb").close()
    assert main(["--lake", str(tmp_path / "l.duckdb"), "check", "no.such"]) == 1
    assert "no table named 'no.such' has checks" in _one_line(capsys)


def test_serve_archive_answers_a_non_ascii_digit_year_with_404(tmp_path, capsys):
    with ArchiveServer(tmp_path) as server:
        conn = http.client.HTTPConnection("127.0.0.1", int(server.url.rsplit(":", 1)[1].strip("/")), timeout=10)
        conn.request("GET", "/%C2%B2/Index.json")
        resp = conn.getresponse()
        assert resp.status == 404
        resp.read()
        conn.request("GET", "/2019/Index.json")  # the same connection still works
        assert conn.getresponse().status == 404
        conn.close()
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out


def test_serve_archive_closes_idle_connections(tmp_path):
    with ArchiveServer(tmp_path, idle_timeout=0.3) as server:
        port = int(server.url.rsplit(":", 1)[1].strip("/"))
        before = threading.active_count()
        idle = [socket.create_connection(("127.0.0.1", port), timeout=30) for _ in range(20)]
        try:
            for s in idle:  # each is closed by the server: recv returns b"" (waits for that event, up to 30 s)
                assert s.recv(1) == b""
        finally:
            for s in idle:
                s.close()
        for _ in range(300):  # the handler threads end once their connection is closed
            if threading.active_count() <= before:
                break
            threading.Event().wait(0.05)
        assert threading.active_count() <= before


def _shell():
    from IPython.core.interactiveshell import InteractiveShell

    ip = InteractiveShell.instance()
    if "f1" not in ip.magics_manager.magics["line"]:
        ip.run_line_magic("load_ext", "f1nb")
    return ip


def _failed_cell(ip, line: str) -> str:
    """The text a failed `%f1` cell shows (F1CellError fails the cell without a traceback)."""
    from f1nb.notebook.magics import F1CellError

    with pytest.raises(F1CellError) as exc:
        ip.run_line_magic("f1", line)
    return exc.value.text


def test_magic_as_never_overwrites_a_user_variable(capsys):
    ip = _shell()
    ip.user_ns["mine"] = 42
    for line in ("demo --as mine", "live --replay demo --as mine", "load 2019 Monaco Race --as mine"):
        assert "`mine` already holds your int" in _failed_cell(ip, line)
    assert ip.user_ns["mine"] == 42
    assert "already holds IPython's" in _failed_cell(ip, "demo --as In")


def test_magic_check_of_an_unknown_table_reports_an_error(tmp_path, capsys):
    ip = _shell()
    Lake(tmp_path / "m.duckdb").close()
    ip.run_line_magic("f1", f"backend {tmp_path / 'm.duckdb'}")
    assert "no table named 'no.such'" in _failed_cell(ip, "check no.such")
