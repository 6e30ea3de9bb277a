"""jsonStream, .z and recording decoders on real files and on crafted bad input."""

from __future__ import annotations

import base64
import zlib

import orjson
import pytest

from f1nb.decode.jsonstream import encode_jsonstream, parse_jsonstream, parse_keyframe, parse_offset_ms
from f1nb.decode.recordings import decode_recording, decode_recording_text
from f1nb.decode.timeparse import parse_utc
from f1nb.decode.zpayload import deflate, inflate, payload_json
from f1nb.errors import DecodeError

from .conftest import REAL_ARCHIVE, REAL_LIVE, need_realdata


def test_a_chunk_of_good_offsets_reads_as_each_line_alone():
    # a chunk whose offsets are all well formed is read at once (one regex, one numpy product);
    # any other chunk line by line: both give what parse_offset_ms gives each line
    good = [f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}" for h, m, s, ms in [(0, 0, 0, 0), (1, 59, 59, 999), (99, 0, 7, 5)]]
    lines = [good[i % 3] + '{"A":%d}' % i for i in range(10_000)]
    messages, rejects = parse_jsonstream("TrackStatus", "\n".join(lines))
    assert not rejects and [m.offset_ms for m in messages] == [parse_offset_ms(line[:12]) for line in lines]
    lines[5_000] = "00:60:00.000{}"  # one bad offset: its chunk is read line by line, the others at once
    lines[6_000] = "\u0660\u0661:00:00.000{}"  # non-ASCII digits, which int() and the line's regex take
    messages, rejects = parse_jsonstream("TrackStatus", "\n".join(lines))
    assert [(r.line_number, "offset" in r.reason) for r in rejects] == [(5_001, True)]
    assert [m.offset_ms for m in messages] == [parse_offset_ms(line[:12]) for i, line in enumerate(lines) if i != 5_000]
    assert messages[5_999].offset_ms == 3_600_000


def test_offsets_and_utc():
    assert parse_offset_ms("01:51:26.763") == ((1 * 60 + 51) * 60 + 26) * 1000 + 763
    with pytest.raises(DecodeError):
        parse_offset_ms("1:51:26.763x")
    t = parse_utc("2024-07-05T11:50:40.1747817Z")
    assert (t.hour, t.microsecond, t.utcoffset().total_seconds()) == (11, 174781, 0)
    assert parse_utc("2024-07-05T11:50:44.449+00:00") == parse_utc("2024-07-05T11:50:44.449Z")
    assert parse_utc("2024-07-05T13:50:44+02:00") == parse_utc("2024-07-05T11:50:44Z")
    for bad in ("208T14:57:41.297Z", "2021-0341.297Z", "", "2024-13-01T00:00:00Z"):
        with pytest.raises(DecodeError):
            parse_utc(bad)


@pytest.mark.parametrize("terminator,bom", [("\r\n", True), ("\n", True), ("\n", False), ("\r\n", False)])
def test_jsonstream_line_endings_and_bom(terminator, bom):
    body = ("\ufeff" if bom else "") + terminator.join(
        ['00:00:01.000{"A":"1"}', '00:00:02.500{"A":"2"}', ""]
    )
    messages, rejects = parse_jsonstream("X", body.encode())
    assert [(m.offset_ms, m.payload) for m in messages] == [(1000, '{"A":"1"}'), (2500, '{"A":"2"}')]
    assert rejects == []


def test_jsonstream_bad_lines_are_rejected_not_fatal():
    body = '\ufeff00:00:01.000{"A":1}\r\ngarbage\r\n00:00:03.000{"A":\r\n00:00:04.000{"A":4}\r\n'.encode()
    messages, rejects = parse_jsonstream("X", body)
    assert [m.seq for m in messages] == [0, 1] and [m.offset_ms for m in messages] == [1000, 4000]
    assert [(r.line_number, r.raw) for r in rejects] == [(2, "garbage"), (3, '00:00:03.000{"A":')]
    assert "offset" in rejects[0].reason and "JSON" in rejects[1].reason


