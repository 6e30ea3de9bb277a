"""Property-based fuzzing of every decoder and the merge (issue 17).

CI runs a fixed, derandomised set of examples per property (`F1NB_FUZZ_EXAMPLES`, default 60);
`python benchmarks/fuzz_long.py` runs the same properties with many more, randomised.
Properties: nothing raises (a bad input becomes a reject with a reason), every line is accounted
for, what is accepted is JSON a later stage can use, and the merge stays bounded.
"""

from __future__ import annotations

import os

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from f1nb.bronze.build import SessionSource, build_bronze
from f1nb.decode.jsonstream import encode_line, parse_jsonstream
from f1nb.decode.limits import MAX_DEPTH, depth_exceeds
from f1nb.decode.merge import MAX_LIST_GAP, merge_value, normalise
from f1nb.decode.recordings import decode_recording_text
from f1nb.decode.zpayload import deflate, payload_json
from tests.fuzz_strategies import JSON, deep, deflate_bytes, mutated

EXAMPLES = int(os.environ.get("F1NB_FUZZ_EXAMPLES", "60"))
RANDOM = os.environ.get("F1NB_FUZZ_RANDOM") == "1"
fuzz = settings(max_examples=EXAMPLES, derandomize=not RANDOM, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

SEED_LINES = [
    b'00:00:01.000{"Lines":{"44":{"Sectors":{"1":{"Value":"31.456"}},"NumberOfLaps":3}}}',
    b'00:00:01.500{"Lines":{"1":{"Stints":{"0":{"Compound":"SOFT","New":"true"}}}}}',
    b'00:00:02.000{"Messages":{"3":{"Utc":"2024-01-01T00:00:00","Message":"TRACK CLEAR"}}}',
    b'00:00:02.500{"Utc":"2024-01-01T13:00:00.1234567Z","_kf":true}',
    b'00:00:03.000{"Lines":{"44":{"BestLapTime":{"Value":"1:23.456","Lap":4}}},"_deleted":["16"]}',
]


def _assert_usable(payload: str) -> None:
    value = orjson.loads(payload_json(payload))  # a `.z` payload is kept as received: it inflates to JSON
    assert not depth_exceeds(value, MAX_DEPTH)


def _bronze(messages, rejects) -> dict:
    return build_bronze(SessionSource(1, {"session_key": 1}, messages, rejects, [], "fuzz"))


@fuzz
@given(st.lists(st.one_of(*(mutated(line) for line in SEED_LINES),
                          JSON.map(lambda v: encode_line(1000, v).encode()),
                          st.integers(1, 1200).map(lambda n: b"00:00:01.000" + deep(n).encode())),
                max_size=6))
def test_jsonstream_lines(lines):
    body = b"\xef\xbb\xbf" + b"\r\n".join(lines) + b"\r\n"
    messages, rejects = parse_jsonstream("TimingData", body)
    nonblank = [ln for ln in body[3:].split(b"\n") if ln.rstrip(b"\r").strip()]
    assert len(messages) + len(rejects) == len(nonblank)  # every line is a message or a reject
    for m in messages:
        _assert_usable(m.payload)
    tables = _bronze(messages, rejects)
    assert tables["messages"].num_rows + tables["rejects"].num_rows >= len(nonblank)
    assert tables["rejects"].num_rows >= len(rejects)


ENTRY = st.fixed_dictionaries({"Utc": st.sampled_from(["2024-01-01T00:00:00.1Z", "9999-12-31T23:59:59-23:59", "x"]),
                               "Cars": st.dictionaries(st.sampled_from(["44", "1", "²", "3000000000", "x"]),
                                                       st.fixed_dictionaries({"Channels": st.dictionaries(
                                                           st.sampled_from(["0", "2", "3", "45"]), JSON,
                                                           max_size=3)}) | JSON, max_size=3)})
FRAME = st.fixed_dictionaries({"Timestamp": st.sampled_from(["2024-01-01T00:00:00Z", "0001-01-01T00:00:00Z"]),
                               "Entries": st.dictionaries(st.sampled_from(["44", "²", "99999999999"]),
                                                          st.dictionaries(st.sampled_from(["X", "Y", "Z", "Status"]),
                                                                          JSON, max_size=4) | JSON, max_size=3)})
Z_PAYLOADS = st.one_of(
    st.lists(ENTRY, max_size=3).map(lambda e: deflate(orjson.dumps({"Entries": e}).decode())),
    st.lists(FRAME, max_size=3).map(lambda p: deflate(orjson.dumps({"Position": p}).decode())),
    JSON.map(lambda v: deflate(orjson.dumps(v).decode())),
    st.binary(max_size=64).map(deflate_bytes),  # inflates to anything
    st.binary(max_size=64).map(lambda b: __import__("base64").b64encode(b).decode()),  # not DEFLATE
    st.text(max_size=20),  # not base64
    st.integers(1, 400).map(lambda n: deflate(deep(n, "{\"a\":", "}").replace("}", "1}", 1))),
)


@fuzz
@given(st.lists(st.tuples(st.sampled_from(["CarData.z", "Position.z"]), Z_PAYLOADS), max_size=6))
def test_z_payloads(items):
    messages, rejects = [], []
    for topic in ("CarData.z", "Position.z"):
        lines = [encode_line(i * 100, p).encode() for i, (t, p) in enumerate(items) if t == topic]
        msgs, bad = parse_jsonstream(topic, b"\r\n".join(lines))
        assert len(msgs) + len(bad) == len(lines)
        messages += msgs
        rejects += bad
    tables = _bronze(messages, rejects)
    # every sample message either gave rows or became a reject, never both, never neither (unless empty)
    sample_rows = {("CarData.z", s) for s in tables["car_samples"].column("seq").to_pylist()}
    sample_rows |= {("Position.z", s) for s in tables["position_samples"].column("seq").to_pylist()}
    rejected = {(t, n) for t, n in zip(tables["rejects"].column("topic").to_pylist(),
                                       tables["rejects"].column("line_number").to_pylist())}
    assert not {(m.topic, m.seq) for m in messages} & sample_rows & rejected


UTC = st.sampled_from(["2024-01-01T00:00:00.000Z", "2024-01-01T00:00:00", "9999-12-31T23:59:59-23:59", "x", ""])
TOPIC = st.sampled_from(["TimingData", "CarData.z", "Heartbeat", "../../x", "a/b", ""]) | st.text(max_size=5)
PY_LITERAL = st.recursive(st.one_of(SCALAR_PY := st.one_of(st.integers(), st.text(max_size=5), st.none(),
                                                          st.binary(max_size=3)),),
                          lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.integers() | st.text(
                              max_size=3), inner, max_size=3) | st.frozensets(st.integers(), max_size=2),
                          max_leaves=10)


