"""A session's samples are written slice by slice inside its one transaction: peak memory
does not grow with the number of samples (issue 17, item 7), and the rows are the same
as when the whole session is decoded at once."""

from __future__ import annotations

import os
import subprocess
import sys

import pyarrow as pa
import pytest

from f1nb.bronze.build import SessionSource, build_bronze, write_bronze
from f1nb.decode.jsonstream import encode_jsonstream, parse_jsonstream
from f1nb.lake.lake import Lake

from .conftest import REPO

SESSION_INFO = b'\xef\xbb\xbf00:00:00.000{"Key":1,"Name":"Race","Path":"2031/M/S/"}\r\n'


def _car_stream(messages: int, entries: int = 40, cars: int = 20) -> bytes:
    """CarData.z: `messages` messages of `entries` x `cars` samples each (they compress ~50x)."""
    def body(i: int) -> dict:
        return {"Entries": [{"Utc": f"2031-01-01T12:{(i // 60) % 60:02d}:{i % 60:02d}.{e:03d}Z",
                             "Cars": {str(n): {"Channels": {"0": 11000, "2": 280 + e % 5, "3": 7, "4": 100, "5": 0,
                                                            "45": 8}} for n in range(1, cars + 1)}}
                            for e in range(entries)]}
    return encode_jsonstream(((1000 * (i + 1), body(i)) for i in range(messages)), compressed=True)


def _peak_rss_mb(tmp_path, name: str, messages: int) -> float:
    """Load a session of `messages` CarData.z messages in a fresh process; its peak RSS."""
    root = tmp_path / name
    folder = root / "2031" / "M" / "S"
    folder.mkdir(parents=True)
    (folder / "SessionInfo.jsonStream").write_bytes(SESSION_INFO)
    (folder / "CarData.z.jsonStream").write_bytes(_car_stream(messages))
    env = {**os.environ, "PYTHONPATH": str(REPO), "F1NB_HOME": str(tmp_path / "home"), "F1NB_MAX_INFLATED_MB": "4096"}
    proc = subprocess.Popen([sys.executable, "-m", "f1nb", "-q", "--lake", str(root / "l.duckdb"), "--archive-url",
                             root.as_uri() + "/", "load", "--path", "2031/M/S/", "--no-build"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, proc.stderr.read().decode()[-2000:]
    with Lake(root / "l.duckdb") as lake:
        (rows,) = lake.raw.execute("SELECT count(*) FROM bronze.car_samples").fetchone()
    assert rows == messages * 40 * 20
    return usage.ru_maxrss / 1024


@pytest.mark.slow
def test_peak_memory_does_not_grow_with_the_samples(tmp_path):
    small = _peak_rss_mb(tmp_path, "small", 100)  # 80,000 samples, ~9 MB of inflated JSON
    large = _peak_rss_mb(tmp_path, "large", 1000)  # 800,000 samples, ~90 MB inflated, ~2 MB on disk
    # Held whole (f1nb before streaming), the large session peaked 505 MB above the small one
    # (275 -> 780 MB): inflated text, its parse in DuckDB, the Arrow rows. Streamed, both hold a
    # few 1 MB slices at a time; what still grows is DuckDB's own copy of the uncommitted rows
    # (about 80 bytes a sample until COMMIT): measured 262 -> 379 MB.
    assert large < small + 200, (small, large)


def test_streamed_rows_equal_the_whole_session_decoded_at_once(tmp_path, monkeypatch):
    from f1nb.bronze import samples

    monkeypatch.setattr(samples, "_SLICE_BYTES", 20_000)  # many slices, several decoding at once
    messages, rejects = parse_jsonstream("CarData.z", _car_stream(30, entries=4))
    src = SessionSource(1, {"session_key": 1}, messages, rejects, [], "test")
    whole = build_bronze(src)
    written = []
    with Lake(tmp_path / "l.duckdb") as lake:
        tables, streamed = write_bronze(lake, src)
        for name in ("car_samples", "messages", "sessions"):
            got = lake.raw.execute(f"SELECT * EXCLUDE (loaded_at) FROM bronze.{name}" if name == "sessions"
                                   else f"SELECT * FROM bronze.{name}").to_arrow_table()
            want = whole[name].drop_columns(["loaded_at"]) if name == "sessions" else whole[name]
            written.append(got.equals(want.cast(got.schema)))
    assert written == [True, True, True]  # same rows, in the same order
    assert streamed.rows["car_samples"] == whole["car_samples"].num_rows == 30 * 4 * 20
    assert isinstance(tables["messages"], pa.Table)


def test_a_failure_while_samples_stream_leaves_the_lake_as_it_was(tmp_path, monkeypatch):
    from f1nb.bronze import build

    messages, rejects = parse_jsonstream("CarData.z", _car_stream(10, entries=2))
    src = SessionSource(1, {"session_key": 1}, messages, rejects, [], "test")
    with Lake(tmp_path / "l.duckdb") as lake:
        write_bronze(lake, src)
        before = lake.raw.execute("SELECT count(*) FROM bronze.car_samples").fetchone()
        longer, _ = parse_jsonstream("CarData.z", _car_stream(30, entries=2))  # a reload with more samples...
        monkeypatch.setattr(build, "fields_table", lambda *a: 1 / 0)  # ...that fails while they are being written
        with pytest.raises(ZeroDivisionError):
            write_bronze(lake, SessionSource(1, {"session_key": 1}, longer, [], [], "test"))
        assert lake.raw.execute("SELECT count(*) FROM bronze.car_samples").fetchone() == before == (10 * 2 * 20,)
        assert lake.raw.execute("SELECT count(*) FROM bronze.sessions").fetchone() == (1,)
