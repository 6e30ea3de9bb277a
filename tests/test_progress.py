"""Progress is honest: long steps report through one callback shape (tqdm in the terminal,
the picker's bar in a notebook), the bar keeps moving inside a long step, and DuckDB's
own progress bar is off on every connection f1nb opens."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from f1nb.bronze.scratch import scratch
from f1nb.cli import main
from f1nb.demo import DemoConfig
from f1nb.lake.lake import Lake
from f1nb.progress import heartbeat, span, stage_of, terminal

SMALL = DemoConfig(drivers=4, race_laps=4, quali_minutes=(4.0, 3.0, 2.0))


def test_duckdb_progress_bar_is_off_on_every_connection(tmp_path):
    with Lake(tmp_path / "lake.duckdb") as lake:
        assert lake.raw.execute("SELECT current_setting('enable_progress_bar')").fetchone()[0] is False
    with scratch() as con:
        assert con.execute("SELECT current_setting('enable_progress_bar')").fetchone()[0] is False


def test_span_maps_a_step_into_its_part_of_the_job():
    seen = []
    inner = span(lambda done, text: seen.append((round(done, 6), text)), 0.5, 0.75)
    inner(0.0, "a")
    inner(0.5, "b")
    inner(2.0, "c")  # a step past its end stays inside its part
    assert seen == [(0.5, "a"), (0.625, "b"), (0.75, "c")]
    span(None, 0, 1)(0.5, "nobody listens")  # no reporter: no error


def test_heartbeat_moves_the_bar_inside_a_long_step_and_never_back():
    seen: list[tuple[float, str]] = []
    moved = threading.Event()

    def report(done, text):
        seen.append((done, text))
        if sum("(" in t for _, t in seen) >= 3:
            moved.set()

    with heartbeat(report, every_s=0.01) as step:
        step(0.4, "writing Bronze")
        assert moved.wait(30), "the heartbeat never reported"
        step(0.3, "a late, lower report")
    values = [v for v, _ in seen]
    assert values == sorted(values), "the bar went back"
    ticks = [v for v, t in seen if t.startswith("writing Bronze (")]
    assert len(ticks) >= 3 and ticks[0] > 0.4 and max(ticks) <= 0.45 + 1e-9
    assert seen[-1][0] >= 0.4 and "a late, lower report" in {t for _, t in seen}


def test_picker_bar_hears_generation_loading_and_building(tmp_path):
    from f1nb.notebook.widgets import DEMO, SessionPicker

    with Lake(tmp_path / "lake.duckdb") as lake:
        picker = SessionPicker(lake=lake, offline=True, demo_config=SMALL)
        picker.season_select.value = DEMO
        picker.session_select.value = "Race"
        values, texts = [], []
        picker.progress.observe(lambda ch: values.append(ch["new"]), "value")
        picker.status.observe(lambda ch: texts.append(ch["new"]), "value")
        picker.load_button.click()
        assert picker.session is not None, picker.status.value
    assert values == sorted(values) and values[-1] == picker.progress.max
    text = " ".join(texts)
    for stage in ("simulating", "writing CarData.z", "loading Race into Bronze", "building silver.laps",
                  "building gold.results"):
        assert stage in text, stage
    assert len(set(values)) >= 20


def test_cli_demo_shows_tqdm_unless_quiet(tmp_path, capsys):
    args = ["--lake", str(tmp_path / "lake.duckdb"), "demo", "--drivers", "4", "--laps", "4", "--no-telemetry",
            "--out", str(tmp_path / "tree")]
    assert main(args) == 0
    err = capsys.readouterr().err
    # one report for the whole job (f1nb.ingest); capsys is no TTY, so plain stage lines
    assert "f1nb demo: generate the demo archive (" in err
    assert "loading Race into Bronze" in err and "build Silver and Gold" in err
    (tmp_path / "lake.duckdb").unlink()
    assert main(["-q", *args]) == 0
    assert "f1nb demo" not in capsys.readouterr().err


def _demo_cli(tmp_path, name: str, stderr) -> subprocess.Popen:
    """`f1nb demo` (small, no telemetry) in a child process whose stderr is `stderr`."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1]), "F1NB_HOME": str(tmp_path / "home")}
    args = [sys.executable, "-m", "f1nb.cli", "--lake", str(tmp_path / f"{name}.duckdb"), "demo", "--drivers", "4",
            "--laps", "3", "--no-telemetry", "--out", str(tmp_path / "tree")]
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=stderr, env=env)