def _classic(t, p, u):
    return orjson.dumps({"H": "Streaming", "M": "feed", "A": [t, p, u]}).decode()


def _hub(frames):
    return orjson.dumps({"C": "d-1", "M": [{"H": "Streaming", "M": "feed", "A": list(f)} for f in frames]}).decode()


RECORDING_LINES = st.one_of(
    st.builds(_classic, TOPIC, JSON, UTC),
    st.lists(st.tuples(TOPIC, JSON, UTC), max_size=3).map(_hub),
    st.builds(lambda t, p, u: orjson.dumps({"Type": t, "Json": p, "DateTime": u}).decode(), TOPIC, JSON, UTC),
    st.builds(lambda t, p, u: repr([t, p, u]), TOPIC, PY_LITERAL, UTC),  # FastF1's format
    st.builds(lambda p: orjson.dumps({"R": {"TimingData": p}, "I": "1"}).decode(), JSON),
    st.integers(1, 1200).map(lambda n: '{"Type":"TimingData","Json":' + deep(n) + ',"DateTime":"2024-01-01T00:00:00Z"}'),
    st.integers(1, 400).map(lambda n: "['TimingData', " + deep(n) + ", '2024-01-01T00:00:00Z']"),
    st.text(max_size=30),
)


@fuzz
@given(st.lists(RECORDING_LINES, max_size=6), st.booleans())
def test_recording_formats(lines, mutate_bytes):
    text = "\n".join(lines) + "\n"
    out = decode_recording_text(text)
    for m in out.messages:
        _assert_usable(m.payload)
    for r in out.rejects:
        assert r.reason
    assert [m.seq for m in out.messages if m.topic == "TimingData"] == list(
        range(sum(m.topic == "TimingData" for m in out.messages)))
    _bronze(out.messages, out.rejects)


