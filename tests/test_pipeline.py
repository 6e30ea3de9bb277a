"""End to end: the demo tree through the real HTTP client into the lake, faults that
must leave the lake untouched, lossless rebuilds, and the CLI's error contract."""

from __future__ import annotations

import subprocess
import sys

import pytest

from f1nb.archive.client import ArchiveClient
from f1nb.archive.serve import ArchiveServer
from f1nb.bronze.build import build_bronze
from f1nb.bronze.load import load_archive_session, source_from_files
from f1nb.decode.jsonstream import split_lines
from f1nb.decode.messages import Message
from f1nb.demo import DemoConfig
from f1nb.errors import DownloadError
from f1nb.lake.lake import Lake

from .conftest import SMALL_DEMO

SMALL = DemoConfig(**SMALL_DEMO)  # the demo_tree fixture's (tests/conftest.py)


def test_demo_tree_round_trips_through_http_loader(demo_tree, tmp_path):
    with ArchiveServer(demo_tree) as server, Lake(tmp_path / "lake.duckdb") as lake:
        client = ArchiveClient(base_url=server.url, cache_dir=tmp_path / "cache", progress=False)
        refs = client.season(SMALL.year)
        assert {r.session_name for r in refs} == {"Qualifying", "Race"}
        for ref in refs:
            report = load_archive_session(lake, client, ref)
            folder = demo_tree / ref.path
            for f in folder.glob("*.jsonStream"):
                lines = list(split_lines(f.read_bytes()))
                assert report.messages[f.stem] == len(lines), f
            assert report.rejects == 0 and report.car_samples > 0 and report.position_samples > 0
        server.clear_requests()
        for ref in refs:  # a second load is served from the byte-exact cache
            load_archive_session(lake, client, ref)
        assert server.requests == []
        client.close()


def test_failed_download_leaves_lake_unchanged(demo_tree, tmp_path):
    with ArchiveServer(demo_tree) as server, Lake(tmp_path / "lake.duckdb") as lake:
        client = ArchiveClient(base_url=server.url, cache_dir=tmp_path / "cache", progress=False,
                               retries=1, backoff=0.01, timeout=30.0)
        race = [r for r in client.season(SMALL.year) if r.session_name == "Race"][0]
        load_archive_session(lake, client, race)
        before = lake.sql("SELECT topic, count(*) AS n FROM bronze.messages GROUP BY topic ORDER BY topic")
        # reload with a fresh cache while one feed fails every time
        client2 = ArchiveClient(base_url=server.url, cache_dir=tmp_path / "cache2", progress=False,
                                retries=1, backoff=0.01, timeout=30.0)
        server.add_faults("TimingData.jsonStream", ["500"] * 10)
        with pytest.raises(DownloadError, match="TimingData"):
            load_archive_session(lake, client2, race)
        after = lake.sql("SELECT topic, count(*) AS n FROM bronze.messages GROUP BY topic ORDER BY topic")
        assert before.equals(after)
        qualifying = [r for r in client2.season(SMALL.year) if r.session_name == "Qualifying"][0]
        with pytest.raises(DownloadError):
            load_archive_session(lake, client2, qualifying)
        assert lake.session_keys() == [race.session_key]  # no partial session
        client.close()
        client2.close()


def test_bronze_rebuilds_from_raw_files_and_from_messages(demo_tree, tmp_path):
    """Lossless: raw files -> Bronze, and bronze.messages alone -> the same derived tables."""
    client = ArchiveClient(base_url=demo_tree.resolve().as_uri() + "/", progress=False)
    race = [r for r in client.season(SMALL.year) if r.session_name == "Race"][0]
    src = source_from_files(client.fetch_session(race), "test")
    first = build_bronze(src)
    again = build_bronze(source_from_files(client.fetch_session(race), "test"))
    for name in ("messages", "fields", "car_samples", "position_samples"):
        assert first[name].equals(again[name]), name
    msgs = first["messages"].to_pylist()
    src.messages = [Message(m["topic"], m["seq"], m["offset_ms"], m["utc"], m["payload"]) for m in msgs]
    rebuilt = build_bronze(src)
    for name in ("fields", "car_samples", "position_samples"):
        assert rebuilt[name].equals(first[name]), name


def test_layers_rebuild_identically(demo_tree, tmp_path):
    """Every Silver and Gold table, row for row and bit for bit, after a rebuild: the same lake
    gives the same numbers (no float sum whose order depends on DuckDB's threads or on the
    tables' physical row order, no window ordered by a key with ties)."""
    client = ArchiveClient(base_url=demo_tree.resolve().as_uri() + "/", progress=False)
    with Lake(tmp_path / "lake.duckdb") as lake:
        keys = [load_archive_session(lake, client, r).session_key for r in client.season(SMALL.year)]
        lake.build(keys)
        names = [f"{layer}.{t}" for layer in ("silver", "gold") for t in lake.table_names(layer)]
        assert "silver.laps" in names
        snapshot = {n: lake.sql(f"SELECT * FROM {n} ORDER BY ALL") for n in names}
        for threads in (None, 1):  # a rebuild (DELETE + INSERT: another row order), then one on one thread
            if threads:
                lake.raw.execute(f"SET threads = {threads}")
            lake.build(keys)
            differ = [n for n in names if not _same_table(lake.sql(f"SELECT * FROM {n} ORDER BY ALL"), snapshot[n])]
            assert differ == [], f"threads={threads}"


