"""Waits that Ctrl-C can end.

CPython runs a signal's Python handler on the main thread, but the kernel hands SIGINT to any
thread of the process: when another thread takes it, a main thread blocked on a lock without a
timeout (`Future.result()`, `as_completed`) is not woken, and sleeps on until what it waits for
happens — on a slow download, minutes (`f1nb load 2099` ignored Ctrl-C while its files trickled
in, now and then, on a busy machine). Waiting in slices wakes it to run the handler.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures import TimeoutError as FutureTimeout

SLICE_S = 0.2  # longest a Ctrl-C waits to be heard


def result(future: Future):
    """`future.result()`, waking every SLICE_S."""
    while True:
        try:
            return future.result(timeout=SLICE_S)
        except FutureTimeout:
            if future.done():  # the future's own exception was a TimeoutError
                raise


def as_completed(futures: Iterable[Future]) -> Iterator[Future]:
    """`concurrent.futures.as_completed(futures)`, waking every SLICE_S."""
    pending = set(futures)
    while pending:
        done, pending = wait(pending, timeout=SLICE_S, return_when=FIRST_COMPLETED)
        yield from done
