"""The build's light models run several at a time on a stage in memory (engine/staged_build.py),
then are copied into the lake in the build's one transaction. Guarded here: the same tables as
the models built one after another (DuckDB on one thread takes that path), for a fresh lake, a
rebuild and a lake whose tables are partly outdated; independent models really run at once; a
build of more sessions than a stage holds runs in turn; a failing model leaves the lake as it
was, with no stage or worker left."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from f1nb.demo import DemoConfig
from f1nb.engine import duckdb_build, staged_build
from f1nb.engine.compiled import plan
from f1nb.engine.duckdb_build import sample_models
from f1nb.errors import LakeError
from f1nb.lake.lake import Lake

from .conftest import bronze_only_lake

REPO = Path(__file__).resolve().parents[1]
# two weekends: four sessions
SMALL = DemoConfig(rounds=2, drivers=3, race_laps=3, quali_minutes=(3.0, 2.0, 2.0))


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """A lake with the small demo season's Bronze only (each test builds copies)."""
    return bronze_only_lake(tmp_path_factory.mktemp("build_staged"), SMALL)


def _copy(loaded: Path, path: Path) -> Path:
    path.write_bytes(loaded.read_bytes())
    return path


def _build(path: Path, keys=None, one_thread: bool = False):
    with Lake(path) as lake:
        # one DuckDB thread: the models run one after another, in the transaction; two: staged
        lake.raw.execute(f"SET threads = {1 if one_thread else 2}")
        return lake.build(keys)


def _assert_same(a: Path, b: Path) -> None:
    same = subprocess.run([sys.executable, str(REPO / "tools" / "compare_lakes.py"), str(a), str(b)],
                          capture_output=True, text=True, check=False)
    assert same.returncode == 0, same.stdout[-3000:] + same.stderr[-2000:]
    assert "silver.laps" in same.stdout and "gold.results" in same.stdout


def _staged_names() -> set[str]:
    return {s.name for s in staged_build.stageable(list(plan()), sample_models(plan()))}


def test_the_light_per_session_models_are_staged_and_the_others_are_not():
    staged = _staged_names()
    assert {"silver.laps", "silver.intervals", "gold.results", "gold.stint_summary"} <= staged
    assert not staged & sample_models(plan())  # over the samples: every thread, in the transaction
    assert not staged & {s.name for s in plan() if not s.per_session}  # season roll-ups read every session


@pytest.mark.parametrize("most", [8, 2])
def test_a_staged_build_equals_one_model_after_another(loaded, tmp_path, monkeypatch, most):
    """A fresh build and then a rebuild of one weekend, staged and one model after another: the
    same tables. Staging at most 2 sessions, the fresh build of 4 runs in turn, the rebuild of 2 is staged."""
    monkeypatch.setattr(staged_build, "STAGED_SESSIONS", most)
    stages: list = []  # the sessions of each build that staged
    run_on_stage = duckdb_build.run_on_stage
    monkeypatch.setattr(duckdb_build, "run_on_stage",
                        lambda lake, stage, steps, scope, *rest: stages.append(scope) or
                        run_on_stage(lake, stage, steps, scope, *rest))
    seq, staged = _copy(loaded, tmp_path / "seq.duckdb"), _copy(loaded, tmp_path / "staged.duckdb")
    built = _build(staged)
    _build(seq, one_thread=True)
    assert built.rows["silver.laps"] > 0 and built.wall_s is not None
    assert str(built).startswith(f"built {len(built.seconds)} tables in {built.wall_s:.2f} s")
    _assert_same(seq, staged)
    gone = "SELECT count(*) FROM silver.race_control_messages WHERE session_key = {}"
    for path in (seq, staged):  # the second weekend's race control goes: its rebuild must show it
        with Lake(path) as lake:
            keys = lake.session_keys()[2:]
            assert lake.sql(gone.format(keys[-1])).column(0)[0].as_py() > 0
            lake.raw.execute(f"DELETE FROM bronze.fields WHERE session_key = {keys[-1]} AND topic = 'RaceControlMessages'")
    _build(staged, keys)
    _build(seq, keys, one_thread=True)
    _assert_same(seq, staged)
    assert stages == ([None, keys] if most == 8 else [keys])  # a new table: every session of the lake
    with Lake(staged) as lake:
        assert lake.sql(gone.format(keys[-1])).column(0)[0].as_py() == 0


