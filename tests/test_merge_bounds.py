"""Issue 17 item 8: the deep merge (live client, replay server, SessionInfo) is bounded and never raises."""

from __future__ import annotations

import tracemalloc

from f1nb.decode.merge import MAX_LIST_GAP, merge_state, merge_value, normalise


def test_an_index_far_past_a_list_turns_it_into_the_dict_it_means():
    tracemalloc.start()
    state = merge_value(merge_value(None, {"L": [1]}), {"L": {"300000000": 1}})
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert state == {"L": {"0": 1, "300000000": 1}}
    assert peak < 1_000_000  # was a 300-million-item list (2.5 GB)
    assert normalise(state) == normalise({"L": [1]}) | {"L": {"0": 1, "300000000": 1}}


def test_a_gap_within_the_bound_still_pads_the_list():
    assert merge_value([1], {"3": 2}) == [1, None, None, 2]
    assert merge_value([1], {"1": 2}) == [1, 2]
    state = merge_value([], {str(MAX_LIST_GAP): 1})
    assert isinstance(state, list) and len(state) == MAX_LIST_GAP + 1
    assert isinstance(merge_value([], {str(MAX_LIST_GAP + 1): 1}), dict)


def test_deleted_keys_that_are_no_plain_numbers_are_ignored_on_lists():
    assert merge_value([1, 2, 3], {"_deleted": ["²", "-1", "x", None, {"a": 1}, "1"]}) == [1, 3]
    assert merge_value({"a": 1, "²": 2}, {"_deleted": ["²", [1]]}) == {"a": 1}
    assert merge_value([1], {"²": 5, "0": 7}) == [7]  # a non-numeric key on a list is ignored, as before


def test_the_live_client_and_the_replay_server_use_this_merge():
    from f1nb.live import replay, signalr

    assert signalr.merge_state is merge_state and replay.merge_value is merge_value