def test_cli_demo_writes_plain_stage_lines_to_a_log(tmp_path):
    # stderr to a pipe (a log, CI, `| tee`): no bar redraws, one line per stage
    child = _demo_cli(tmp_path, "lake", subprocess.PIPE)
    _, err = child.communicate()
    assert child.returncode == 0, err.decode()
    text = err.decode()
    assert "\r" not in text
    stages = [line.split(" (")[0] for line in text.splitlines()]
    # a session loads as soon as it is written, while the other is still being written: the
    # generation's line may come again between the loads, each load's line comes once
    loads = [s for s in stages if "loading" in s]
    assert sorted(loads) == ["f1nb demo: loading Qualifying into Bronze", "f1nb demo: loading Race into Bronze"], text
    assert stages[0] == "f1nb demo: generate the demo archive", text
    assert set(stages[:-2]) - set(loads) == {"f1nb demo: generate the demo archive"}, text
    assert stages[-2] == "f1nb demo: build Silver and Gold", text
    assert stages[-1].startswith("f1nb demo: done in ") and len(stages) < 10, text


def test_cli_demo_draws_the_bar_on_a_terminal(tmp_path):
    termios = pytest.importorskip("termios", reason="pseudo-terminals are POSIX")
    import fcntl
    import struct

    leader, follower = os.openpty()
    # a new pty is 0 columns wide, and tqdm draws nothing in 0 columns: give it a real size
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    chunks: list[bytes] = []

    def read() -> None:  # drained while the child runs: a full pty would block its writes
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # EIO: every end of the follower is closed
                return
            if not chunk:
                return
            chunks.append(chunk)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        child = _demo_cli(tmp_path, "lake", follower)
        os.close(follower)
        assert child.wait() == 0
        reader.join()
    finally:
        os.close(leader)
    text = b"".join(chunks).decode(errors="replace")
    assert "\r" in text and "f1nb demo:" in text and "%|" in text, text
    assert "generate the demo archive (" not in text  # the bar, not the log lines


def test_terminal_chooses_the_bar_on_a_tty_and_lines_elsewhere():
    class Tty(io.StringIO):
        def isatty(self):
            return True

    tty, log = Tty(), io.StringIO()
    for stream in (tty, log):
        with terminal("job", stream=stream) as report:
            report(0.0, "round 1 Race: simulating")
            report(0.5, "loading Race into Bronze")
            report(0.9, "building gold.results")
    assert "%|" in tty.getvalue()
    stages = [line.split(" (")[0] for line in log.getvalue().splitlines()]
    assert stages[:-1] == ["job: generate the demo archive", "job: loading Race into Bronze",
                           "job: build Silver and Gold"]
    assert stages[-1].startswith("job: done in ") and "\r" not in log.getvalue()
    quiet = io.StringIO()
    with terminal("job", enabled=False, stream=quiet) as report:
        report(0.5, "building gold.results")
    assert quiet.getvalue() == ""


def test_stage_of_names_one_stage_per_step_kind():
    assert stage_of("round 3 Qualifying: writing CarData.z") == "generate the demo archive"
    assert stage_of("loading Sprint into Bronze") == "loading Sprint into Bronze"
    assert stage_of("building silver.laps") == "build Silver and Gold"
    assert stage_of("downloading TimingData, CarData.z…") == "downloading"


def test_downloads_write_one_plain_line_to_a_log(demo_tree, tmp_path, capsys):
    # `f1nb load` into a log (stderr not a TTY): no tqdm redraws, one line for the files and one when done
    from f1nb.archive.client import ArchiveClient

    with ArchiveClient(base_url=demo_tree.resolve().as_uri() + "/", cache_dir=tmp_path / "cache") as client:
        ref = client.find(2099, 1, "Race")
        files = client.fetch_session(ref)
    err = capsys.readouterr().err
    assert files.files and "\r" not in err, err
    lines = err.splitlines()
    assert len(lines) == 2 and lines[0].startswith(f"{ref.label}: downloading (") and "done in" in lines[1], err
