"""The fuzz suite (tests/test_fuzz.py) run long and randomised, instead of CI's fixed examples.

    python benchmarks/fuzz_long.py                  # 2,000 random examples per property
    python benchmarks/fuzz_long.py --examples 20000 -k merge

Prints pytest's summary and the time per property; a failure prints hypothesis's minimal example
(add it to tests/test_hostile_lines.py or the strategies as a regression)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--examples", type=int, default=2000)
    ap.add_argument("-k", default="", help="only properties whose name contains this")
    args = ap.parse_args()
    env = dict(os.environ, F1NB_FUZZ_EXAMPLES=str(args.examples), F1NB_FUZZ_RANDOM="1",
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--timeout=0", "--durations=0",
           str(ROOT / "tests" / "test_fuzz.py")] + (["-k", args.k] if args.k else [])
    return subprocess.call(cmd, cwd=ROOT, env=env)


if __name__ == "__main__":
    sys.exit(main())