def test_a_lake_with_an_outdated_table_builds_the_models_in_turn(loaded, tmp_path):
    """One staged model's table made by an older f1nb (another column): it is rebuilt for every
    session and the others only for the sessions asked, as before staging."""
    seq, staged = _copy(loaded, tmp_path / "seq.duckdb"), _copy(loaded, tmp_path / "staged.duckdb")
    for path, one_thread in ((seq, True), (staged, False)):
        _build(path, one_thread=one_thread)
        with Lake(path) as lake:
            lake.raw.execute("ALTER TABLE gold.fastest_laps RENAME COLUMN lap_time_s TO lap_seconds_old")
            key = lake.session_keys()[-1]
        _build(path, [key], one_thread=one_thread)
        with Lake(path) as lake:
            assert "lap_time_s" in lake.columns("gold", "fastest_laps")
            assert lake.sql("SELECT count(DISTINCT session_key) FROM gold.fastest_laps").column(0)[0].as_py() == 4
    _assert_same(seq, staged)


def test_independent_models_run_at_the_same_time(loaded, tmp_path, monkeypatch):
    """Two models that do not read each other are staged side by side: each waits at a barrier
    for another to arrive (models run one at a time would never meet: the barrier breaks)."""
    barrier = threading.Barrier(2, timeout=120)
    met: list[str] = []
    stage_one = staged_build._stage_one

    def meeting(cursor, stage, step, *args):
        if step.name in ("silver.intervals", "silver.stints"):
            barrier.wait()
            met.append(step.name)
        return stage_one(cursor, stage, step, *args)

    monkeypatch.setattr(staged_build, "_stage_one", meeting)
    with Lake(_copy(loaded, tmp_path / "lake.duckdb")) as lake:
        lake.raw.execute("SET threads = 2")
        lake.build()
        assert sorted(met) == ["silver.intervals", "silver.stints"]
        assert lake.sql("SELECT count(*) FROM silver.laps").column(0)[0].as_py() > 0


def test_a_failing_staged_model_leaves_the_lake_as_it_was(loaded, tmp_path):
    path = _copy(loaded, tmp_path / "lake.duckdb")
    _build(path)
    with Lake(path) as lake:
        lake.raw.execute("SET threads = 2")
        before = lake.sql("SELECT session_key, count(*) AS n FROM silver.laps GROUP BY ALL ORDER BY ALL")
        lake.raw.execute("ALTER TABLE bronze.fields RENAME COLUMN value TO value_gone")
        threads = {t.name for t in threading.enumerate()}
        with pytest.raises(LakeError, match=r"building silver\.\w+ failed"):
            lake.build(lake.session_keys()[:1])
        assert lake.sql("SELECT session_key, count(*) AS n FROM silver.laps GROUP BY ALL ORDER BY ALL").equals(before)
        attached = lake.sql("SELECT database_name FROM duckdb_databases()").column(0).to_pylist()
        assert not [name for name in attached if name.startswith("f1nb_stage")]
        assert not [t.name for t in threading.enumerate() if t.name.startswith("f1nb-build") and t.name not in threads]
        lake.raw.execute("ALTER TABLE bronze.fields RENAME COLUMN value_gone TO value")
        lake.build(lake.session_keys()[:1])  # and the lake builds again


def test_ctrl_c_while_models_are_staged_leaves_the_lake_as_it_was(loaded, tmp_path):
    """A KeyboardInterrupt (here from the progress report, on the thread that waits for the
    workers) while other models are under way: the statements stop, the stage goes, the lake
    keeps no Silver or Gold table, and it builds afterwards."""
    def report(done, text):
        if text == "building silver.laps":
            raise KeyboardInterrupt

    with Lake(_copy(loaded, tmp_path / "lake.duckdb")) as lake:
        lake.raw.execute("SET threads = 2")
        threads = {t.name for t in threading.enumerate()}
        with pytest.raises(KeyboardInterrupt):
            lake.build(report=report)
        assert lake.table_names("silver") == [] and lake.table_names("gold") == []
        attached = lake.sql("SELECT database_name FROM duckdb_databases()").column(0).to_pylist()
        assert not [name for name in attached if name.startswith("f1nb_stage")]
        assert not [t.name for t in threading.enumerate() if t.name.startswith("f1nb-build") and t.name not in threads]
        lake.build()
        assert lake.sql("SELECT count(*) FROM silver.laps").column(0)[0].as_py() > 0
