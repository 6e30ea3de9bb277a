"""`f1nb demo` a second time: the tree is reused, and the lake, already holding the demo
from the same files, is left as it is; a changed file is loaded again."""

from __future__ import annotations

from f1nb.cli import main
from f1nb.lake.lake import Lake

ARGS = ["demo", "--drivers", "4", "--laps", "4", "--no-telemetry"]


def _built_all(text: str) -> bool:
    from f1nb.engine.compiled import plan

    return f"built {len(plan())} tables" in text


def _loaded_at(lake_file) -> dict:
    with Lake(lake_file) as lake:
        return dict(lake.raw.execute("SELECT session_key, CAST(loaded_at AS VARCHAR) FROM bronze.sessions").fetchall())


def _track_status_messages(lake_file) -> dict:
    """Per session, TrackStatus messages in Bronze (`loaded_at` is kept to the second, so two
    loads within one second look alike: count what the reload must have changed instead)."""
    with Lake(lake_file) as lake:
        return dict(lake.raw.execute("SELECT session_key, count(*) FROM bronze.messages "
                                     "WHERE topic = 'TrackStatus' GROUP BY ALL").fetchall())


def test_second_demo_run_skips_what_is_done_and_reloads_a_changed_file(tmp_path, capsys):
    lake_file, out = tmp_path / "lake.duckdb", tmp_path / "tree"
    assert main(["--lake", str(lake_file), *ARGS, "--out", str(out)]) == 0
    first = capsys.readouterr().out
    assert first.count("loaded in") == 2 and _built_all(first)
    stamps, counts = _loaded_at(lake_file), _track_status_messages(lake_file)

    assert main(["--lake", str(lake_file), *ARGS, "--out", str(out)]) == 0
    second = capsys.readouterr().out
    assert "loaded in" not in second and "nothing to do" in second
    assert _loaded_at(lake_file) == stamps

    race = next(out.glob("2099/*/*_Race/TrackStatus.jsonStream"))
    race.write_bytes(race.read_bytes() + race.read_bytes().splitlines(keepends=True)[-1])
    assert main(["--lake", str(lake_file), *ARGS, "--out", str(out)]) == 0
    third = capsys.readouterr().out
    assert third.count("loaded in") == 1 and "Race" in third and _built_all(third)
    after = _track_status_messages(lake_file)
    assert sorted(after[k] - counts[k] for k in counts) == [0, 1]  # the race's extra line, the other unchanged


def test_an_unbuilt_lake_is_built_even_when_loaded(tmp_path, capsys):
    lake_file, out = tmp_path / "lake.duckdb", tmp_path / "tree"
    assert main(["--lake", str(lake_file), *ARGS, "--out", str(out)]) == 0
    with Lake(lake_file) as lake:
        lake.raw.execute("DELETE FROM gold.results")
    capsys.readouterr()
    assert main(["--lake", str(lake_file), *ARGS, "--out", str(out)]) == 0
    second = capsys.readouterr().out
    assert "loaded in" not in second and _built_all(second)
    with Lake(lake_file) as lake:
        assert lake.raw.execute("SELECT count(DISTINCT session_key) FROM gold.results").fetchone()[0] == 2
