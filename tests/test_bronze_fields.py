"""`bronze.fields`: every leaf of a message as one typed row (the flattening rules)."""

from __future__ import annotations

import orjson

from f1nb.bronze.fields import fields_table
from f1nb.decode.messages import Message


def _rows(topic: str, payload: object) -> list[tuple]:
    table, rejects = fields_table(7, [Message(topic, 3, 1500, None, orjson.dumps(payload).decode())])
    assert not rejects
    cols = ("driver_number", "item", "field", "value", "value_type", "value_num")
    return [tuple(row[c] for c in cols) for row in table.to_pylist()]


def test_leaves_are_typed_and_split_into_driver_item_field():
    payload = {"Lines": {"44": {"Sectors": [{"Value": "31.2"}, {}], "Speeds": {"I1": {"Value": ""}},
                                "LastLapTime": {"Value": "1:43.009"}, "NumberOfLaps": 12, "InPit": True,
                                "GapToLeader": "+1.5", "X": [], "Y": None, "Ratio": 0.25, "Status": "OnTrack"}}}
    assert _rows("TimingData", payload) == [
        (44, None, "Sectors.0.Value", "31.2", "str", 31.2),
        (44, None, "Sectors.1", None, "null", None),
        (44, None, "Speeds.I1.Value", "", "str", None),
        (44, None, "LastLapTime.Value", "1:43.009", "str", 103.009),
        (44, None, "NumberOfLaps", "12", "num", 12.0),
        (44, None, "InPit", "true", "bool", None),
        (44, None, "GapToLeader", "+1.5", "str", 1.5),
        (44, None, "X", "[]", "str", None),
        (44, None, "Y", None, "null", None),
        (44, None, "Ratio", "0.25", "num", 0.25),
        (44, None, "Status", "OnTrack", "str", None),
    ]


def test_item_lists_and_driver_keyed_topics():
    assert _rows("RaceControlMessages", {"Messages": {"5": {"Message": "TRACK CLEAR", "Lap": 3}}}) == [
        (None, 5, "Message", "TRACK CLEAR", "str", None),
        (None, 5, "Lap", "3", "num", 3.0),
    ]
    assert _rows("DriverList", {"1": {"Tla": "VER"}, "Lines": {"x": 1}}) == [
        (1, None, "Tla", "VER", "str", None),
        (None, None, "Lines.x", "1", "num", 1.0),
    ]
    # the same path under another topic is not driver-keyed: the split is per (topic, path)
    assert _rows("SessionData", {"1": {"Tla": "VER"}}) == [(None, None, "1.Tla", "VER", "str", None)]


def test_durations_and_numbers_in_text():
    payload = {"a": "01:02:03", "b": "-7", "c": "1:2", "d": "12:34.5x", "e": "L1"}
    assert [r[5] for r in _rows("X", payload)] == [3723.0, -7.0, 62.0, None, None]


def test_message_columns_repeat_on_every_leaf():
    table, _ = fields_table(7, [Message("X", 3, 1500, None, '{"a": 1, "b": {"c": 2}}'),
                                Message("X.z", 4, 1600, None, '{"skipped": 1}'),
                                Message("Y", 5, None, None, '"bare"')])
    rows = table.to_pylist()
    assert [(r["session_key"], r["topic"], r["seq"], r["offset_ms"], r["field"]) for r in rows] == [
        (7, "X", 3, 1500, "a"), (7, "X", 3, 1500, "b.c"), (7, "Y", 5, None, "")]


def test_the_decoders_parsed_values_give_the_same_table_as_parsing_again():
    # parse_jsonstream hands on what it parsed, and bronze.messages its utc, so the walk
    # parses nothing twice; the table must be the one the walk makes from the payload text
    from f1nb.bronze.messages import messages_table
    from f1nb.decode.jsonstream import encode_jsonstream, parse_jsonstream

    records = [(0, {"Lines": {"1": {"Sectors": [{"Value": "31.2"}, {}]}}}), (1000, None), (1500, []),
               (2000, {"Utc": "2024-07-05T11:30:00.123Z", "Messages": [{"Lap": 3}, {"Flag": "GREEN"}]}),
               (2500, {"Lines": {"44": {"Ratio": 0.25, "InPit": True}}}), (3000, {})]
    values: list = []
    messages, rejects = parse_jsonstream("TimingData", encode_jsonstream(records), values=values)
    assert not rejects and len(values) == len(messages) == len(records)
    assert values == [value for _, value in records]
    utc = messages_table(7, messages).column("utc")
    given, _ = fields_table(7, messages, values, utc)
    parsed, _ = fields_table(7, messages)
    assert given.num_rows == 10 and given.equals(parsed)
    assert given.column("utc").null_count == 7  # the Utc message's three leaves have it
