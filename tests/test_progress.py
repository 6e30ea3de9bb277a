"""Progress is honest: long steps report through one callback shape (tqdm in the terminal,
the picker's bar in a notebook), the bar keeps moving inside a long step, and DuckDB's
own progress bar is off on every connection f1nb opens."""

from __future__ import annotations

import threading

from f1nb.bronze.scratch import scratch
from f1nb.cli import main
from f1nb.demo import DemoConfig
from f1nb.lake.lake import Lake
from f1nb.progress import heartbeat, span

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
    # one bar for the whole job (f1nb.ingest): generating, loading, then building
    assert "f1nb demo: generate, load and build" in err
    assert "simulating" in err and "loading Race into Bronze" in err and "building gold." in err
    (tmp_path / "lake.duckdb").unlink()
    assert main(["-q", *args]) == 0
    assert "f1nb demo" not in capsys.readouterr().err
