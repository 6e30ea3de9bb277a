"""Writes some sessions of the demo season in a process of its own (see demo.writer._start_worker).

    python -m f1nb.demo.session_worker ROOT CONFIG_JSON ROUND:NAME ...

Prints the written sessions as JSON on stdout."""

from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path

import orjson

from .config import DemoConfig
from .writer import write_session


def main(argv: list[str]) -> int:
    root, config, *jobs = argv
    fields = orjson.loads(config)
    cfg = DemoConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in fields.items()})
    written = [write_session(Path(root), cfg, int(job.split(":", 1)[0]), job.split(":", 1)[1]) for job in jobs]
    rows = [{**asdict(sp), "directory": str(sp.directory)} for sp in written]
    sys.stdout.buffer.write(orjson.dumps(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
