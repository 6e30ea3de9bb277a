"""Arrow's memory pool: a lake makes jemalloc the process's default where pyarrow has it,
and leaves a pool the user chose alone (each case in a fresh process: the pool is global)."""

from __future__ import annotations

import os
import subprocess
import sys

import pyarrow as pa
import pytest

try:
    pa.jemalloc_memory_pool()
    HAS_JEMALLOC = True
except (NotImplementedError, pa.ArrowException):
    HAS_JEMALLOC = False

needs_jemalloc = pytest.mark.skipif(not HAS_JEMALLOC, reason="this pyarrow is built without jemalloc")


def _pool_after_opening_a_lake(before: str = "", env: dict | None = None) -> str:
    code = (f"import pyarrow as pa\n{before}\nfrom f1nb.lake.lake import Lake\n"
            "with Lake(':memory:'):\n    print(pa.default_memory_pool().backend_name)\n")
    environ = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"} | (env or {})
    out = subprocess.run([sys.executable, "-c", code], env=environ, capture_output=True, text=True, check=True)
    return out.stdout.strip()


@needs_jemalloc
def test_opening_a_lake_makes_jemalloc_arrows_pool():
    assert _pool_after_opening_a_lake() == "jemalloc"


def test_a_pool_chosen_by_environment_is_kept():
    assert _pool_after_opening_a_lake(env={"ARROW_DEFAULT_MEMORY_POOL": "system"}) == "system"


def test_a_pool_set_by_the_user_is_kept():
    assert _pool_after_opening_a_lake("pa.set_memory_pool(pa.system_memory_pool())") == "system"

