"""Ordinary actions that used to lose data (issue 12): each one reproduced, and now safe.

- reloading some topics of a session replaces only those topics;
- a live or replayed stream never replaces a copy of its session already in the lake;
- a session whose feeds are all missing is an error and stores nothing;
- read-only commands never create a lake, and say what is wrong with a bad path;
- user SQL cannot change the lake unless asked to write.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from f1nb.archive.client import ArchiveClient
from f1nb.cli import main
from f1nb.demo import DemoConfig
from f1nb.errors import ReadOnlyQuery, SessionNotAvailable
from f1nb.lake.lake import Lake
from f1nb.session import Session
from f1nb.session_ref import SessionRef

from .conftest import SMALL_DEMO
from .test_live_replay import _synthetic_tree

SMALL = DemoConfig(**SMALL_DEMO)  # the demo_tree fixture's (tests/conftest.py)
BRONZE = ("messages", "fields", "car_samples", "position_samples", "rejects", "feeds")


def _race(lake: Lake, tree) -> Session:
    client = ArchiveClient(base_url=tree.resolve().as_uri() + "/", progress=False)
    return Session(client.find(2099, "demo", "R"), lake, client)


def _rows(lake: Lake, layer: str, name: str, drop=("loaded_at",)) -> list[tuple]:
    """Every row, sorted. Doubles are compared to 9 decimals: an engine's parallel sums
    may differ in the last bit between two builds of the same input."""
    types = dict(lake.raw.execute("SELECT column_name, data_type FROM duckdb_columns() "
                                  "WHERE schema_name = ? AND table_name = ?", [layer, name]).fetchall())
    def column(c):  # timestamptz as text: fetching it as Python needs pytz, which pandas 3 no longer brings
        if types.get(c) in ("DOUBLE", "FLOAT"):
            return f'round("{c}", 9) AS "{c}"'
        return f'CAST("{c}" AS VARCHAR) AS "{c}"' if types.get(c, "").startswith("TIMESTAMP") else f'"{c}"'

    select = ", ".join(column(c) for c in lake.columns(layer, name) if c not in drop)
    return lake.raw.execute(f"SELECT {select} FROM {layer}.{name} ORDER BY ALL").fetchall()


def _snapshot(lake: Lake) -> dict:
    return {(layer, name): _rows(lake, layer, name) for layer in ("bronze", "silver", "gold")
            for name in lake.table_names(layer)}


# ------------------------------------------------------------------ topic subsets


def test_reloading_some_topics_replaces_only_those(demo_tree, tmp_path):
    with Lake(tmp_path / "lake.duckdb") as lake:
        race = _race(lake, demo_tree)
        race.get_results()  # loads and builds
        before = _snapshot(lake)
        topics = lake.raw.execute("SELECT count(DISTINCT topic) FROM bronze.messages").fetchone()[0]
        assert topics > 5

        report = race.load_data(topics=["TimingData"], force=True)
        assert list(report.messages) == ["TimingData"]
        after = _snapshot(lake)
        assert after.keys() == before.keys()
        for key in before:  # the reload read the same bytes: every table is as it was
            assert after[key] == before[key], key
        assert lake.raw.execute("SELECT count(DISTINCT topic) FROM bronze.messages").fetchone()[0] == topics
        assert race.get_drivers().in_timing.sum() == SMALL.drivers and not race.get_results().empty


def test_reloading_a_topic_rebuilds_the_layers_from_it(demo_tree, tmp_path):
    """Silver follows a reloaded topic: with DriverList gone from Bronze, a rebuild has no drivers."""
    with Lake(tmp_path / "lake.duckdb") as lake:
        race = _race(lake, demo_tree)
        assert race.get_drivers().in_timing.sum() == SMALL.drivers
        lake.raw.execute("DELETE FROM bronze.messages WHERE topic = 'DriverList'")
        lake.raw.execute("DELETE FROM bronze.fields WHERE topic = 'DriverList'")
        race.generate()
        assert race.get_drivers().empty
        race.load_data(topics=["DriverList"], force=True)
        assert race.get_drivers().in_timing.sum() == SMALL.drivers  # rebuilt after the reload, no get_* needed first


def test_reloading_a_topic_through_the_cli_keeps_the_others(demo_tree, tmp_path):
    lake_path = str(tmp_path / "lake.duckdb")
    url = demo_tree.resolve().as_uri() + "/"
    assert main(["--lake", lake_path, "--archive-url", url, "-q", "load", "2099", "demo", "R"]) == 0
    with Lake(lake_path) as lake:
        before = _snapshot(lake)
    assert main(["--lake", lake_path, "--archive-url", url, "-q", "load", "2099", "demo", "R",
                 "--topics", "WeatherData", "LapCount"]) == 0
    with Lake(lake_path) as lake:
        assert _snapshot(lake) == before


# ------------------------------------------------------------------ live copies


def test_replay_refuses_to_replace_the_archive_copy(tmp_path, capsys):
    folder = _synthetic_tree(tmp_path / "tree")
    lake_path = str(tmp_path / "lake.duckdb")
    url = f"file://{tmp_path / 'tree'}/"
    path = "2030/2030-01-02_Test_Grand_Prix/2030-01-02_Race/"
    assert main(["--lake", lake_path, "--archive-url", url, "-q", "load", "--path", path]) == 0
    with Lake(lake_path) as lake:
        before = _snapshot(lake)
    capsys.readouterr()

    assert main(["--lake", lake_path, "live", "--replay", str(folder)]) == 1
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.startswith("f1nb: error")]
    assert len(lines) == 1 and "already in the lake" in lines[0] and "--replace" in lines[0], err
    assert "Traceback" not in err
    with Lake(lake_path) as lake:
        assert _snapshot(lake) == before
        (source,) = lake.raw.execute("SELECT source FROM bronze.sessions").fetchone()
        assert source.startswith("file://")

    assert main(["--lake", lake_path, "live", "--replay", str(folder), "--replace"]) == 0
    with Lake(lake_path) as lake:
        (source,) = lake.raw.execute("SELECT source FROM bronze.sessions").fetchone()
        assert source == str(folder)  # bronze.sessions says where the copy came from


def test_live_sink_refuses_when_the_key_arrives_late(tmp_path):
    """A live feed learns its key only from SessionInfo: the sink refuses then, and fails at once."""
    from f1nb.decode.messages import Message
    from f1nb.errors import LakeError
    from f1nb.live.sink import LakeSink

    folder = _synthetic_tree(tmp_path / "tree")
    with Lake(tmp_path / "lake.duckdb") as lake:
        path = "2030/2030-01-02_Test_Grand_Prix/2030-01-02_Race/"
        client = ArchiveClient(base_url=f"file://{tmp_path / 'tree'}/", progress=False)
        from f1nb.bronze.load import load_archive_session

        load_archive_session(lake, client, client.session_from_path(path))
        before = _snapshot(lake)
        info = json.loads((folder / "SessionInfo.jsonStream").read_bytes().decode("utf-8-sig")[12:].strip())
        sink = LakeSink(lake, build=False, source="live").start()
        sink.put(Message("SessionInfo", 0, None, None, json.dumps(info)))
        assert sink.failed.wait(60)
        with pytest.raises(LakeError, match="already in the lake"):
            sink.stop()
        assert _snapshot(lake) == before


# ------------------------------------------------------------------ missing sessions


def _index_only_tree(root):
    """A season index that lists a session whose feeds are all missing (404)."""
    (root / "2031").mkdir(parents=True)
    index = {"Year": 2031, "Meetings": [{
        "Key": 1, "Name": "Ghost Grand Prix", "Location": "Nowhere", "Number": 1,
        "Country": {"Name": "Nowhere"}, "Circuit": {"ShortName": "Nowhere"},
        "Sessions": [{"Key": 77001, "Type": "Race", "Name": "Race", "StartDate": "2031-03-02T15:00:00",
                      "EndDate": "2031-03-02T17:00:00", "GmtOffset": "00:00:00",
                      "Path": "2031/2031-03-02_Ghost_Grand_Prix/2031-03-02_Race/"}]}]}
    (root / "2031" / "Index.json").write_bytes(b"\xef\xbb\xbf" + json.dumps(index).encode())
    return root.resolve().as_uri() + "/"


def test_a_session_with_no_feeds_is_an_error_and_stores_nothing(tmp_path, capsys):
    url = _index_only_tree(tmp_path / "tree")
    lake_path = str(tmp_path / "lake.duckdb")
    assert main(["--lake", lake_path, "--archive-url", url, "-q", "load", "2031", "Ghost", "R"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("f1nb: error:") and len(err.strip().splitlines()) == 1 and "none of its data" in err
    with Lake(lake_path) as lake:
        assert lake.session_keys() == []
        assert lake.raw.execute("SELECT count(*) FROM bronze.feeds").fetchone()[0] == 0
    with Lake(lake_path) as lake:
        session = Session(ArchiveClient(base_url=url, progress=False).find(2031, "Ghost", "R"), lake,
                          ArchiveClient(base_url=url, progress=False))
        with pytest.raises(SessionNotAvailable):
            session.get_laps()


def test_the_picker_shows_a_missing_session_as_an_error(tmp_path):
    from f1nb.notebook.widgets import SessionPicker

    url = _index_only_tree(tmp_path / "tree")
    with Lake(tmp_path / "lake.duckdb") as lake:
        picker = SessionPicker(lake=lake, archive_url=url, seasons=[2031])
        picker.session_select.value = next(ref for label, ref in picker.session_select.options if label == "Race")
        picker.load_button.click()  # loads synchronously
        assert picker.session is None
        status = picker.status.value
        assert "none of its data" in status and "✓" not in status
        assert lake.session_keys() == []


# ------------------------------------------------------------------ lake paths


@pytest.mark.parametrize("command", [["tables"], ["sql", "SELECT 1"], ["check"], ["build"],
                                     ["export-parquet", "out"]])
def test_read_only_commands_never_create_a_lake(tmp_path, capsys, command):
    missing = tmp_path / "no" / "such" / "lake.duckdb"
    assert main(["--lake", str(missing), *command]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"f1nb: error: no lake at {missing}") and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "no").exists()


def test_a_file_that_is_not_a_lake_says_so(tmp_path, capsys):
    text = tmp_path / "notes.txt"
    text.write_text("not a database")
    assert main(["--lake", str(text), "tables"]) == 1
    err = capsys.readouterr().err
    assert "is not a DuckDB lake file" in err and "Close other programs" not in err
    assert text.read_text() == "not a database"


def test_a_load_creates_the_lake(demo_tree, tmp_path):
    lake_path = tmp_path / "new" / "lake.duckdb"
    url = demo_tree.resolve().as_uri() + "/"
    assert main(["--lake", str(lake_path), "--archive-url", url, "-q", "load", "2099", "demo", "Q", "--no-build"]) == 0
    assert lake_path.is_file()


# ------------------------------------------------------------------ read-only SQL


def test_user_sql_cannot_drop_a_table_by_accident(demo_tree, tmp_path):
    lake_path = str(tmp_path / "lake.duckdb")
    url = demo_tree.resolve().as_uri() + "/"
    assert main(["--lake", lake_path, "--archive-url", url, "-q", "load", "2099", "demo", "Q"]) == 0
    with Lake(lake_path) as lake:
        before = _snapshot(lake)

    done = subprocess.run([sys.executable, "-m", "f1nb", "--lake", lake_path, "sql", "DROP TABLE silver.laps"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "read-only" in done.stderr and "--write" in done.stderr

    with Lake(lake_path) as lake:
        session = Session(SessionRef(**{**{k: None for k in SessionRef.__dataclass_fields__},
                                        "session_key": 90010}), lake)
        for query in ("DROP TABLE silver.laps", "SELECT 1; DELETE FROM bronze.messages",
                      "COPY bronze.messages TO 'x.csv'", "CREATE TABLE gold.x AS SELECT 1"):
            with pytest.raises(ReadOnlyQuery) as info:
                session.sql(query)
            assert "\n" not in str(info.value) and "write=True" in str(info.value)
        assert _snapshot(lake) == before
        assert session.sql("PIVOT silver.laps ON driver_number USING count(*) GROUP BY session_key").shape[0] == 1
        assert _snapshot(lake) == before  # PIVOT's implicit enum type was rolled back with the rest
        session.sql("CREATE TABLE gold.scratch AS SELECT 1 AS one", write=True)
        assert lake.columns("gold", "scratch") == ["one"]

    done = subprocess.run([sys.executable, "-m", "f1nb", "--lake", lake_path, "sql", "--write",
                           "DROP TABLE gold.scratch"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    with Lake(lake_path) as lake:
        assert lake.columns("gold", "scratch") == []


# ------------------------------------------------------------------ the documented seq join


def test_the_readme_join_from_a_sample_to_its_message(demo_tree, tmp_path):
    """`seq` counts per topic: the README's join (with the topic) finds each sample's one message."""
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    sql = re.search(r"```sql\n(SELECT c\.\*, f1_inflate\(m\.payload\) AS payload FROM bronze\.car_samples c.*?)\n```",
                    readme, re.S).group(1)
    with Lake(tmp_path / "lake.duckdb") as lake:
        race = _race(lake, demo_tree)
        race.load_data()
        (samples,) = lake.raw.execute("SELECT count(*) FROM bronze.car_samples").fetchone()
        joined = lake.raw.execute(f"SELECT count(*), count(DISTINCT (seq, driver_number, utc)), "
                                  f"bool_and(payload LIKE '%' || strftime(utc, '%H:%M:%S.%g') || '%') FROM ({sql})"
                                  ).fetchone()
        assert samples > 1000 and joined == (samples, samples, True)  # one message each, and it holds the sample
        (without_topic,) = lake.raw.execute(
            "SELECT count(*) FROM bronze.car_samples c JOIN bronze.messages m "
            "ON m.session_key = c.session_key AND m.seq = c.seq").fetchone()
        assert without_topic > samples  # the trap the topic avoids: other topics reuse the same seq


def test_the_real_live_recording_does_not_replace_the_archive_copy(tmp_path):
    """The case reported: Silverstone FP1 from the archive (459 laps), then `%f1 live --replay` of the
    live recording of the same session (which starts late) replaced it, leaving 342 laps."""
    from f1nb.errors import LakeError
    from f1nb.live import LiveSession

    from .conftest import REAL_LIVE, REALDATA, need_realdata

    need_realdata()
    archive = REALDATA / "archive"
    client = ArchiveClient(base_url=archive.resolve().as_uri() + "/", cache_dir=tmp_path / "cache", progress=False)
    with Lake(tmp_path / "lake.duckdb") as lake:
        session = Session(client.session_from_path("2024/2024-07-07_British_Grand_Prix/2024-07-05_Practice_1/"),
                          lake, client)
        laps = len(session.get_laps())
        assert laps >= 459
        before = _snapshot(lake)
        live = LiveSession(lake, source=REAL_LIVE / "2024_Silverstone_Practice_1", speed=0)
        with pytest.raises(LakeError, match="already in the lake"):
            live.start()
        assert _snapshot(lake) == before and len(session.get_laps()) == laps


def test_sql_output_keeps_repeated_column_names(tmp_path, capsys):
    """`SELECT x, * …` repeats a column name; the table and CSV printers keep both columns."""
    Lake(tmp_path / "lake.duckdb").close()
    assert main(["--lake", str(tmp_path / "lake.duckdb"), "sql", "SELECT 1 AS a, 2 AS a", "--format", "csv"]) == 0
    assert capsys.readouterr().out == "a,a\n1,2\n"
    assert main(["--lake", str(tmp_path / "lake.duckdb"), "sql", "SELECT 1 AS a, 'x' AS a"]) == 0
    assert capsys.readouterr().out.splitlines()[2].split() == ["1", "x"]


def test_a_changed_demo_generator_makes_a_new_tree(tmp_path, monkeypatch):
    """The cached demo tree is keyed by the config and the generator's code, so a user never
    keeps a tree made by an older generator."""
    import f1nb.demo.tree as tree

    cfg = DemoConfig(drivers=2, race_laps=2, quali_minutes=(3.0, 2.0, 1.0), telemetry=False, sessions=("Race",))
    first = tree.demo_tree(cfg)
    assert tree.demo_tree(cfg) == first  # reused
    monkeypatch.setattr(tree, "generator_fingerprint", lambda: "a newer generator")
    second = tree.demo_tree(cfg)
    assert second != first and (second / ".f1nb-demo-complete").read_text().endswith("a newer generator")


def test_a_lake_from_an_older_f1nb_gains_new_columns_when_opened_to_read(tmp_path):
    """`f1nb build`/`check` open without creating; an older lake still gets its missing Bronze
    columns (as NULL), so the models that read them run on it."""
    path = tmp_path / "old.duckdb"
    with Lake(path) as lake:
        lake.raw.execute("ALTER TABLE bronze.sessions DROP COLUMN clock_source")
        lake.raw.execute("ALTER TABLE bronze.sessions DROP COLUMN clock_precision_s")
    with Lake(path, create=False) as lake:
        assert {"clock_source", "clock_precision_s"} <= set(lake.columns("bronze", "sessions"))
