"""Options that the `f1nb` command and the `%f1` magics share: one definition, one set of defaults.

Kept import-light: the CLI builds its parser from these before it knows which command runs.
"""

from __future__ import annotations


def add_live_options(p) -> None:
    """The options `f1nb live` and `%f1 live` share (one definition, one set of defaults)."""
    p.add_argument("--replay", metavar="SOURCE",
                   help="replay a recording file/folder, an archive session folder or 'demo'")
    p.add_argument("--speed", type=float, default=0.0,
                   help="replay speed factor (default 0: as fast as possible; 1: real time)")
    p.add_argument("--record", metavar="DIR", help="also write the session in the archive layout under DIR")
    p.add_argument("--core", action="store_true", help="use SignalR Core (/signalrcore) instead of classic /signalr")
    p.add_argument("--replace", action="store_true",
                   help="replace a copy of the session already in the lake (default: refuse, keeping it)")
