"""Deep-merging live-timing patches into a topic's state, the way F1's clients do.

- a dict patch merges key by key into a dict;
- a dict patch keyed "0", "1", … onto a list patches those list items (index = len appends;
  an index up to `MAX_LIST_GAP` past the end pads with None; one further away turns the
  list into the index-keyed dict it means, so no patch can allocate an unbounded list);
- ``"_deleted": [keys]`` removes those keys (or list indexes) at that level;
- anything else (scalars, lists, a dict onto a scalar) replaces the old value;
- ``"_kf": true`` (keyframe marker) is kept as an ordinary key.

`normalise` gives a comparable form of a state (lists as index-keyed dicts,
``_kf`` dropped) so two states that mean the same compare equal.
"""

from __future__ import annotations

import copy
from typing import Any

from .limits import number_key

# F1 appends at index == len(list); a gap this wide is no list F1 sends.
MAX_LIST_GAP = 1024


def _copy(value: Any) -> Any:
    return copy.deepcopy(value) if isinstance(value, (dict, list)) else value


def _delete(state: dict | list, keys: Any) -> None:
    if not isinstance(keys, list):
        keys = [keys]
    if isinstance(state, dict):
        for k in keys:
            state.pop(str(k), None)
        return
    idx = sorted({i for k in keys if (i := number_key(str(k), digits=18)) is not None}, reverse=True)
    for i in idx:
        if i < len(state):
            del state[i]


def _as_dict(state: list) -> dict:
    return {str(i): v for i, v in enumerate(state)}


def _merge_list(state: list, patch: dict) -> list | dict:
    indexed = [(number_key(str(k), digits=18), v) for k, v in patch.items() if k != "_deleted"]
    if any(i is not None and i > len(state) + MAX_LIST_GAP for i, _ in indexed):
        return merge_value(_as_dict(state), patch)
    for i, v in indexed:
        if i is None:
            continue
        if i < len(state):
            state[i] = merge_value(state[i], v)
        else:
            while len(state) < i:
                state.append(None)
            state.append(merge_value(None, v))
    if "_deleted" in patch:
        _delete(state, patch["_deleted"])
    return state


def merge_value(state: Any, patch: Any) -> Any:
    """Merge `patch` into `state` (mutating it where it is a container); returns the new state."""
    if isinstance(patch, dict):
        if isinstance(state, list):
            return _merge_list(state, patch)
        if not isinstance(state, dict):
            state = {}
        for k, v in patch.items():
            if k == "_deleted":
                continue
            # a scalar replaces: no call per leaf (most of a feed's leaves)
            state[k] = merge_value(state.get(k), v) if isinstance(v, (dict, list)) else v
        if "_deleted" in patch:
            _delete(state, patch["_deleted"])
        return state
    return _copy(patch)


def merge_state(states: dict, topic: str, patch: Any) -> Any:
    """Merge one topic's patch into `states[topic]`."""
    states[topic] = merge_value(states.get(topic), patch)
    return states[topic]


def normalise(value: Any) -> Any:
    """A comparable copy: lists as {"0": …} dicts, `_kf` dropped."""
    if isinstance(value, dict):
        return {str(k): normalise(v) for k, v in value.items() if k != "_kf"}
    if isinstance(value, list):
        return {str(i): normalise(v) for i, v in enumerate(value)}
    return value


__all__ = ["merge_state", "merge_value", "normalise"]
