"""Bounds every decoder applies to what it accepts, so no input can crash or exhaust a later stage.

F1's own messages nest at most 6 levels and name list indexes below a few
thousand; each bound here is far above anything F1 sends and far below what
breaks Python (recursion), orjson (`dumps` stops at 255 levels) or memory.
"""

from __future__ import annotations

from ..errors import DecodeError

# JSON nesting a decoder accepts. Deeper values are rejected: the merge and the
# fields walk recurse once per level, and orjson cannot write 255 levels.
MAX_DEPTH = 64


def depth_exceeds(value: object, limit: int = MAX_DEPTH) -> bool:
    """True when `value` nests containers deeper than `limit` (iterative: any depth is safe)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, (list, tuple)):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list, tuple)))
    return False


def check_depth(value: object, text: str | None = None, limit: int = MAX_DEPTH) -> None:
    """Raise DecodeError for a value nested deeper than `limit`. With the JSON
    `text`, values with fewer brackets than the limit (nearly all) are not walked."""
    if text is not None and text.count("{") + text.count("[") <= limit:
        return
    if depth_exceeds(value, limit):
        raise DecodeError(f"JSON nested deeper than {limit} levels")


def number_key(key: str, digits: int = 9) -> int | None:
    """An ASCII decimal key ('44', '0') as an int; None for anything else ('²', '-1', or
    more than `digits` digits, which would not fit the int32 columns it goes to)."""
    if 0 < len(key) <= digits and key.isascii() and key.isdigit():
        return int(key)
    return None
