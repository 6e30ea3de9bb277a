"""Live: framing of both SignalR protocols, state merging, the reconnect dedup rule, the tower model."""

from __future__ import annotations

import orjson
import pytest

from f1nb.decode.zpayload import deflate, payload_json
from f1nb.live import frames
from f1nb.decode.merge import merge_value, normalise
from f1nb.live.signalr import LiveClient
from f1nb.live.tower import TowerModel, sector_colour


def test_classic_frames_parsed():
    state = frames.parse_classic('{"R":{"Heartbeat":{"Utc":"2024-07-05T11:50:40.1747817Z","_kf":true}},"I":"1"}')
    assert [e.kind for e in state] == ["state"] and "Heartbeat" in state[0].payload
    feed = frames.parse_classic(
        '{"C":"d-1","M":[{"H":"Streaming","M":"feed","A":["TimingData",{"Lines":{}},"2024-07-05T11:50:44.449Z"]},'
        '{"H":"Streaming","M":"feed","A":["LapCount",{"CurrentLap":3},"2024-07-05T11:50:45Z"]}]}')
    assert [(e.kind, e.topic) for e in feed] == [("feed", "TimingData"), ("feed", "LapCount")]
    assert feed[1].payload == {"CurrentLap": 3} and feed[1].utc == "2024-07-05T11:50:45Z"
    assert [e.kind for e in frames.parse_classic("{}")] == ["keepalive"]
    assert [e.kind for e in frames.parse_classic('{"C":"d-1","S":1,"M":[]}')] == ["keepalive"]
    sub = orjson.loads(frames.classic_subscribe(["A", "B"]))
    assert sub == {"H": "Streaming", "M": "Subscribe", "A": [["A", "B"]], "I": 1}
    # a server's text round-trips through the parser
    assert frames.parse_classic(frames.classic_feed("X", {"a": 1}, "2024-01-01T00:00:00Z"))[0].payload == {"a": 1}


def test_core_frames_parsed():
    text = ('{}\x1e{"type":3,"invocationId":"0","result":{"TrackStatus":{"Status":"1"}}}\x1e'
            '{"type":1,"target":"feed","arguments":["TrackStatus",{"Status":"2"},"2024-07-05T11:50:44Z"]}\x1e'
            '{"type":6}\x1e{"type":7,"error":"bye"}\x1e')
    events = frames.parse_core(text)
    assert [e.kind for e in events] == ["handshake", "state", "feed", "keepalive", "close"]
    assert events[1].payload == {"TrackStatus": {"Status": "1"}}
    assert (events[2].topic, events[2].payload) == ("TrackStatus", {"Status": "2"})
    assert frames.core_handshake() == '{"protocol":"json","version":1}\x1e'
    inv = frames.parse_core_client(frames.core_subscribe(["A"]))[0]
    assert inv == {"type": 1, "invocationId": "0", "target": "Subscribe", "arguments": [["A"]]}
    assert frames.core_feed("T", 1, "u").endswith("\x1e")


def test_merge_deleted_lists_and_kf():
    state = merge_value(None, {"Messages": [{"a": 1}], "X": {"k": 1, "gone": 2}, "_kf": True})
    state = merge_value(state, {"Messages": {"1": {"a": 2}}})
    state = merge_value(state, {"Messages": {"0": {"b": 3}}, "X": {"_deleted": ["gone"]}})
    assert state["Messages"] == [{"a": 1, "b": 3}, {"a": 2}]
    assert state["X"] == {"k": 1}
    assert normalise(state) == normalise({"Messages": {"0": {"a": 1, "b": 3}, "1": {"a": 2}}, "X": {"k": 1}})
    assert merge_value({"a": {"b": 1}}, {"a": "cleared"}) == {"a": "cleared"}


def _client_with(got):
    c = LiveClient("http://127.0.0.1:1/signalr", on_message=got.append)
    return c


def test_reconnect_dedup_rule():
    """Re-sent state equal to ours: dropped. Different (missed updates): one message per changed topic."""
    got = []
    c = _client_with(got)
    first = {"Heartbeat": {"Utc": "2024-07-05T11:50:40Z", "_kf": True}, "LapCount": {"CurrentLap": 1, "_kf": True},
             "RaceControlMessages": {"Messages": [{"Message": "GREEN"}], "_kf": True}}
    c._on_state(first)
    c._on_feed(frames.Event("feed", "LapCount", {"CurrentLap": 2}, "2024-07-05T11:50:41Z"))
    c._on_feed(frames.Event("feed", "RaceControlMessages", {"Messages": {"1": {"Message": "YELLOW"}}},
                            "2024-07-05T11:50:42Z"))
    assert len(got) == 5
    # identical re-sent state (lists sent as lists, _kf present): nothing emitted
    c._on_state({"Heartbeat": {"Utc": "2024-07-05T11:50:40Z", "_kf": True}, "LapCount": {"CurrentLap": 2},
                 "RaceControlMessages": {"Messages": [{"Message": "GREEN"}, {"Message": "YELLOW"}], "_kf": True}})
    assert len(got) == 5 and c.resent_dropped == 3
    # missed a lap while disconnected: exactly one LapCount message, carrying the full state
    c._on_state({"Heartbeat": {"Utc": "2024-07-05T11:50:40Z", "_kf": True}, "LapCount": {"CurrentLap": 3}})
    assert [(m.topic, orjson.loads(m.payload)) for m in got[5:]] == [("LapCount", {"CurrentLap": 3})]
    assert [m.seq for m in got if m.topic == "LapCount"] == [0, 1, 2]
    assert c.state["LapCount"] == {"CurrentLap": 3}


