"""The lake's COMMIT with DuckDB's memory bounded (f1nb.lake.commit): settings put back, and a
commit that cannot get its memory leaves the lake as it was."""

from __future__ import annotations

import duckdb
import pytest

from f1nb.errors import LakeError
from f1nb.lake import commit
from f1nb.lake.lake import Lake


def _settings(lake) -> tuple:
    return lake.raw.execute("SELECT current_setting('memory_limit'), current_setting('threads')").fetchone()


def _wide_tables(lake, rows: int) -> None:
    """Eight tables of 20 columns, stored in the file: a commit appending to them needs a
    block per column."""
    cols = ", ".join(f"(i * {c})::INT AS c{c}" for c in range(20))
    with lake.transaction():
        for t in range(8):
            lake.raw.execute(f"CREATE TABLE silver.w{t} AS SELECT i AS session_key, {cols} FROM range({rows}) r(i)")


def test_render_bytes_reads_as_duckdb_shows_it():
    con = duckdb.connect()
    for count in (20_000_000_000, 12_345_678, 1000 * 2**20, 4 * 10**9, 2**30):
        con.execute(f"SET memory_limit = '{count} bytes'")
        assert commit.render_bytes(count) == con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    con.close()
    fresh = duckdb.connect()  # DuckDB's own default limit reads as the one computed here
    assert fresh.execute("SELECT current_setting('memory_limit')").fetchone()[0] == \
        commit.render_bytes(commit.duckdb_default_limit())
    fresh.close()


def _limit_holds(lake, megabytes: int) -> bool:
    """A sort of `megabytes` runs in memory (the buffer pool's limit, not only the setting
    shown, is back above it)."""
    rows = megabytes * 2**20 // 16
    lake.raw.execute(f"CREATE OR REPLACE TEMP TABLE _probe AS SELECT range AS a, range * 2 AS b FROM range({rows}) "
                     "ORDER BY hash(range)")
    lake.raw.execute("DROP TABLE _probe")
    return True


def test_write_commits_and_settings_come_back(tmp_path):
    lake = Lake(tmp_path / "lake.duckdb")
    try:
        before = _settings(lake)
        _wide_tables(lake, 100)
        cols = ", ".join(f"c{c}" for c in range(20))
        with lake.transaction():
            for t in range(8):
                lake.raw.execute(f"INSERT INTO silver.w{t} SELECT session_key + 100, {cols} FROM silver.w{t}")
        assert _settings(lake) == before
        assert _limit_holds(lake, 200)
        assert lake.raw.execute("SELECT count(*) FROM silver.w7").fetchone() == (200,)
    finally:
        lake.close()
    assert not (tmp_path / "lake.duckdb.tmp").exists() or not any((tmp_path / "lake.duckdb.tmp").iterdir())
    with Lake(tmp_path / "lake.duckdb") as again:
        assert again.raw.execute("SELECT count(*), max(session_key) FROM silver.w0").fetchone() == (200, 199)


def test_commit_without_memory_leaves_the_lake_as_it_was(tmp_path, monkeypatch):
    lake = Lake(tmp_path / "lake.duckdb")
    try:
        _wide_tables(lake, 1000)
        before = _settings(lake)
        # no headroom at all: the commit's first new block is over the bound
        monkeypatch.setattr(commit, "HEADROOM_BYTES", 0)
        monkeypatch.setattr(commit, "BLOCK_BYTES", 0)
        cols = ", ".join(f"c{c}" for c in range(20))
        with pytest.raises(LakeError, match="nothing was stored"):
            with lake.transaction():
                for t in range(8):
                    lake.raw.execute(f"INSERT INTO silver.w{t} SELECT session_key + 1000, {cols} FROM silver.w{t}")
        assert _settings(lake) == before
        assert _limit_holds(lake, 200)
        assert lake.raw.execute("SELECT count(*) FROM silver.w0").fetchone() == (1000,)
        monkeypatch.undo()
        with lake.transaction():  # the connection is usable, with no transaction left open
            lake.raw.execute("DELETE FROM silver.w0 WHERE session_key < 10")
        assert lake.raw.execute("SELECT count(*) FROM silver.w0").fetchone() == (990,)
    finally:
        lake.close()