def test_z_roundtrip_and_limits():
    text = orjson.dumps({"Entries": [{"Utc": "2099-01-01T00:00:00Z", "Cars": {}}]}).decode()
    assert inflate(deflate(text)) == text
    body = encode_jsonstream([(5, {"a": 1})], compressed=True)
    messages, rejects = parse_jsonstream("CarData.z", body)
    assert not rejects and f'"{messages[0].payload}"' == body.decode()[13:-2]  # kept as received
    assert payload_json(messages[0].payload) == '{"a":1}'
    with pytest.raises(DecodeError, match="base64"):
        inflate("not base64!!")
    whole = base64.b64decode(deflate(text * 50))
    with pytest.raises(DecodeError, match="truncated"):
        inflate(base64.b64encode(whole[: len(whole) // 2]))
    bomb = zlib.compressobj(9, zlib.DEFLATED, -15)

    payload = base64.b64encode(bomb.compress(b"0" * 5_000_000) + bomb.flush())
    with pytest.raises(DecodeError, match="limit"):
        inflate(payload, limit=1_000_000)


def test_payload_json_reads_stored_payloads_of_this_and_older_lakes():
    z = deflate('{"Entries":[]}')
    assert payload_json(z) == '{"Entries":[]}'  # a .z payload as received
    assert payload_json('{"Entries":[]}') == '{"Entries":[]}'  # as an older f1nb stored it: inflated
    for other in ('{"Status":"1"}', '[1]', '"text"', "123", "true", "", None):  # other topics' JSON
        assert payload_json(other) == other


def test_unknown_z_topics_are_checked_at_parse_and_kept_as_received():
    good, bad = deflate('{"a":1}'), deflate("not json")
    body = f'00:00:01.000"{good}"\r\n00:00:02.000"{bad}"\r\n00:00:03.000"{deflate("[1]")}"\r\n'.encode()
    messages, rejects = parse_jsonstream("Mystery.z", body)
    assert [m.payload for m in messages] == [good, deflate("[1]")]
    assert [(r.line_number, "invalid JSON" in r.reason) for r in rejects] == [(2, True)]


def test_keyframe():
    msg = parse_keyframe("TrackStatus", '\ufeff{"Status":"1","Message":"AllClear"}'.encode())
    assert msg.offset_ms is None and orjson.loads(msg.payload)["Status"] == "1"


def test_every_real_archive_file_decodes_line_for_line():
    need_realdata()
    files = sorted(REAL_ARCHIVE.glob("*/*/*/*.jsonStream"))
    assert len(files) >= 40
    for path in files:
        raw = path.read_bytes()
        lines = [line for line in raw.decode("utf-8-sig").replace("\r\n", "\n").split("\n") if line]
        messages, rejects = parse_jsonstream(path.stem, raw)
        assert rejects == [], (path, rejects[:1])
        assert len(messages) == len(lines), path
        # the payload is byte-for-byte the line after its 12-character offset
        for i in (0, len(lines) // 2, len(lines) - 1):
            assert messages[i].payload == lines[i][12:]
        offsets = [m.offset_ms for m in messages]
        assert offsets == sorted(offsets), path


def test_fastf1_corrupted_recording_keeps_good_lines_and_rejects_bad():
    need_realdata()
    rec = decode_recording(REAL_LIVE / "fastf1_with_errors.txt")
    lines = (REAL_LIVE / "fastf1_with_errors.txt").read_text().split("\n")
    assert len(rec.messages) + len(rec.rejects) == len(lines) == 51
    # 26 malformed records, 4 mangled timestamps, 2 truncated .z payloads
    reasons = [r.reason for r in rec.rejects]
    assert sum("element" in r or "literal" in r or "bare" in r or "frame" in r for r in reasons) == 26
    assert sum("timestamp" in r for r in reasons) == 4
    assert sum(".z" in r for r in reasons) == 2
    assert len(rec.messages) == 19
    assert {r.topic for r in rec.rejects} >= {"CarData.z", "Position.z", "TimingData"}
    for r in rec.rejects:
        assert r.raw == lines[r.line_number - 1]


def test_undercut_recording_decodes_fully():
    need_realdata()
    folder = REAL_LIVE / "2024_Silverstone_Practice_1"
    rec = decode_recording(folder / "live.txt")  # picks up subscribe.txt beside it
    live_lines = (folder / "live.txt").read_text().splitlines()
    state = orjson.loads((folder / "subscribe.txt").read_bytes())
    assert rec.rejects == []
    assert len(rec.messages) == len(live_lines) + len(state)
    first = {m.topic: m for m in rec.messages[: len(state)]}
    assert set(first) == set(state)
    assert orjson.loads(first["DriverList"].payload) == state["DriverList"]
    last = orjson.loads(live_lines[-1])
    assert orjson.loads(rec.messages[-1].payload) == last["Json"]
    assert rec.messages[-1].utc == parse_utc(last["DateTime"])


def test_classic_signalr_frames_and_hub_messages():
    text = "\n".join(
        [
            '{"R":{"Heartbeat":{"Utc":"2024-05-18T13:59:00.1Z","_kf":true},"TrackStatus":{"Status":"1"}},"I":"1"}',
            '{  "H": "Streaming",  "M": "feed",  "A": [    "TrackStatus",    {"Status": "2"},    "2024-05-18T13:59:11.3884546Z"  ]}',
            '{"C":"d-1","M":[{"H":"Streaming","M":"feed","A":["TrackStatus",{"Status":"1"},"2024-05-18T13:59:12Z"]}]}',
            "{}",
            '{"H":"Streaming","M":"feed","A":["TrackStatus",{"Status":"4"}]}',
        ]
    )
    rec = decode_recording_text(text)
    assert [(m.topic, m.seq) for m in rec.messages] == [
        ("Heartbeat", 0), ("TrackStatus", 0), ("TrackStatus", 1), ("TrackStatus", 2)
    ]
    assert [orjson.loads(m.payload)["Status"] for m in rec.messages[1:]] == ["1", "2", "1"]
    assert len(rec.rejects) == 1 and rec.rejects[0].line_number == 5 and rec.rejects[0].topic == "TrackStatus"


def test_python_literals_are_never_evaluated():
    rec = decode_recording_text("['TrackStatus', __import__('os').system('false'), '2021-03-28T14:52:30Z']\n")
    assert rec.messages == [] and "literal" in rec.rejects[0].reason
