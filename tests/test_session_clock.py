"""The session clock (bronze/clock.py): t0 from every feed that carries a time, its
source and precision in bronze.sessions, and UTC columns filled in Silver.

Checked three ways: on the demo, every source against the samples' clock (the .z
files give the true value there); on the real 2024 British FP1, against the live
recording of the same session (its frame times and the archive offsets share one
server clock); on every real session, against the scheduled start and end."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import duckdb
import pytest

from f1nb.bronze.build import build_bronze, SessionSource
from f1nb.bronze.clock import clock_candidates
from f1nb.decode.jsonstream import parse_jsonstream

from .conftest import REAL_LIVE

# silver table -> (UTC column, the session-seconds column it is the time of)
UTC_COLUMNS = {
    "intervals": ("utc", "session_time_s"), "lap_boundaries": ("lap_end_utc", "lap_end_session_s"),
    "lap_count": ("utc", "session_time_s"), "laps": ("lap_start_utc", "lap_start_session_s"),
    "pit_stops": ("pit_in_utc", "pit_in_session_s"), "session_status": ("utc", "session_time_s"),
    "stints": ("start_utc", "start_session_s"), "timing_final": ("stopped_utc", "stopped_session_s"),
    "track_status": ("utc", "start_session_s"), "weather": ("utc", "session_time_s"),
}


def _bronze(lake, key: int) -> dict:
    where = f"WHERE session_key = {key}"
    return {
        "messages": lake.sql(f"SELECT * FROM bronze.messages {where}"),
        "car": lake.sql(f"SELECT * FROM bronze.car_samples {where}"),
        "positions": lake.sql(f"SELECT * FROM bronze.position_samples {where}"),
        "fields": lake.sql(f"SELECT * FROM bronze.fields {where} AND topic IN ('RaceControlMessages', 'SessionData')"),
    }


@pytest.fixture(scope="module")
def demo_lake(tmp_path_factory):
    demo = pytest.importorskip("f1nb.demo")
    from f1nb.lake.lake import Lake
    from f1nb.ingest import Demo, ingest

    root = tmp_path_factory.mktemp("clock-demo")
    lake = Lake(root / "lake.duckdb")
    ingest(Demo(demo.DemoConfig(drivers=6, race_laps=5, rounds=1), root / "tree", progress=False), lake)
    yield lake
    lake.close()


def test_demo_every_clock_source_agrees_with_the_samples_within_its_precision(demo_lake):
    for key in demo_lake.session_keys():
        b = _bronze(demo_lake, key)
        found = {c.source: c for c in clock_candidates(b["messages"], b["car"], b["positions"], b["fields"])}
        assert {"Heartbeat", "CarData.z", "Position.z", "ExtrapolatedClock", "RaceControlMessages"} <= set(found)
        truth = found["CarData.z"]
        for c in found.values():
            gap = abs((c.t0 - truth.t0).total_seconds())
            assert gap <= c.precision_s + truth.precision_s, (key, c, truth)
        # the RCM clock alone (second resolution) is the weakest: its stated 1 s must hold
        assert abs((found["RaceControlMessages"].t0 - found["ExtrapolatedClock"].t0).total_seconds()) <= 1.0
        row = demo_lake.sql(f"SELECT t0_utc, clock_source, clock_precision_s FROM bronze.sessions "
                            f"WHERE session_key = {key}").to_pylist()[0]
        assert row["clock_source"] == "Heartbeat" and row["clock_precision_s"] == found["Heartbeat"].precision_s
        assert row["t0_utc"] == found["Heartbeat"].t0


def test_demo_silver_utc_columns_are_filled(demo_lake):
    for table, (utc, seconds) in UTC_COLUMNS.items():
        n_utc, n_s = demo_lake.sql(f"SELECT count({utc}), count({seconds}) FROM silver.{table}").to_pylist()[0].values()
        assert n_utc == n_s, table


def test_real_sessions_get_their_clock_from_race_control(real_lake):
    rows = real_lake.sql("SELECT session_key, t0_utc, clock_source, clock_precision_s FROM bronze.sessions").to_pylist()
    assert len(rows) == 6
    for r in rows:
        assert r["t0_utc"] is not None and r["clock_source"] == "RaceControlMessages" and r["clock_precision_s"] == 1.0


def test_every_silver_time_has_its_utc_on_every_real_session(real_lake):
    """Before the session clock, lap_start_utc and weather utc were null on all of them."""
    for table, (utc, seconds) in UTC_COLUMNS.items():
        bad = real_lake.sql(f"SELECT session_key, count(*) n FROM silver.{table} "
                            f"WHERE {seconds} IS NOT NULL AND {utc} IS NULL GROUP BY 1").to_pylist()
        assert not bad, (table, bad)
        # and it is t0 + session time, to the millisecond
        off = real_lake.sql(f"SELECT max(abs(epoch_ms(t.{utc}) - epoch_ms(s.t0_utc) - round(t.{seconds} * 1000))) d "
                            f"FROM silver.{table} t JOIN bronze.sessions s USING (session_key)").to_pylist()[0]["d"]
        assert off is None or off <= 1, table
    n = real_lake.sql("SELECT count(*) n, count(lap_start_utc) u FROM silver.laps").to_pylist()[0]
    assert n["n"] > 2000 and n["u"] == n["n"]


def _scheduled(row) -> tuple[datetime, datetime]:
    sign = -1 if row["gmt_offset"].startswith("-") else 1
    h, m, s = (int(x) for x in row["gmt_offset"].lstrip("-").split(":"))
    shift = sign * timedelta(hours=h, minutes=m, seconds=s)
    start, end = (datetime.fromisoformat(row[k]).replace(tzinfo=timezone.utc) - shift for k in ("start_date", "end_date"))
    return start, end


def test_real_session_status_times_match_the_schedule(real_lake):
    """Practice and qualifying start on the scheduled second (the precision is 1 s), and a
    practice that is not red-flagged to its end finishes on it; a race's 'Started' comes with
    the formation lap a few minutes later; every session is finalised within half an hour
    of its scheduled end (red flags make qualifying run late)."""
    sessions = real_lake.sql("SELECT session_key, session_type, start_date, end_date, gmt_offset "
                             "FROM bronze.sessions").to_pylist()
    for s in sessions:
        start, end = _scheduled(s)
        times = real_lake.sql(f"SELECT status, utc FROM silver.session_status WHERE session_key = {s['session_key']} "
                              f"ORDER BY seq").to_pylist()
        started = min(t["utc"] for t in times if t["status"] == "Started")
        finished = [t["utc"] for t in times if t["status"] == "Finished"]
        finalised = max(t["utc"] for t in times if t["status"] == "Finalised")
        if s["session_type"] == "Race":
            assert start <= started <= start + timedelta(minutes=10), s
        else:
            assert abs((started - start).total_seconds()) <= 2.0, (s, started)
        if s["session_type"] == "Practice" and finished:
            assert abs((max(finished) - end).total_seconds()) <= 2.0, (s, finished)
        assert start < finalised <= end + timedelta(minutes=30), (s, finalised)


def test_real_clock_agrees_with_the_live_recording_of_the_same_session(real_lake):
    """2024 British FP1: the live frames' DateTime minus the archive offset of the same
    race-control message is the stream's own t0 (the same for every message)."""
    live = REAL_LIVE / "2024_Silverstone_Practice_1" / "live.txt"
    offsets = dict(real_lake.sql("SELECT item, min(offset_ms) o FROM bronze.fields WHERE session_key = 9551 AND "
                                 "topic = 'RaceControlMessages' GROUP BY 1").to_pandas().itertuples(index=False))
    truths = []
    for line in live.read_text().splitlines():
        frame = json.loads(line)
        if frame["Type"] != "RaceControlMessages":
            continue
        sent = datetime.fromisoformat(frame["DateTime"])
        msgs = frame["Json"]["Messages"]
        for index in (msgs if isinstance(msgs, dict) else range(len(msgs))):
            truths.append(sent - timedelta(milliseconds=int(offsets[int(index)])))
    assert len(truths) >= 8 and max(truths) - min(truths) <= timedelta(milliseconds=1)
    row = real_lake.sql("SELECT t0_utc, clock_precision_s FROM bronze.sessions WHERE session_key = 9551").to_pylist()[0]
    assert abs((row["t0_utc"] - truths[0]).total_seconds()) <= row["clock_precision_s"]


