"""Issue 17 items 9-11: hostile live input never writes outside the record folder, never hangs a
replay, never kills the lake writer silently, and every unusable frame is a reject row."""

from __future__ import annotations

import orjson
import pytest

from f1nb.cli import main
from f1nb.decode.zpayload import deflate
from f1nb.errors import LiveError
from f1nb.lake.lake import Lake
from f1nb.live import frames
from f1nb.live.signalr import LIVE_FRAME_TOPIC, LiveClient

PATH = "2031/2031-01-02_Test/2031-01-02_Race/"
UTC = "2031-01-02T13:00:%02d.000Z"


def _frame(topic, payload, second: int) -> str:
    return orjson.dumps({"H": "Streaming", "M": "feed", "A": [topic, payload, UTC % second]}).decode()


def _recording(tmp_path, *extra: str, seconds: int = 3) -> str:
    lines = [_frame("SessionInfo", {"Key": 9100, "Name": "Race", "Path": PATH, "Meeting": {"Name": "Test"}}, 0)]
    lines += [_frame("LapCount", {"CurrentLap": i}, i) for i in range(1, seconds)]
    lines += list(extra)
    path = tmp_path / "rec.txt"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def test_record_never_writes_outside_its_folder(tmp_path, capsys):
    bad = [_frame("../../escaped/PWNED", {"A": 1}, 1), _frame("no/such/dir/TOPIC", {"A": 1}, 1)]
    rec = tmp_path / "deep" / "rec"
    argv = ["--lake", str(tmp_path / "l.duckdb"), "live", "--no-build", "--replay", _recording(tmp_path, *bad),
            "--record", str(rec)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "not recorded" in out and "'../../escaped/PWNED'" in out and "'no/such/dir/TOPIC'" in out
    assert not list(tmp_path.rglob("PWNED*")) and not (tmp_path / "escaped").exists()
    assert sorted(p.name for p in (rec / PATH).iterdir()) == ["Index.json", "LapCount.jsonStream",
                                                                "SessionInfo.jsonStream"]
    with Lake(tmp_path / "l.duckdb") as lake:  # the messages themselves are in the lake
        topics = {t for (t,) in lake.raw.execute("SELECT topic FROM bronze.messages").fetchall()}
        assert {"../../escaped/PWNED", "no/such/dir/TOPIC", "LapCount"} <= topics


def test_a_dead_lake_writer_fails_the_session_at_once(tmp_path):
    from f1nb.live.session import LiveSession

    blocker = tmp_path / "a-file"
    blocker.write_text("the record folder cannot be created under a file")
    with Lake(tmp_path / "l.duckdb") as lake:
        live = LiveSession(lake, source=_recording(tmp_path, seconds=50), speed=1.0, record=blocker / "rec",
                           build=False).start()
        try:
            with pytest.raises(LiveError, match="lake writer failed .*NotADirectoryError|FileExistsError"):
                live.wait(timeout=120)
            assert live.server.cursor < len(live.server.source.items)  # failed mid-replay (50 s), not at its end
        finally:
            with pytest.raises(LiveError):
                live.stop()


def test_a_replay_whose_producer_dies_ends_with_one_line(tmp_path):
    from f1nb.live.session import LiveSession
    from f1nb.live.sources import Item, ReplaySource

    src = ReplaySource("hostile", state={}, items=[Item("LapCount", {"CurrentLap": 1}, 0.0, UTC % 1),
                                                   Item("TimingData", [[[]]], 0.1, UTC % 2)])
    deep = src.items[1].payload
    for _ in range(300):  # past what orjson can write: the producer's dumps raises
        deep = [deep]
    src.items[1] = Item("TimingData", deep, 0.1, UTC % 2)
    with Lake(tmp_path / "l.duckdb") as lake:
        live = LiveSession(lake, source=src, build=False).start()
        try:
            with pytest.raises(LiveError, match="the replay stopped: TypeError: Recursion limit"):
                live.wait(timeout=120)
        finally:
            live.stop()


def test_replay_of_a_line_300_levels_deep_completes(tmp_path, capsys):
    deep = '{"Type":"TimingData","Json":' + "[" * 300 + "]" * 300 + ',"DateTime":"2031-01-02T13:00:01Z"}'
    argv = ["--lake", str(tmp_path / "l.duckdb"), "live", "--no-build", "--replay", _recording(tmp_path, deep)]
    assert main(argv) == 0
    with Lake(tmp_path / "l.duckdb") as lake:
        assert lake.raw.execute("SELECT count(*) FROM bronze.messages WHERE topic = 'LapCount'").fetchone() == (2,)


def _client():
    got = []
    return LiveClient("http://127.0.0.1:1/signalr", on_message=got.append), got


BAD_FRAMES = {
    "truncated JSON": ('{"C":"d-1","M":[{"H":"Streaming","M":"feed","A":["LapCount",{"Cur', "unreadable frame"),
    "not UTF-8": (b'{"C":"d-1","M":[{"H":"Streaming","M":"feed","A":["LapCount",{"X":"\xff"},"'
                  + (UTC % 1).encode() + b'"]}]}', "unreadable frame"),
    "nested 300 levels": (frames.classic_feed("TimingData", orjson.loads("[" * 200 + "]" * 200), UTC % 1)
                          .replace("[" * 200, "[" * 300).replace("]" * 200, "]" * 300), "deeper than 64"),
    "nested 2000 levels": ('{"C":"d","M":[{"H":"Streaming","M":"feed","A":["T",' + "[" * 2000 + "]" * 2000
                           + ',"x"]}]}', "unreadable frame"),
    "UTC overflow": (frames.classic_feed("LapCount", {"CurrentLap": 9}, "9999-12-31T23:59:59-23:59"), "bad UTC"),
    "UTC not a string": (orjson.dumps({"M": [{"M": "feed", "A": ["LapCount", {}, 5]}]}).decode(), "utc is not a string"),
    "integer topic": (orjson.dumps({"M": [{"M": "feed", "A": [7, {}, UTC % 1]}]}).decode(), "topic is not a name"),
    ".z not base64": (frames.classic_feed("CarData.z", "not base64!", UTC % 1), "base64"),
}


@pytest.mark.parametrize("name", list(BAD_FRAMES))
def test_every_unusable_live_frame_is_a_reject_row_with_its_raw_text(name):
    text, reason = BAD_FRAMES[name]
    c, got = _client()
    c.on_text(frames.classic_feed("LapCount", {"CurrentLap": 1}, UTC % 1))
    c.on_text(text)
    c.on_text(frames.classic_feed("LapCount", {"CurrentLap": 2}, UTC % 2))
    kinds = [type(x).__name__ for x in got]
    assert kinds == ["Message", "Reject", "Message"], kinds
    reject = got[1]
    assert reason in reject.reason and reject.raw
    raw = text if isinstance(text, str) else text.decode("utf-8", "backslashreplace")
    assert reject.raw == raw[:10_000]
    assert reject.topic in ("LapCount", "TimingData", "CarData.z", LIVE_FRAME_TOPIC)
    assert [m.seq for m in got if type(m).__name__ == "Message"] == [0, 1]


def test_a_duplicated_frame_is_stored_once_and_counted():
    c, got = _client()
    frame = frames.classic_feed("LapCount", {"CurrentLap": 1}, UTC % 1)
    for text in (frame, frame, frames.classic_feed("LapCount", {"CurrentLap": 1}, UTC % 2), frame):
        c.on_text(text)
    assert [m.utc.second for m in got] == [1, 2] and c.duplicates_dropped == 2
    z = frames.classic_feed("CarData.z", deflate('{"Entries":[]}'), UTC % 3)
    c.on_text(z)
    c.on_text(z)
    assert len(got) == 3 and c.duplicates_dropped == 3


def test_unusable_frames_reach_bronze_rejects_through_a_replay(tmp_path):
    from f1nb.live.session import LiveSession

    with Lake(tmp_path / "l.duckdb") as lake:
        live = LiveSession(lake, source=_recording(tmp_path), build=False).start()
        try:
            assert live.wait(timeout=120)
            for name in ("UTC overflow", "integer topic", "nested 300 levels"):
                live.client.on_text(BAD_FRAMES[name][0])  # as if the server had sent it
        finally:
            live.stop()
        rows = lake.raw.execute("SELECT topic, reason FROM bronze.rejects ORDER BY line_number").fetchall()
    assert [t for t, _ in rows] == ["LapCount", LIVE_FRAME_TOPIC, "TimingData"]
    assert "bad UTC" in rows[0][1] and "topic is not a name" in rows[1][1] and "deeper" in rows[2][1]


def _state(heartbeat) -> str:
    reply = {"LapCount": {"CurrentLap": 4, "_kf": True}, "TrackStatus": {"Status": "1", "_kf": True}}
    if heartbeat is not None:
        reply["Heartbeat"] = heartbeat
    return orjson.dumps({"R": reply, "I": "1"}).decode()


@pytest.mark.parametrize("heartbeat", [{"Utc": "9999-12-31T23:59:59-23:59"}, {"Utc": 17}, None],
                         ids=["utc overflow", "utc not a string", "no heartbeat"])
def test_a_subscribe_reply_without_a_usable_clock_is_dated_by_the_next_frame(heartbeat):
    """Item 11: the reply's topics are never stamped with the wall clock; a bad Heartbeat is a reject."""
    c, got = _client()
    c.on_text(_state(heartbeat))
    assert [type(x).__name__ for x in got] == ([] if heartbeat is None else ["Reject"])
    c.on_text(frames.classic_feed("LapCount", {"CurrentLap": 5}, UTC % 7))
    messages = [m for m in got if type(m).__name__ == "Message"]
    assert [(m.topic, m.seq) for m in messages] == [("LapCount", 0), ("TrackStatus", 0), ("LapCount", 1)]
    assert {m.utc.isoformat() for m in messages} == {"2031-01-02T13:00:07+00:00"}
    if heartbeat is not None:
        reject = got[0]
        assert reject.topic == "Heartbeat" and "bad UTC in Heartbeat" in reject.reason
        assert str(heartbeat["Utc"]) in reject.raw and "Heartbeat" not in c.state


def test_a_good_heartbeat_still_dates_the_reply():
    c, got = _client()
    c.on_text(_state({"Utc": UTC % 3}))
    assert sorted(m.topic for m in got) == ["Heartbeat", "LapCount", "TrackStatus"]
    assert {m.utc.second for m in got} == {3}


def test_a_clockless_reply_with_no_frame_after_it_is_dated_by_the_sink(tmp_path):
    """The client stops before any dated frame: the topics still reach the lake, dated by the last
    time the sink saw (here the recording's last frame), not lost and not the wall clock."""
    from f1nb.live.session import LiveSession

    with Lake(tmp_path / "l.duckdb") as lake:
        live = LiveSession(lake, source=_recording(tmp_path), build=False).start()
        try:
            assert live.wait(timeout=120)
            live.client.on_text(_state({"Utc": "not a time"}))  # as if the server had re-sent its state
        finally:
            live.stop()
        rows = lake.raw.execute(
            "SELECT topic, CAST(utc AS VARCHAR) FROM bronze.messages WHERE topic IN ('LapCount', 'TrackStatus') "
            "ORDER BY topic, seq").fetchall()
        rejects = lake.raw.execute("SELECT topic, reason FROM bronze.rejects").fetchall()
    assert rows[-1] == ("TrackStatus", "2031-01-02 13:00:02+00") and ("LapCount", "2031-01-02 13:00:02+00") in rows
    assert rejects == [("Heartbeat", rejects[0][1])] and "bad UTC" in rejects[0][1]
