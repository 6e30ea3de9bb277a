"""Writes some sessions of the demo season in a process of its own (see demo.workers).

    python -m f1nb.demo.session_worker ROOT CONFIG_JSON ROUND:NAME ...

Prints one JSON line per step ({"job", "done", "text"}) and one per session written
({"job", "written"}), as they happen, so the caller can load a session while this
process writes the next."""

from __future__ import annotations

import sys
from pathlib import Path

import orjson

from .config import DemoConfig
from .workers import session_row
from .writer import write_session


def _emit(row: dict) -> None:
    sys.stdout.buffer.write(orjson.dumps(row) + b"\n")
    sys.stdout.buffer.flush()


def main(argv: list[str]) -> int:
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