def test_feed_gates_skip_only_models_that_would_have_no_rows(demo_tree, tmp_path, monkeypatch):
    """A model that declares the feeds its rows come from (`Model.feeds`) is skipped for sessions
    without them, so every declaration must be true: with the declared feeds' messages removed
    from the race (which keeps every other feed), a build that skips gives the same tables as one
    that runs every model's SQL."""
    from f1nb.engine import duckdb_build
    from f1nb.engine.compiled import plan

    declared = sorted({feed for step in plan() for feed in step.feeds})
    assert {"WeatherData", "TimingStats"} <= set(declared)  # the demo has these: their gates are exercised
    client = ArchiveClient(base_url=demo_tree.resolve().as_uri() + "/", progress=False)
    with Lake(tmp_path / "lake.duckdb") as lake:
        loads = {r.session_name: load_archive_session(lake, client, r).session_key for r in client.season(SMALL.year)}
        race = loads["Race"]
        for table in ("messages", "fields"):
            lake.raw.execute(f"DELETE FROM bronze.{table} WHERE session_key = ? AND list_contains(?, topic)",
                             [race, declared])
        lake.build()
        skipped = []
        check = duckdb_build._feed_check

        def spy(lake_, steps):
            has_feeds = check(lake_, steps)

            def has_rows(scope, feeds):
                found = has_feeds(scope, feeds)
                skipped.extend([] if found else feeds)
                return found
            return has_rows

        monkeypatch.setattr(duckdb_build, "_feed_check", spy)
        lake.build([race])  # the race alone: every gated model skipped
        assert set(skipped) == set(declared)
        names = [f"{layer}.{t}" for layer in ("silver", "gold") for t in lake.table_names(layer)]
        gated = {n: lake.sql(f"SELECT * FROM {n} ORDER BY ALL") for n in names}
        assert gated["silver.weather"].num_rows > 0  # the qualifying session's weather is still there
        monkeypatch.setattr(duckdb_build, "_has_rows", lambda step, heavy, has_samples, has_feeds:
                            has_samples if step.name in heavy else None)
        lake.build([race])  # every model's SQL run for the race
        differ = [n for n in names if not _same_table(lake.sql(f"SELECT * FROM {n} ORDER BY ALL"), gated[n])]
        assert differ == []


def _same_table(a, b) -> bool:
    """Equal row for row, floats to the bit (a NaN equal to a NaN, which Arrow's equals denies)."""
    import numpy as np
    import pyarrow as pa

    if a.schema != b.schema or a.num_rows != b.num_rows:
        return False
    for x, y in zip(a.columns, b.columns):
        if pa.types.is_floating(x.type):
            if not x.is_null().equals(y.is_null()) or not np.array_equal(
                    x.to_numpy(zero_copy_only=False), y.to_numpy(zero_copy_only=False), equal_nan=True):
                return False
        elif not x.equals(y):
            return False
    return True


def _cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "f1nb", *args], capture_output=True, text=True, timeout=300, env=env)


def test_cli_errors_are_one_line_without_traceback(demo_tree, tmp_path):
    lake = str(tmp_path / "lake.duckdb")
    url = demo_tree.resolve().as_uri() + "/"
    done = _cli("--lake", lake, "--archive-url", url, "-q", "load", "2099", "nowhere-at-all", "R")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("f1nb: error:") and len(done.stderr.strip().splitlines()) == 1
    done = _cli("--lake", lake, "sql", "SELECT 1")
    assert done.returncode == 1 and "no lake at" in done.stderr  # a failed load creates no lake
    Lake(lake).close()
    done = _cli("--lake", lake, "sql", "SELEKT nonsense")
    assert done.returncode == 1 and "Traceback" not in done.stderr and "SQL failed" in done.stderr
    done = _cli("--lake", lake, "load")
    assert done.returncode == 1 and "say what to load" in done.stderr
    done = _cli("--lake", lake, "--archive-url", "http://127.0.0.1:9/", "-q", "sessions", "2024")
    assert done.returncode == 1 and "Traceback" not in done.stderr and "127.0.0.1:9" in done.stderr


def test_cli_load_tables_sql_check(demo_tree, tmp_path):
    lake = str(tmp_path / "lake.duckdb")
    url = demo_tree.resolve().as_uri() + "/"
    done = _cli("--lake", lake, "--archive-url", url, "-q", "load", "2099", "demo", "Q")
    assert done.returncode == 0, done.stderr
    assert "Qualifying (session 90010)" in done.stdout
    tables = _cli("--lake", lake, "tables").stdout
    assert "silver  laps" in tables and "bronze  messages" in tables
    csv = _cli("--lake", lake, "sql", "SELECT count(DISTINCT driver_number) AS n FROM silver.laps", "--format", "csv")
    assert csv.stdout == f"n\n{SMALL.drivers}\n"
    check = _cli("--lake", lake, "check")
    assert check.returncode == 0, check.stdout
    assert " 0 failed" in check.stdout
