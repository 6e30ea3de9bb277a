"""`bronze.car_samples` / `bronze.position_samples`: DuckDB decodes the payloads, the
Python decoder takes the messages it leaves out and rejects what it cannot decode."""

from __future__ import annotations

import orjson
import pyarrow as pa
import pytest

from f1nb.bronze.samples import (
    CAR_SAMPLES, POSITION_SAMPLES, _car_rows, _decode, _position_rows, car_samples_table, position_samples_table,
)
from f1nb.decode.messages import Message
from f1nb.decode.zpayload import deflate, inflate

UTC = "2024-07-05T11:50:40.1747817Z"


def _z(topic: str, seq: int, body) -> Message:
    """A `.z` message as Bronze holds it: the payload as received, base64 DEFLATE."""
    return Message(topic, seq, None, None, deflate(body if isinstance(body, str) else orjson.dumps(body).decode()))


def _car(seq: int, body) -> Message:
    return _z("CarData.z", seq, body)


def _inflated(messages):
    return [Message(m.topic, m.seq, m.offset_ms, m.utc, inflate(m.payload)) for m in messages]


def _entry(utc=UTC, cars=None):
    cars = {"44": {"Channels": {"0": 11000, "2": 281, "3": 7, "4": 100, "5": 0, "45": 8}}} if cars is None else cars
    return {"Utc": utc, "Cars": cars}


def _python(messages, schema=CAR_SAMPLES, rows=_car_rows):
    return _decode(1, _inflated(messages), schema, rows, schema.names[0])


def test_good_messages_decode_like_the_python_decoder():
    messages = [
        _car(0, {"Entries": [_entry(), _entry("2024-07-05T11:50:40Z", {"1": {"Channels": {"0": "", "2": "12"}}})]}),
        _car(1, {"Entries": []}),  # nothing to say: no rows, no reject
        _car(2, {"Entries": [_entry("2024-07-05T13:50:40.5+02:00")], "Extra": 1}),
    ]
    table, rejects = car_samples_table(1, messages)
    reference, _ = _python(messages)
    assert rejects == []
    assert table.schema == CAR_SAMPLES
    assert table.equals(reference)  # same rows in the same (payload) order
    rows = table.to_pylist()
    assert [(r["seq"], r["driver_number"], r["rpm"], r["speed"], r["drs"]) for r in rows] == [
        (0, 44, 11000, 281, 8), (0, 1, None, 12, None), (2, 44, 11000, 281, 8)]
    assert rows[2]["utc"] == rows[0]["utc"].replace(microsecond=500000)  # +02:00 taken into account


@pytest.mark.parametrize("bad, reason", [
    ({"Entries": [{"Utc": UTC}]}, "KeyError: 'Cars'"),
    ({"Entries": [_entry("yesterday")]}, "bad UTC timestamp"),
    ({"Entries": [_entry(cars={"VER": {"Channels": {"0": 1}}})]}, "unexpected CarData.z shape"),
    ({"Entries": [_entry(cars={"1": {"NoChannels": {}}})]}, "KeyError: 'Channels'"),
    ({"Entries": {"0": _entry()}}, "unexpected CarData.z shape"),
    ({"Entries": [_entry(cars={"1": "x"})]}, "unexpected CarData.z shape"),
    ({"Entries": [_entry(cars={"1": {"Channels": "x"}})]}, "unexpected CarData.z shape"),
    ({"Entries": [_entry(cars=[1])]}, "unexpected CarData.z shape"),
    ("not json", "CarData.z payload is not JSON"),
    ([1, 2], "TypeError"),
])
def test_a_bad_message_is_rejected_whole_and_the_others_kept(bad, reason):
    messages = [_car(0, {"Entries": [_entry()]}), _car(1, bad), _car(2, {"Entries": [_entry()]})]
    table, rejects = car_samples_table(1, messages)
    assert sorted(table.column("seq").to_pylist()) == [0, 2]
    assert [(r.topic, r.line_number) for r in rejects] == [("CarData.z", 1)]
    assert reason in rejects[0].reason


def test_positions_decode_and_reject():
    good = {"Position": [{"Timestamp": UTC, "Entries": {"44": {"Status": "OnTrack", "X": -1200, "Y": 35, "Z": "7"}}}]}
    bad = {"Position": [{"Timestamp": UTC, "Entries": {"44": "not an object"}}]}
    messages = [_z("Position.z", i, b) for i, b in enumerate([good, bad])]
    table, rejects = position_samples_table(1, messages)
    assert table.schema == POSITION_SAMPLES
    assert [(r["seq"], r["driver_number"], r["x"], r["y"], r["z"], r["status"]) for r in table.to_pylist()] == [
        (0, 44, -1200, 35, 7, "OnTrack")]
    assert [r.line_number for r in rejects] == [1]
    assert table.equals(_python(messages[:1], POSITION_SAMPLES, _position_rows)[0])


def test_no_messages_give_empty_typed_tables():
    assert car_samples_table(1, [])[0].schema == CAR_SAMPLES
    assert position_samples_table(1, [])[0].equals(POSITION_SAMPLES.empty_table())
    assert isinstance(car_samples_table(1, [])[0], pa.Table)


