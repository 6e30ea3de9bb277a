"""The samples decode in slices of the inflated payloads (bounded memory): any slice size gives
the same rows and the same rejects as one slice, bad messages included."""

from __future__ import annotations

import orjson
import pyarrow as pa

from f1nb.bronze import samples
from f1nb.decode.messages import Message
from f1nb.decode.zpayload import deflate


def _messages() -> list[Message]:
    out = []
    for seq in range(60):
        utc = f"2024-07-05T11:50:{seq % 60:02d}.{seq:03d}Z"
        cars = {str(n): {"Channels": {"0": 10000 + seq, "2": 200 + n, "3": 7, "4": 100, "5": 0, "45": 8}}
                for n in (1, 44, 16)}
        body = {"Entries": [{"Utc": utc, "Cars": cars}, {"Utc": utc, "Cars": {}}]}
        if seq == 31:
            body = {"Entries": [{"Utc": "yesterday", "Cars": cars}]}  # rejected by the Python decoder
        if seq == 45:
            body = "not json"
        payload = deflate(body if isinstance(body, str) else orjson.dumps(body).decode())
        if seq == 50:
            payload = "not base64!"
        out.append(Message("CarData.z", seq, None, None, payload))
    return out


def test_any_slice_size_gives_the_same_samples_and_rejects(monkeypatch):
    messages = _messages()
    monkeypatch.setattr(samples, "_SLICE_BYTES", 1 << 40)
    whole, whole_rejects = samples.car_samples_table(7, messages)
    for size in (1, 300, 1000, 5000):
        monkeypatch.setattr(samples, "_SLICE_BYTES", size)
        parts = list(samples.iter_samples(7, messages, "CarData.z"))
        assert len(parts) > 1
        table = pa.concat_tables([p.table for p in parts])
        assert table.sort_by([("seq", "ascending")]).equals(whole.sort_by([("seq", "ascending")])), size
        assert [r for p in parts for r in p.rejects] == whole_rejects, size
        assert set().union(*(p.unusable for p in parts)) == {45, 50}  # not JSON, not base64: left out of messages
    assert whole.num_rows == 57 * 3 and [r.line_number for r in whole_rejects] == [31, 45, 50]


def test_rows_out_of_the_payloads_order_are_put_back_in_it():
    # the decode's SQL has no ORDER BY (its sort was a quarter of the decode): rows are checked to
    # come in (message, frame, entry) order, and sorted if they do not
    ordered = pa.table({"ord": [0, 0, 0, 1, 1, 2], "_i": [0, 0, 1, 0, 0, 0], "_j": [0, 1, 0, 0, 1, 0],
                        "x": list("abcdef")})
    assert samples._in_payload_order(ordered) is ordered
    for order in ([5, 4, 3, 2, 1, 0], [1, 0, 2, 3, 4, 5], [0, 2, 1, 3, 4, 5], [0, 1, 2, 4, 3, 5]):
        shuffled = ordered.take(pa.array(order))
        assert samples._in_payload_order(shuffled).to_pydict() == ordered.to_pydict()
