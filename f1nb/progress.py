"""Progress of long steps (generate, download, decode, build), one shape for every consumer.

A reporter is any `report(done, text)`: `done` is the fraction of the whole job in [0, 1],
`text` says what is being done. The terminal shows it with tqdm (`terminal`); the
picker widget moves its bar with it. A step reports a sub-range of its caller's job
through `span`, so no step needs to know how big the whole job is.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Report = Callable[[float, str], None]


def silent(done: float, text: str) -> None:
    """The reporter of a caller that does not watch."""


def span(report: Report | None, low: float, high: float) -> Report:
    """A reporter for a step that is the [low, high] part of `report`'s job."""
    if report is None:
        return silent
    return lambda done, text: report(low + (high - low) * min(max(done, 0.0), 1.0), text)


@contextmanager
def terminal(description: str, enabled: bool = True) -> Iterator[Report]:
    """A tqdm bar on stderr (per mille of the job, the current step as its postfix)."""
    if not enabled:
        yield silent
        return
    from tqdm.auto import tqdm

    bar = tqdm(total=1000, desc=description, leave=False, file=sys.stderr,
               bar_format="{desc}: {percentage:3.0f}%|{bar}| {elapsed} {postfix}")

    def report(done: float, text: str) -> None:
        bar.update(max(0, int(done * 1000) - bar.n))
        bar.set_postfix_str(text, refresh=True)

    try:
        yield report
    finally:
        bar.close()


@contextmanager
def heartbeat(report: Report, every_s: float = 0.25) -> Iterator[Report]:
    """`report`, plus a thread that keeps the bar moving inside the current step.

    Steps report where they start; one step can take seconds (writing a race's
    Bronze). Between reports the thread moves the bar a tenth of the way towards
    5 % past the last report (never beyond) each tick, and adds the seconds the
    step has taken to its text, so a watcher sees that work goes on. The bar never
    goes back: a report below what is shown keeps the shown value."""
    state = {"base": 0.0, "shown": 0.0, "text": "", "since": time.perf_counter()}
    lock = threading.Lock()
    stop = threading.Event()

    def step(done: float, text: str) -> None:
        with lock:
            state.update(base=done, shown=max(done, state["shown"]), text=text, since=time.perf_counter())
            report(state["shown"], text)

    def tick() -> None:
        while not stop.wait(every_s):
            with lock:
                target = min(1.0, state["base"] + 0.05)
                state["shown"] += max(0.0, target - state["shown"]) / 10
                report(state["shown"], f"{state['text']} ({time.perf_counter() - state['since']:.0f} s)")

    thread = threading.Thread(target=tick, name="f1nb-progress", daemon=True)
    thread.start()
    try:
        yield step
    finally:
        stop.set()
        thread.join()