def test_a_z_payload_that_inflates_to_non_json_is_rejected_and_left_out_of_messages():
    from f1nb.bronze.build import SessionSource, build_bronze
    from f1nb.decode.jsonstream import encode_jsonstream, parse_jsonstream
    from f1nb.decode.zpayload import deflate

    good = {"Entries": [_entry()]}
    body = encode_jsonstream([(1000, good), (2000, good)], compressed=True).decode("utf-8")
    lines = body.split("\r\n")
    lines.insert(1, "00:00:01.500" + orjson.dumps(deflate('{"Entries": [')).decode())  # truncated JSON inside
    messages, rejects = parse_jsonstream("CarData.z", "\r\n".join(lines).encode("utf-8"))
    assert len(messages) == 3 and rejects == []  # the samples decoder is the one that parses it
    tables = build_bronze(SessionSource(5, {}, messages, rejects))
    assert tables["messages"].column("seq").to_pylist() == [0, 2]
    assert tables["car_samples"].column("seq").to_pylist() == [0, 2]
    [reject] = tables["rejects"].to_pylist()
    assert (reject["topic"], reject["line_number"]) == ("CarData.z", 1)
    assert "payload is not JSON" in reject["reason"]
    feeds = {f["topic"]: f for f in tables["feeds"].to_pylist()}
    assert (feeds["CarData.z"]["messages"], feeds["CarData.z"]["rejects"]) == (2, 1)


def _car_value(value) -> Message:
    channels = '{"0": ' + orjson.dumps(value).decode() + ', "2": 281}'
    return _car(0, '{"Entries": [{"Utc": "' + UTC + '", "Cars": {"44": {"Channels": ' + channels + '}}}]}')


def _position_value(key: str, value) -> Message:
    entry = {"Status": "OnTrack", "X": 1, "Y": 2, "Z": 3, key: value}
    return _z("Position.z", 0, {"Position": [{"Timestamp": UTC, "Entries": {"44": entry}}]})


def _outcome(table, rejects, column):
    return ("rejected", rejects[0].reason) if rejects else ("kept", table.column(column).to_pylist())


# F1 sends whole numbers, some as text, and text statuses: anything else rejects its message,
# the same way whichever decoder (DuckDB's fast path or the Python reference) reads it
@pytest.mark.parametrize("value, expected", [
    (11000, [11000]), ("12", [12]), ("007", [7]), (" 7", [7]), ("+7", [7]), (2.0, [2]), (-5, [-5]),
    ("", [None]), (None, [None]), (2147483647, [2147483647]),
    (2.5, "rpm 2.5 is not a whole number"), ("2.5", "rpm '2.5' is not a whole number"),
    (True, "rpm True is not a whole number"), ("abc", "rpm 'abc' is not a whole number"),
    ("1e2", "is not a whole number"), ("0x10", "is not a whole number"), ("\u0663", "is not a whole number"),
    ([1], "is not a whole number"), ({"a": 1}, "is not a whole number"),
    (3000000000, "rpm:"), (2147483648, "rpm:"), (12345678901234567890, "rpm:"),
])
def test_a_channel_value_is_a_whole_number_or_its_message_is_rejected_by_both_decoders(value, expected):
    messages = [_car_value(value)]
    fast, reference = _outcome(*car_samples_table(1, messages), "rpm"), _outcome(*_python(messages), "rpm")
    assert fast == reference
    if isinstance(expected, list):
        assert fast == ("kept", expected)
    else:
        assert fast[0] == "rejected" and expected in fast[1]


@pytest.mark.parametrize("key, value, expected", [
    ("Status", "OffTrack", ["OffTrack"]), ("Status", "", [""]), ("Status", None, [None]),
    ("Status", 1, "status 1 is not text"), ("Status", True, "status True is not text"),
    ("Status", {"a": 1}, "is not text"), ("X", 2.5, "x 2.5 is not a whole number"), ("Z", "-12", [-12]),
])
def test_a_position_value_follows_the_same_rule_in_both_decoders(key, value, expected):
    messages = [_position_value(key, value)]
    column = "status" if key == "Status" else "z"
    fast = _outcome(*position_samples_table(1, messages), column)
    reference = _outcome(*_python(messages, POSITION_SAMPLES, _position_rows), column)
    assert fast == reference
    if isinstance(expected, list):
        assert fast == ("kept", expected)
    else:
        assert fast[0] == "rejected" and expected in fast[1]


@pytest.mark.parametrize("key, expected", [("44", [44]), ("044", [44]), ("4.0", None), ("1e1", None), ("x", None)])
def test_a_car_number_key_follows_the_same_rule_in_both_decoders(key, expected):
    messages = [_car(0, {"Entries": [_entry(cars={key: {"Channels": {"0": 1}}})]})]
    fast = _outcome(*car_samples_table(1, messages), "driver_number")
    assert fast == _outcome(*_python(messages), "driver_number")
    assert fast == ("kept", expected) if expected else fast[0] == "rejected"


def test_a_car_named_twice_in_a_frame_gives_one_row_as_the_python_decoder_reads_it():
    # JSON leaves repeated keys to the parser: orjson keeps the last, DuckDB's map kept both
    body = '{"Entries": [{"Utc": "' + UTC + '", "Cars": {"1": {"Channels": {"0": 1}}, "1": {"Channels": {"0": 2}}}}]}'
    messages = [_car(0, {"Entries": [_entry()]}), _car(1, body), _car(2, {"Entries": [_entry()]})]
    table, rejects = car_samples_table(1, messages)
    assert rejects == [] and table.equals(_python(messages)[0])
    assert [(r["seq"], r["driver_number"], r["rpm"]) for r in table.to_pylist()] == [
        (0, 44, 11000), (1, 1, 2), (2, 44, 11000)]
