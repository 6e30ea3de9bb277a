"""Arrow's memory pool for the process: jemalloc, where pyarrow has it and nobody chose another.

pyarrow's default pool on Linux is mimalloc, which asks the kernel for transparent huge
pages. Where THP is in `madvise` mode with `defrag=madvise` (this VM, and common on cloud
machines), each fresh huge page is compacted synchronously on first touch: a load's first
15 MB string column took 0.21-0.30 s against 0.02 s the second time, in every fresh
process. With jemalloc the race demo's telemetry load (bronze) took 2.3-2.5 s instead of
3.6-3.8 s and peaked 40 MB lower; `f1nb demo` 11.8-12.2 s instead of 12.0-13.0 s, peak
500-514 MB instead of 551-582 MB, system CPU 2.4-2.6 s instead of 3.0-3.7 s (3 alternating
runs each, `ARROW_DEFAULT_MEMORY_POOL` set either way, 2026-12-03).

The pool is the process's: a user who sets `ARROW_DEFAULT_MEMORY_POOL`, or calls
`pyarrow.set_memory_pool` with anything but the default mimalloc, keeps their choice.
Buffers already made keep the pool that made them.
"""

from __future__ import annotations

import os


def prefer_jemalloc() -> None:
    """Make jemalloc Arrow's default pool if the default is still mimalloc."""
    import pyarrow as pa

    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL") or pa.default_memory_pool().backend_name != "mimalloc":
        return
    try:
        pa.set_memory_pool(pa.jemalloc_memory_pool())
    except (NotImplementedError, pa.ArrowException):  # a pyarrow built without jemalloc (Windows wheels)
        pass
