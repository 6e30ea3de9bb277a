"""Deep-merging live-timing patches into a topic's state, the way F1's clients do.

- a dict patch merges key by key into a dict;
- a dict patch keyed "0", "1", … onto a list patches those list items (index = len appends);
- ``"_deleted": [keys]`` removes those keys (or list indexes) at that level;
- anything else (scalars, lists, a dict onto a scalar) replaces the old value;
- ``"_kf": true`` (keyframe marker) is kept as an ordinary key.

`normalise` gives a comparable form of a state (lists as index-keyed dicts,
``_kf`` dropped) so two states that mean the same compare equal.
"""

from __future__ import annotations

import copy
from typing import Any


def _copy(value: Any) -> Any:
    return copy.deepcopy(value) if isinstance(value, (dict, list)) else value


def _delete(state: dict | list, keys: Any) -> None:
    if not isinstance(keys, list):
        keys = [keys]
    if isinstance(state, dict):
        for k in keys:
            state.pop(str(k), None)
        return
    idx = sorted({int(k) for k in keys if str(k).lstrip("-").isdigit()}, reverse=True)
    for i in idx:
        if 0 <= i < len(state):
            del state[i]


def _merge_list(state: list, patch: dict) -> list:
    for k, v in patch.items():
        if k == "_deleted":
            continue
        if not str(k).isdigit():
            continue
        i = int(k)
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
            state[k] = merge_value(state.get(k), v)
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