@fuzz
@given(st.lists(st.one_of(*(mutated(line.encode()) for line in (
    _classic("TimingData", {"Lines": {"44": {"Position": "1"}}}, "2024-01-01T00:00:00Z"),
    "['TimingData', {'Lines': {'44': {'Position': '1'}}}, '2024-01-01T00:00:00.000Z']",
    '{"Type":"LapCount","Json":{"CurrentLap":1},"DateTime":"2024-01-01T00:00:00Z"}'))), max_size=5))
def test_recording_bytes_mutated(lines):
    out = decode_recording_text(b"\n".join(lines).decode("utf-8", "replace") + "\n")
    for m in out.messages:
        _assert_usable(m.payload)


PATCH = st.dictionaries(st.sampled_from(["L", "0", "1", "5", "300000000", "²", "_deleted", "_kf", "-1"]),
                        JSON | st.lists(st.sampled_from(["0", "1", "²", "-1", "99999999999999999999"]), max_size=3),
                        max_size=4)


@fuzz
@given(st.lists(PATCH | JSON, max_size=8))
def test_merge(patches):
    state = None
    for patch in patches:
        state = merge_value(state, patch)
    normalise(state)

    def largest_list(v):
        if isinstance(v, dict):
            return max((largest_list(c) for c in v.values()), default=0)
        if isinstance(v, list):
            return max([len(v), *(largest_list(c) for c in v)])
        return 0

    assert largest_list(state) <= len(patches) * (MAX_LIST_GAP + 5)


INT64 = st.integers(-(2**63), 2**63 - 1)  # what orjson (and so F1's JSON) can carry


def _classic_text(t, p, u):
    return orjson.dumps({"C": "d-1", "M": [{"H": "Streaming", "M": "feed", "A": [t, p, u]}]})


LIVE_TEXTS = st.one_of(
    st.builds(_classic_text, TOPIC | INT64, JSON, UTC | INT64).map(bytes.decode),
    st.builds(lambda p: orjson.dumps({"R": {"TimingData": p, "Heartbeat": {"Utc": "9999-12-31T23:59:59-23:59"}},
                                      "I": "1"}).decode(), JSON),
    st.builds(lambda t, p: orjson.dumps({"C": "d", "M": [{"M": "feed", "A": [t, p, "2024-01-01T00:00:00Z"]}]}),
              st.sampled_from(["CarData.z", "Position.z"]), Z_PAYLOADS),
    st.integers(1, 1200).map(lambda n: '{"M":[{"M":"feed","A":["T",' + deep(n) + ',"2024-01-01T00:00:00Z"]}]}'),
    mutated(_classic_text("LapCount", {"CurrentLap": 1}, "2024-01-01T00:00:00Z")),
    st.binary(max_size=20),
    st.text(max_size=20),
)


@fuzz
@given(st.lists(LIVE_TEXTS, max_size=6), st.booleans())
def test_live_frames(texts, core):
    from f1nb.decode.messages import Message, Reject
    from f1nb.live import frames
    from f1nb.live.signalr import LiveClient

    got = []
    client = LiveClient("http://127.0.0.1:1/signalr", core=core, on_message=got.append)
    for text in texts:
        if core:
            text = (text.decode("utf-8", "replace") if isinstance(text, bytes) else text) + frames.RS
        client.on_text(text)  # never raises
    for item in got:
        assert isinstance(item, (Message, Reject))
        if isinstance(item, Message):
            _assert_usable(item.payload)
            assert item.utc is not None or item.topic in client.state
    tables = _bronze([m for m in got if isinstance(m, Message)], [r for r in got if isinstance(r, Reject)])
    assert tables["rejects"].num_rows >= sum(isinstance(r, Reject) for r in got)