def test_z_payloads_checked_kept_as_received_and_bad_ones_rejected():
    got = []
    c = _client_with(got)
    body = '{"Entries":[{"Utc":"2024-07-05T11:50:40Z","Cars":{}}]}'
    c._on_feed(frames.Event("feed", "CarData.z", deflate(body), "2024-07-05T11:50:41Z"))
    c._on_feed(frames.Event("feed", "CarData.z", "not base64!", "2024-07-05T11:50:42Z"))
    assert got[0].payload == deflate(body) and payload_json(got[0].payload) == body  # as received
    assert type(got[1]).__name__ == "Reject" and "base64" in got[1].reason


def test_token_only_to_f1_host():
    c = LiveClient("http://127.0.0.1:1/signalr", token="secret")
    assert c._headers("http://127.0.0.1:1/signalr/negotiate") == {}
    assert "secret" not in repr(c)
    f1 = LiveClient(core=True, token="secret")
    assert f1._headers(f1.url + "/negotiate") == {"Authorization": "Bearer secret"}


def test_no_token_warning(monkeypatch):
    lines = []
    c = LiveClient(on_status=lines.append, token="")
    c.start()
    c.stop()
    assert any("CarData.z and Position.z" in line for line in lines)


def test_sector_colours():
    assert sector_colour({"Value": "29.1", "OverallFastest": True, "PersonalFastest": True}) == "purple"
    assert sector_colour({"Value": "29.1", "PersonalFastest": True}) == "green"
    assert sector_colour({"Value": "29.1"}) == "yellow"
    assert sector_colour({"Value": ""}) == ""


def test_tower_model_merges_and_deletes():
    t = TowerModel()
    t.apply("DriverList", {"1": {"Tla": "VER", "TeamColour": "3671C6"}, "44": {"Tla": "HAM"}})
    t.apply("SessionInfo", {"Type": "Race"})
    t.apply("TimingData", {"Lines": {
        "1": {"Position": "2", "GapToLeader": "+1.2", "IntervalToPositionAhead": {"Value": "+1.2"},
              "Sectors": [{"Value": "30.1", "PersonalFastest": True}, {"Value": ""}, {"Value": ""}]},
        "44": {"Position": "1", "GapToLeader": "LAP 3", "Sectors": [{"Value": "30.0", "OverallFastest": True}]}}})
    t.apply("TimingAppData", {"Lines": {"1": {"Stints": [{"Compound": "SOFT", "TotalLaps": 3}]}}})
    t.apply("TimingAppData", {"Lines": {"1": {"Stints": {"1": {"Compound": "HARD", "TotalLaps": 0}}}}})
    t.apply("TimingData", {"Lines": {"1": {"Position": "1", "InPit": True, "Sectors": {"1": {"Value": "31.0"}}},
                                     "44": {"Position": "2", "Retired": True}}})
    t.apply("TrackStatus", {"Status": "4", "Message": "SCDeployed"})
    t.apply("LapCount", {"CurrentLap": 3, "TotalLaps": 57})
    rows = t.rows()
    assert [r["driver"] for r in rows] == ["VER", "HAM"]
    ver = rows[0]
    assert ver["team_colour"] == "#3671C6" and ver["gap"] == "+1.2" and ver["interval"] == "+1.2"
    assert ver["sector_colours"] == ["green", "yellow", ""] and ver["sectors"][1] == "31.0"
    assert (ver["compound"], ver["tyre_age"], ver["in_pit"]) == ("HARD", 0, True)
    assert rows[1]["retired"] and rows[1]["sector_colours"][0] == "purple"
    assert t.track_status()["label"] == "Safety car" and t.lap_count() == (3, 57)
    t.apply("DriverList", {"_deleted": ["44"]})
    t.apply("TimingData", {"Lines": {"_deleted": ["44"]}})
    assert [r["driver"] for r in t.rows()] == ["VER"]


def test_widget_renders_only_on_change():
    pytest.importorskip("ipywidgets")
    from f1nb.live.widget import TowerWidget

    t = TowerModel()
    w = TowerWidget(t)
    t.apply("DriverList", {"1": {"Tla": "VER"}})
    t.apply("TimingData", {"Lines": {"1": {"Position": "1"}}})
    assert w.refresh() and "VER" in w.view.value
    assert not w.refresh()  # unchanged model: no re-render
    t.apply("RaceControlMessages", {"Messages": [{"Utc": "2024-01-01T12:00:00", "Message": "<GREEN> & go"}]})
    assert w.refresh() and "&lt;GREEN&gt; &amp; go" in w.view.value


def test_silent_server_means_reconnect_and_nothing_doubled():
    """No frame for `heartbeat_timeout` s -> reconnect (backoff); the re-sent state adds nothing."""
    import time

    from f1nb.live.replay import ReplayServer
    from f1nb.live.sources import Item, ReplaySource

    src = ReplaySource("tiny", state={"LapCount": {"CurrentLap": 1, "TotalLaps": 3}},
                       items=[Item("LapCount", {"CurrentLap": n}, float(n), f"2030-01-01T00:00:0{n}Z") for n in (2, 3)])
    got, lines = [], []
    with ReplayServer(src, speed=1.0, keepalive=60) as server:
        client = LiveClient(server.classic_url, on_message=got.append, on_status=lines.append,
                            heartbeat_timeout=0.4, backoff=(0.05, 0.2)).start()
        assert server.ended.wait(300)
        deadline = time.monotonic() + 300  # a hang guard; the wait ends when the feeds have arrived
        while client.feeds_received < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        client.stop()
    assert client.connects >= 2 and any("no message for 0.4 s" in line for line in lines)
    assert [orjson.loads(m.payload)["CurrentLap"] for m in got] == [1, 2, 3]
