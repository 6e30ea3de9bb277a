"""`--as NAME`: which notebook variables a magic may bind."""

from __future__ import annotations

import keyword
import re

_MISSING = object()


def check_free_name(shell, name: str, kinds: tuple[type, ...], usage: str) -> None:
    """A magic may bind a new name, or replace what f1nb itself bound there (an object of
    `kinds`); never a variable of the user's own or one IPython defines (In, Out, exit, …)."""
    from .subcommands import MagicUsageError

    if not re.fullmatch(r"[A-Za-z_]\w*", name) or keyword.iskeyword(name):
        raise MagicUsageError(usage, f"--as {name!r} is not a name")
    current = shell.user_ns.get(name, _MISSING)
    if current is _MISSING or isinstance(current, kinds):
        return
    whose = "IPython's" if name in getattr(shell, "user_ns_hidden", {}) else "your"
    raise MagicUsageError(usage, f"--as {name}: `{name}` already holds {whose} {type(current).__name__}; "
                                 f"choose another name (or `del {name}` first)")