def _stream(records: list[tuple[float, dict]]) -> bytes:
    def hms(s):
        return f"{int(s // 3600):02d}:{int(s % 3600 // 60):02d}:{s % 60:06.3f}"
    return ("\ufeff" + "".join(f"{hms(s)}{json.dumps(v)}\r\n" for s, v in records)).encode()


def test_session_data_is_an_exact_clock_and_keyframe_resends_do_not_move_it():
    """SessionData entries carry the time they were sent; the first keyframe re-sends older
    ones (from before the stream began), which must not pull the estimate down."""
    t0 = datetime(2024, 7, 5, 11, 16, 36, 610000, tzinfo=timezone.utc)

    def utc(s):
        return (t0 + timedelta(seconds=s)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"

    first = {"Series": [], "StatusSeries": [{"Utc": utc(-700.0), "TrackStatus": "AllClear"}]}
    later = [(s, {"StatusSeries": {str(i + 1): {"Utc": utc(s), "TrackStatus": "Yellow"}}})
             for i, s in enumerate((804.5, 1300.25, 1700.0))]
    rcm = [(s, {"Messages": {str(i): {"Utc": utc(s)[:19], "Category": "Other", "Message": "X"}}})
           for i, s in enumerate((100.4, 804.9, 2000.2))]
    msgs = (parse_jsonstream("SessionData", _stream([(2.0, first), *later]))[0]
            + parse_jsonstream("RaceControlMessages", _stream(rcm))[0])
    tables = build_bronze(SessionSource(1, {}, msgs))
    row = tables["sessions"].to_pylist()[0]
    assert row["clock_source"] == "SessionData" and row["clock_precision_s"] == 0.001
    assert row["t0_utc"] == t0


def test_an_old_lake_without_the_clock_columns_opens_and_gets_them(tmp_path):
    from f1nb.lake.lake import Lake

    path = tmp_path / "old.duckdb"
    Lake(path).close()
    con = duckdb.connect(str(path))
    con.execute("INSERT INTO bronze.sessions (session_key, session_name) VALUES (7, 'Old')")
    con.execute("ALTER TABLE bronze.sessions DROP COLUMN clock_source")
    con.execute("ALTER TABLE bronze.sessions DROP COLUMN clock_precision_s")
    con.close()
    with Lake(path) as lake:
        assert {"clock_source", "clock_precision_s"} <= set(lake.columns("bronze", "sessions"))
        assert lake.sql("SELECT session_name, clock_source FROM bronze.sessions").to_pylist() == [
            {"session_name": "Old", "clock_source": None}]
