"""OpenBLAS's idle threads, kept out of the processes f1nb runs as its own.

numpy's wheels carry OpenBLAS, which starts a server thread per extra core when numpy is
imported; each spins (sched_yield) for about 0.1 s before it sleeps, and again after every
threaded BLAS call. f1nb does no BLAS work (its numpy is integer and element-wise), so in its
command and its demo writers that spin is CPU taken from DuckDB's threads: on this 2-core VM,
`import numpy` and 0.3 s of sleep cost 0.24-0.28 s of CPU with OpenBLAS's threads and
0.12-0.13 s without (2026-12-03), in each of `f1nb demo`'s three processes.

Only processes f1nb owns: a notebook's kernel is the user's, and its numpy keeps its threads.
A value the user set is kept.
"""

from __future__ import annotations

from collections.abc import MutableMapping

VARIABLE = "OPENBLAS_NUM_THREADS"


def one_blas_thread(env: MutableMapping[str, str]) -> MutableMapping[str, str]:
    """`env` with OpenBLAS on the calling thread alone, unless it says otherwise. Read once, when
    numpy is first imported: set it in a process's environment before then, or in a child's."""
    env.setdefault(VARIABLE, "1")
    return env
