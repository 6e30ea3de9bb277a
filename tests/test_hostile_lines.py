"""Issue 17 items 1 and 2: one hostile line never makes a session unloadable or a decoder raise.

Each archive case is a real session tree read through `f1nb load --path` (file://): the
bad line becomes a reject row with its reason (or loads harmlessly), and the good lines
around it load."""

from __future__ import annotations

import base64
import zlib

import orjson
import pytest

from f1nb.cli import main
from f1nb.decode.recordings import decode_recording_text
from f1nb.decode.zpayload import deflate
from f1nb.lake.lake import Lake

BOM = b"\xef\xbb\xbf"
PATH = "2031/M/S/"
GOOD = [b'00:00:00.500{"Lines":{"44":{"Position":"1"}}}', b'00:00:02.000{"Lines":{"44":{"Position":"2"}}}']


def _z(text: str) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return b'"' + base64.b64encode(c.compress(text.encode()) + c.flush()) + b'"'


def _load(tmp_path, topic: str, bad: bytes, capsys) -> Lake:
    d = tmp_path / "r" / PATH
    d.mkdir(parents=True)
    (d / "SessionInfo.jsonStream").write_bytes(BOM + b'00:00:00.000{"Key":1,"Name":"Race","Path":"2031/M/S/"}\r\n')
    lines = list(GOOD)
    if topic == "TimingData":
        lines.insert(1, bad)
    else:
        (d / f"{topic}.jsonStream").write_bytes(BOM + bad + b"\r\n")
    (d / "TimingData.jsonStream").write_bytes(BOM + b"\r\n".join(lines) + b"\r\n")
    rc = main(["-q", "--lake", str(tmp_path / "l.duckdb"), "--archive-url", f"file://{tmp_path}/r/",
               "load", "--path", PATH, "--no-build"])
    assert rc == 0, capsys.readouterr().err
    return Lake(tmp_path / "l.duckdb")


def _good_lines_loaded(lake: Lake) -> None:
    got = lake.raw.execute("SELECT seq, value FROM bronze.fields WHERE topic = 'TimingData' AND driver_number = 44 "
                           "AND field = 'Position' ORDER BY offset_ms").fetchall()
    assert [v for _, v in got] == ["1", "2"]


def _rejects(lake: Lake) -> list[tuple[str, str]]:
    return lake.raw.execute("SELECT topic, reason FROM bronze.rejects ORDER BY topic").fetchall()


@pytest.mark.parametrize("key", ["²", "3000000000", "99999999999999999999", "-1"])
def test_a_driver_key_that_is_no_int32_number_stays_in_the_field_path(tmp_path, capsys, key):
    bad = b'00:00:01.000{"Lines":{"' + key.encode() + b'":{"X":1}}}'
    with _load(tmp_path, "TimingData", bad, capsys) as lake:
        _good_lines_loaded(lake)
        rows = lake.raw.execute("SELECT driver_number, field, value FROM bronze.fields WHERE field LIKE '%X'").fetchall()
        assert rows == [(None, f"Lines.{key}.X", "1")]  # lossless: the key is kept, not guessed
        assert _rejects(lake) == []


def test_an_array_1000_levels_deep_is_one_reject(tmp_path, capsys):
    bad = b'00:00:01.000{"Lines":' + b"[" * 1000 + b"]" * 1000 + b"}"
    with _load(tmp_path, "TimingData", bad, capsys) as lake:
        _good_lines_loaded(lake)
        assert _rejects(lake) == [("TimingData", "JSON nested deeper than 64 levels")]
        assert lake.raw.execute("SELECT count(*) FROM bronze.messages WHERE topic = 'TimingData'").fetchone() == (2,)


@pytest.mark.parametrize("line", [b'00:00:01.000{"Utc":"9999-12-31T23:59:59-23:59"}',
                                  b'99:00:00.000{"Utc":"0001-01-01T00:00:00Z"}'])
def test_a_heartbeat_utc_out_of_range_loads_without_a_time(tmp_path, capsys, line):
    with _load(tmp_path, "Heartbeat", line, capsys) as lake:
        _good_lines_loaded(lake)
        assert lake.raw.execute("SELECT utc FROM bronze.messages WHERE topic = 'Heartbeat'").fetchall() == [(None,)]
        assert lake.raw.execute("SELECT t0_utc FROM bronze.sessions").fetchall() == [(None,)]


def test_a_position_sample_whose_x_is_an_object_is_rejected_not_fatal(tmp_path, capsys):
    from f1nb.bronze.samples import _decode, _position_rows
    from f1nb.bronze.schema import POSITION_SAMPLES
    from f1nb.decode.messages import Message

    good = {"Position": [{"Timestamp": "2031-01-01T00:00:00Z", "Entries": {"44": {"X": 1, "Y": 2, "Z": 3}}}]}
    bad = {"Position": [{"Timestamp": "2031-01-01T00:00:00Z", "Entries": {"44": {"X": {"a": 1}, "Y": 1, "Z": 1}}}]}
    msgs = [Message("Position.z", i, 0, None, orjson.dumps(b).decode()) for i, b in enumerate([good, bad, good])]
    table, rejects = _decode(1, msgs, POSITION_SAMPLES, _position_rows, "Position.z")  # the Python decoder itself
    assert table.column("seq").to_pylist() == [0, 2] and [r.line_number for r in rejects] == [1]
    assert "Position.z" in rejects[0].reason
    with _load(tmp_path, "Position.z", b"00:00:01.000" + _z(orjson.dumps(bad).decode()), capsys) as lake:
        _good_lines_loaded(lake)  # and the whole load (SQL decoder first) keeps the rest


