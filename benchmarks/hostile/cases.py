"""Every hostile input of issue 17, as a case the runner executes in a fresh process."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from cases_archive import ARCHIVE_LINES, tree

PY = sys.executable


@dataclass
class Case:
    item: int
    name: str
    setup: Callable  # tmp dir -> (argv, cleanup or None)
    describe: str = ""
    check: Callable | None = None  # output text -> suffix for the outcome ("" if fine)
    outside: Callable | None = None  # tmp dir -> True if a file was written outside the lake/record folder


def f1nb(*args: str) -> list[str]:
    return [PY, "-c", "import sys; from f1nb.cli import main; sys.exit(main())", *args]


def _archive_case(name: str, topic: str, line: bytes) -> Case:
    def setup(tmp: Path):
        path = tree(tmp / "r", topic, line)
        return f1nb("-q", "--lake", "l.duckdb", "--archive-url", f"file://{tmp}/r/", "load", "--path", path,
                    "--no-build"), None

    return Case(1, name, setup, f"f1nb --lake l.duckdb --archive-url file://$PWD/r/ load --path 2031/M/S/ --no-build")


def all_cases() -> list[Case]:
    cases = [_archive_case(name, topic, line) for name, (topic, line) in ARCHIVE_LINES.items()]
    for module in ("cases_decode", "cases_http", "cases_live", "cases_cli"):
        try:
            mod = __import__(module)
        except ImportError:
            continue
        cases.extend(mod.cases(Case, f1nb))
    return cases
