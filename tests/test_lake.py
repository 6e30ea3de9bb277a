"""Bronze lake: recordings load, rejects kept, atomic and idempotent writes, kill -9 safety."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from contextlib import contextmanager

import orjson
import pyarrow as pa
import pytest

from f1nb.bronze.build import build_bronze
from f1nb.bronze.load import load_recording, source_from_recording
from f1nb.decode.messages import Message
from f1nb.lake.lake import Lake

from .conftest import REAL_LIVE, need_realdata

SILVERSTONE = REAL_LIVE / "2024_Silverstone_Practice_1" / "live.txt"
FASTF1_BAD = REAL_LIVE / "fastf1_with_errors.txt"


def counts(lake: Lake, key: int) -> dict[str, int]:
    out = {}
    for name in lake.table_names("bronze"):
        (out[name],) = lake.raw.execute(f"SELECT count(*) FROM bronze.{name} WHERE session_key = ?", [key]).fetchone()
    return out


def test_recording_loads_into_bronze(tmp_path):
    need_realdata()
    with Lake(tmp_path / "lake.duckdb") as lake:
        report = load_recording(lake, SILVERSTONE)
        assert report.session_key == 9551
        lines = SILVERSTONE.read_text().splitlines()
        state = orjson.loads((SILVERSTONE.parent / "subscribe.txt").read_bytes())
        c = counts(lake, 9551)
        assert c["messages"] == len(lines) + len(state) and c["rejects"] == 0
        assert c["fields"] > c["messages"]
        (name, stype, year) = lake.raw.execute(
            "SELECT meeting_name, session_type, year FROM bronze.sessions WHERE session_key = 9551"
        ).fetchone()
        assert (name, stype, year) == ("British Grand Prix", "Practice", 2024)
        # per-topic counts equal the lines of each topic in the recording (+1 for the state)
        per_topic = dict(lake.raw.execute(
            "SELECT topic, count(*) FROM bronze.messages WHERE session_key = 9551 GROUP BY topic").fetchall())
        from collections import Counter

        expected = Counter(orjson.loads(x)["Type"] for x in lines) + Counter(state.keys())
        assert per_topic == dict(expected)


def test_corrupted_recording_keeps_good_lines_and_rejects(tmp_path):
    need_realdata()
    with Lake(tmp_path / "lake.duckdb") as lake:
        report = load_recording(lake, FASTF1_BAD)
        assert report.session_key < 0  # no SessionInfo: a stable synthetic key
        c = counts(lake, report.session_key)
        assert (c["messages"], c["rejects"]) == (19, 32)
        reasons = lake.sql(f"SELECT line_number, reason, raw FROM bronze.rejects WHERE session_key = {report.session_key}")
        assert all(reasons.column("reason").to_pylist())
        lines = FASTF1_BAD.read_text().split("\n")
        for row in reasons.to_pylist():
            assert row["raw"] == lines[row["line_number"] - 1]
        again = load_recording(lake, FASTF1_BAD)
        assert again.session_key == report.session_key and counts(lake, report.session_key) == c


def _tiny_source(key: int, n: int):
    from f1nb.bronze.build import SessionSource

    msgs = [Message("TrackStatus", i, i * 1000, None, orjson.dumps({"Status": str(1 + i % 2)}).decode()) for i in range(n)]
    msgs.append(Message("SessionInfo", 0, 0, None, orjson.dumps({"Key": key, "Name": "Race"}).decode()))
    return SessionSource(key, {"session_key": key, "session_name": "Race", "year": 2099}, msgs)


def test_two_sessions_coexist_and_reload_replaces_only_one(tmp_path):
    from f1nb.bronze.load import write_source

    with Lake(tmp_path / "lake.duckdb") as lake:
        write_source(lake, _tiny_source(1, 5))
        write_source(lake, _tiny_source(2, 7))
        assert counts(lake, 1)["messages"] == 6 and counts(lake, 2)["messages"] == 8
        write_source(lake, _tiny_source(1, 3))
        assert counts(lake, 1)["messages"] == 4 and counts(lake, 2)["messages"] == 8
        assert counts(lake, 1)["sessions"] == 1


def test_loaded_and_built_sessions_are_in_the_file_not_the_wal(demo_tree, tmp_path):
    # a load and a build go into the file as they commit: appends waiting in the WAL for the
    # close's checkpoint cost a lake of many sessions ~20 MB more at close (issue 13's memory
    # row), and were written twice
    from f1nb.archive.client import ArchiveClient
    from f1nb.bronze.load import load_archive_session

    wal = tmp_path / "lake.duckdb.wal"

    def wal_is_empty() -> bool:
        return not wal.exists() or wal.stat().st_size == 0

    with ArchiveClient(base_url=demo_tree.resolve().as_uri() + "/", progress=False) as client, \
            Lake(tmp_path / "lake.duckdb") as lake:
        keys = []
        for ref in client.season(2099):
            report = load_archive_session(lake, client, ref)
            keys.append(report.session_key)
            assert wal_is_empty()
            assert counts(lake, report.session_key)["messages"] == sum(report.messages.values())
        built = lake.build(keys, ("silver",))
        assert wal_is_empty() and built.rows["silver.laps"] > 0
        (threshold,) = lake.raw.execute("SELECT current_setting('checkpoint_threshold')").fetchone()
        assert threshold == "16.0 MiB"  # DuckDB's own again after the build
        # a live refresh leaves its rows to DuckDB's timing (a threshold no refresh reaches)
        lake.raw.execute("SET checkpoint_threshold = '1GB'")
        lake.build(keys, ("silver",), exclude=("silver.car_telemetry",), checkpoint=False)
        assert not wal_is_empty()


@pytest.mark.parametrize("name", ["bronze", "Silver", "gold"])
def test_a_lake_file_named_after_a_layer_loads_builds_and_reopens(demo_tree, tmp_path, name):
    # DuckDB names a file's catalogue after the file: in `bronze.duckdb`, `bronze.sessions` was
    # ambiguous (catalogue or schema?) and not even a new lake could be made
    from f1nb.archive.client import ArchiveClient
    from f1nb.bronze.load import load_archive_session

    path = tmp_path / f"{name}.duckdb"
    with ArchiveClient(base_url=demo_tree.resolve().as_uri() + "/", progress=False) as client, Lake(path) as lake:
        report = load_archive_session(lake, client, client.season(2099)[0])
        built = lake.build([report.session_key])
    assert built.rows["silver.laps"] > 0
    with Lake(path, create=False) as lake:
        assert counts(lake, report.session_key)["messages"] == sum(report.messages.values())
        (laps,) = lake.raw.execute("SELECT count(*) FROM silver.laps").fetchone()
        assert laps == built.rows["silver.laps"]
        assert {"bronze", "silver", "gold"} == set(lake.tables().column("layer").to_pylist())


def _record_checkpoints(monkeypatch, settings: str) -> list:
    """Each `Lake.checkpoint_on_commit` from here on, as (its vacuum argument, `settings`'
    values read inside it)."""
    seen = []
    original = Lake.checkpoint_on_commit

    @contextmanager
    def recording(self, vacuum=True):
        with original(self, vacuum=vacuum):
            seen.append((vacuum, self.raw.execute(settings).fetchone()))
            yield

    monkeypatch.setattr(Lake, "checkpoint_on_commit", recording)
    return seen


def test_a_new_sessions_load_merges_no_row_groups_and_a_reload_vacuums(demo_tree, tmp_path, monkeypatch):
    # a new session's commit-time checkpoint merges no row groups: merging its rows into the
    # stored ones rewrote every segment of the sessions before it (the demo's race after its
    # qualifying: commit 0.50 -> 0.36 s); a reload deleted rows, whose space the merge gives back
    from f1nb.archive.client import ArchiveClient
    from f1nb.bronze.load import load_archive_session

    settings = "SELECT current_setting('checkpoint_threshold'), current_setting('max_vacuum_tasks')"
    seen = _record_checkpoints(monkeypatch, settings)
    with ArchiveClient(base_url=demo_tree.resolve().as_uri() + "/", progress=False) as client, \
            Lake(tmp_path / "lake.duckdb") as lake:
        first, second = client.season(2099)[:2]
        for ref in (first, second, first):
            report = load_archive_session(lake, client, ref)
            assert counts(lake, report.session_key)["messages"] == sum(report.messages.values())
        assert seen == [(False, ("0 bytes", 0)), (False, ("0 bytes", 0)), (True, ("0 bytes", 100))]
        assert lake.raw.execute(settings).fetchone() == ("16.0 MiB", 100)  # DuckDB's own again after them


def test_a_new_sessions_build_merges_no_row_groups_and_a_rebuild_vacuums(demo_tree, tmp_path, monkeypatch):
    # merging a new session's built rows with the stored ones at the build's commit grew with
    # the lake (issue 13's memory row: Baku into 48 sessions peaked at 418 MB against 265 MB
    # into an empty lake); a rebuild deletes rows, and without the merge the file grew a third
    from f1nb.archive.client import ArchiveClient
    from f1nb.bronze.load import load_archive_session

    settings = "SELECT current_setting('max_vacuum_tasks')"
    with ArchiveClient(base_url=demo_tree.resolve().as_uri() + "/", progress=False) as client, \
            Lake(tmp_path / "lake.duckdb") as lake:
        first, second = client.season(2099)[:2]
        seen = _record_checkpoints(monkeypatch, settings)
        lake.build([load_archive_session(lake, client, second).session_key])  # the tables made
        key = load_archive_session(lake, client, first).session_key
        lake.build([key])  # a new session's rows added to the stored tables
        lake.build(None)  # a rebuild of both: their rows now share row groups

        def used_blocks() -> int:
            return lake.raw.execute("SELECT used_blocks FROM pragma_database_size() "
                                    "WHERE database_name = current_database()").fetchone()[0]

        before, used = used_blocks(), []
        for _ in range(3):
            lake.build([key])
            used.append(used_blocks())
        # (two loads and two builds of new sessions, then four rebuilds)
        assert [(vacuum, row[0]) for vacuum, row in seen] == [(False, 0)] * 4 + [(True, 100)] * 4
        assert lake.raw.execute(settings).fetchone()[0] == 100  # DuckDB's own again after them
        assert max(used) <= before * 1.2, (before, used)  # rebuilds give the deleted rows' space back (+38 % without)
        assert lake.raw.execute(f"SELECT count(*) FROM silver.laps WHERE session_key = {key}").fetchone()[0] > 0


def test_a_layer_built_after_another_merges_no_row_groups_until_it_is_rebuilt(demo_tree, tmp_path, monkeypatch):
    # whether the commit merges row groups is asked of the layers being built: Gold built after
    # Silver for a new session deletes nothing, yet it merged Silver's new rows (the telemetry
    # race's Gold commit: 0.18 s, 0.03 s without)
    from f1nb.archive.client import ArchiveClient
    from f1nb.bronze.load import load_archive_session

    with ArchiveClient(base_url=demo_tree.resolve().as_uri() + "/", progress=False) as client, \
            Lake(tmp_path / "lake.duckdb") as lake:
        key = load_archive_session(lake, client, client.season(2099)[0]).session_key
        seen = _record_checkpoints(monkeypatch, "SELECT current_setting('max_vacuum_tasks')")
        lake.build([key], ("silver",))
        lake.build([key], ("gold",))
        gold_rows = lake.raw.execute(f"SELECT count(*) FROM gold.results WHERE session_key = {key}").fetchone()[0]
        lake.build([key], ("gold",))  # a rebuild: its deleted rows' space is given back
        assert [(vacuum, row[0]) for vacuum, row in seen] == [(False, 0), (False, 0), (True, 100)]
        assert gold_rows > 0
        assert lake.raw.execute(f"SELECT count(*) FROM gold.results WHERE session_key = {key}").fetchone()[0] == gold_rows


def test_failed_write_leaves_lake_unchanged(tmp_path):
    with Lake(tmp_path / "lake.duckdb") as lake:
        from f1nb.bronze.load import write_source

        write_source(lake, _tiny_source(1, 5))
        before = counts(lake, 1)
        tables = build_bronze(_tiny_source(1, 9))
        # a table that cannot be inserted, after the deletes and the first inserts ran
        tables["zz_broken"] = pa.table({"session_key": [1], "nope": ["x"]})
        with pytest.raises(Exception):
            lake.replace_session(1, tables)
        assert counts(lake, 1) == before


def test_kill_during_load_leaves_lake_consistent_and_rerun_completes(tmp_path):
    need_realdata()
    lake_file = tmp_path / "lake.duckdb"
    cmd = [sys.executable, "-m", "f1nb", "--lake", str(lake_file), "-q", "load", "--recording", str(SILVERSTONE)]
    env = dict(os.environ, F1NB_TEST_PAUSE_BEFORE_COMMIT="60")
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stderr.readline()
        assert "pause before commit" in line, line
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    with Lake(lake_file) as lake:
        assert counts(lake, 9551) == {name: 0 for name in lake.table_names("bronze")}
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    with Lake(lake_file) as lake:
        assert counts(lake, 9551)["messages"] > 11_000


def test_bronze_rebuilds_from_messages_alone(tmp_path):
    """Lossless: bronze.messages holds enough to rebuild every derived Bronze table."""
    need_realdata()
    src = source_from_recording(SILVERSTONE)
    with Lake(tmp_path / "lake.duckdb") as lake:
        load_recording(lake, SILVERSTONE)
        rows = lake.sql("SELECT topic, seq, offset_ms, utc, payload FROM bronze.messages WHERE session_key = 9551")
    rebuilt_msgs = [Message(r["topic"], r["seq"], r["offset_ms"], r["utc"], r["payload"]) for r in rows.to_pylist()]
    src.messages = rebuilt_msgs
    rebuilt = build_bronze(src)
    original = build_bronze(source_from_recording(SILVERSTONE))
    key = ["topic", "seq", "field", "driver_number", "item"]
    assert rebuilt["fields"].sort_by([(k, "ascending") for k in key]).equals(
        original["fields"].sort_by([(k, "ascending") for k in key]))


def _block_size(lake: Lake) -> int:
    return lake.raw.execute("SELECT block_size FROM pragma_database_size() WHERE database_name = current_database()"
                            ).fetchone()[0]


def test_a_new_lake_has_small_blocks_and_an_old_lake_keeps_its_own(tmp_path):
    # a COMMIT appending to a stored table takes one block per column: small blocks keep a
    # load into a full lake near a load into an empty one (issue 13, bench_commit_blocks.py)
    import duckdb

    from f1nb.lake.backends import NEW_LAKE_BLOCK_SIZE

    with Lake(tmp_path / "new.duckdb") as lake:
        assert _block_size(lake) == NEW_LAKE_BLOCK_SIZE < 262_144
        lake.raw.execute("CREATE TABLE t AS SELECT 1 AS a")
    with Lake(tmp_path / "new.duckdb") as lake:  # reopened: the file says its block size
        assert _block_size(lake) == NEW_LAKE_BLOCK_SIZE and lake.raw.execute("SELECT a FROM t").fetchall() == [(1,)]
        # the lake's connection has DuckDB's default settings: a plain connect in the same process
        # shares its database (DuckDB refuses one with other settings)
        with duckdb.connect(str(tmp_path / "new.duckdb")) as con:
            assert con.execute("SELECT a FROM t").fetchall() == [(1,)]
    duckdb.connect(str(tmp_path / "old.duckdb")).close()  # made as an older f1nb made lakes
    with Lake(tmp_path / "old.duckdb") as lake:
        assert _block_size(lake) == 262_144