def test_a_cardata_payload_inflating_to_non_json_is_one_reject(tmp_path, capsys):
    with _load(tmp_path, "CarData.z", b"00:00:01.000" + _z("not json"), capsys) as lake:
        _good_lines_loaded(lake)
        (topic, reason), = _rejects(lake)
        assert topic == "CarData.z" and "not JSON" in reason


UTC = "2024-01-01T00:00:00.000Z"
RECORDING_LINES = {
    "a .z payload inflating to non-JSON": ('{"H":"Streaming","M":"feed","A":["CarData.z","%s","%s"]}' % (deflate("x"), UTC),
                                           "inflates to invalid JSON"),
    "a FastF1 line with an int key": (f"['TimingData', {{1: 2}}, '{UTC}']", "not JSON-representable"),
    "a set": (f"['TimingData', {{'a': {{1, 2}}}}, '{UTC}']", "not JSON-representable"),
    "bytes": (f"['TimingData', {{'a': b'x'}}, '{UTC}']", "not JSON-representable"),
    "an int over 64 bits": (f"['TimingData', {{'a': {2**70}}}, '{UTC}']", "not JSON-representable"),
    "JSON 300 levels deep": ('{"Type":"TimingData","Json":' + "[" * 300 + "]" * 300 + f',"DateTime":"{UTC}"}}',
                             "deeper than 64"),
    "a Python literal 300 levels deep": (f"['TimingData', {'[' * 300}{']' * 300}, '{UTC}']", "not a Python literal"),
    "a DateTime out of range": ('{"Type":"TimingData","Json":{},"DateTime":"9999-12-31T23:59:59-23:59"}', "bad UTC"),
}


@pytest.mark.parametrize("name", list(RECORDING_LINES))
def test_decode_recording_text_never_raises(name):
    line, reason = RECORDING_LINES[name]
    good = '{"Type":"LapCount","Json":{"CurrentLap":%d},"DateTime":"%s"}'
    out = decode_recording_text("\n".join([good % (1, UTC), line, good % (2, UTC)]) + "\n")
    assert [m.payload for m in out.messages] == ['{"CurrentLap":1}', '{"CurrentLap":2}']
    assert [m.seq for m in out.messages] == [0, 1]
    (reject,) = out.rejects
    assert reject.line_number == 2 and reason in reject.reason


def test_a_hub_message_with_one_bad_frame_is_rejected_whole_and_seq_stays_dense():
    frame = '{"H":"Streaming","M":"feed","A":["LapCount",%s,"%s"]}'
    hub = '{"C":"d","M":[%s,%s]}' % (frame % ('{"CurrentLap":1}', UTC), frame % ("[" * 100 + "]" * 100, UTC))
    out = decode_recording_text(hub + "\n" + frame % ('{"CurrentLap":2}', UTC) + "\n")
    assert [(m.seq, m.payload) for m in out.messages] == [(0, '{"CurrentLap":2}')]
    assert len(out.rejects) == 1


def test_a_whole_state_document_rejects_one_topic_and_keeps_the_others():
    doc = ('{\n"Heartbeat": {"Utc": "9999-12-31T23:59:59-23:59"},\n "TimingData": ' + "[" * 300 + "]" * 300
           + ',\n "LapCount": {"CurrentLap": 3}}\n')
    out = decode_recording_text(doc)
    assert [m.topic for m in out.messages] == ["Heartbeat", "LapCount"]
    assert [(r.topic, "deeper" in r.reason) for r in out.rejects] == [("TimingData", True)]


def test_invalid_utf8_is_rejected_with_its_exact_bytes_not_replaced(tmp_path, capsys):
    bad = b'00:00:01.000{"Lines":{"44":{"Name":"caf\xe9 \xff"}}}'
    with _load(tmp_path, "TimingData", bad, capsys) as lake:
        _good_lines_loaded(lake)
        (raw, reason), = lake.raw.execute("SELECT raw, reason FROM bronze.rejects").fetchall()
        assert reason.startswith("invalid UTF-8 (byte 0xe9")
        assert raw.encode("ascii", "backslashreplace") == bad.decode("ascii", "backslashreplace").encode()
        assert "\ufffd" not in "".join(v for (v,) in lake.raw.execute("SELECT value FROM bronze.fields "
                                                                     "WHERE value IS NOT NULL").fetchall())


def test_a_file_of_bad_lines_keeps_a_bounded_number_of_them():
    from f1nb.decode.jsonstream import MAX_REJECTS_KEPT, parse_jsonstream

    messages, rejects = parse_jsonstream("TimingData", b"x\n" * (MAX_REJECTS_KEPT + 500) + b'00:00:01.000{"A":1}\n')
    assert len(messages) == 1 and len(rejects) == MAX_REJECTS_KEPT + 1
    assert rejects[-1].line_number == MAX_REJECTS_KEPT + 1 and rejects[-1].reason.startswith("500 more bad lines")


def test_blank_lines_cost_no_memory():
    import tracemalloc

    from f1nb.decode.jsonstream import parse_jsonstream

    body = b"\r\n" * 20_000_000 + b'00:00:01.000{"A":1}\r\n'
    tracemalloc.start()
    messages, rejects = parse_jsonstream("TimingData", body)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert [(m.payload, r) for m, r in zip(messages, [rejects])] == [('{"A":1}', [])]
    assert peak < 3 * len(body)  # the text itself and one chunk; a list of 20 M lines took 8x more
