"""Writes some sessions of the demo season in a process of its own (see demo.workers).

    python -m f1nb.demo.session_worker ROOT CONFIG_JSON ROUND:NAME ...

Prints one JSON line per step ({"job", "done", "text"}) and one per session written
({"job", "written"}), as they happen, so the caller can load a session while this
process writes the next."""

from __future__ import annotations

import gc
import sys
from pathlib import Path

import orjson

from ..arrow_memory import prefer_jemalloc
from .config import DemoConfig
from .workers import session_row
from .writer import write_session


def _emit(row: dict) -> None:
    sys.stdout.buffer.write(orjson.dumps(row) + b"\n")
    sys.stdout.buffer.flush()


class _NoPandas:
    """An import finder that says pandas is not installed. pyarrow imports pandas on the first
    array it builds, to ask whether that array is a pandas object (0.4 s of CPU, in each worker
    and beside the caller's load on a 2-core machine); this process builds arrays from numpy and
    lists only, and told there is no pandas, pyarrow does not look again."""

    def find_spec(self, name, path=None, target=None):
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError(f"f1nb's demo worker does not import {name}", name=name)
        # any other module: None, and the next finder looks for it


def main(argv: list[str]) -> int:
    sys.meta_path.insert(0, _NoPandas())
    # The generator makes millions of short-lived dicts, lists and tuples and no reference
    # cycles, so reference counting frees everything and the cyclic collector only rescans
    # them: its passes were ~15% of the generation's CPU (the demo season on one process,
    # 5.6 -> 4.8 s, median of 5 alternating runs). This process ends when its sessions are written.
    gc.disable()
    prefer_jemalloc()
    root, config, *jobs = argv
    fields = orjson.loads(config)
    cfg = DemoConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in fields.items()})
    for job in jobs:
        rnd, name = job.split(":", 1)
        written = write_session(Path(root), cfg, int(rnd), name,
                                lambda done, text, job=job: _emit({"job": job, "done": done, "text": text}))
        _emit({"job": job, "written": session_row(written)})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
