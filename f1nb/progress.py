"""Progress of long steps (generate, download, decode, build), one shape for every consumer.

A reporter is any `report(done, text)`: `done` is the fraction of the whole job in [0, 1],
`text` says what is being done. A terminal shows it with a tqdm bar (`terminal`); a log
(stderr not a TTY: a file, a pipe, CI) gets one plain line per stage instead (`plain`);
the picker widget moves its bar with it. A step reports a sub-range of its caller's job
through `span`, so no step needs to know how big the whole job is.
"""

from __future__ import annotations

import re
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
def terminal(description: str, enabled: bool = True, stream=None) -> Iterator[Report]:
    """Progress on `stream` (stderr): a live bar on a TTY, plain stage lines elsewhere.

    A bar redraws with a carriage return on every report (hundreds per demo); in a log
    each redraw is kept, so a log gets `plain` lines instead."""
    stream = sys.stderr if stream is None else stream
    if not enabled:
        yield silent
        return
    shown = bar if _is_tty(stream) else plain
    with shown(description, stream) as report:
        yield report


def _is_tty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream: not a terminal
        return False


@contextmanager
def bar(description: str, stream) -> Iterator[Report]:
    """A tqdm bar (per mille of the job, the current step as its postfix)."""
    from tqdm.auto import tqdm

    line = tqdm(total=1000, desc=description, leave=False, file=stream,
                bar_format="{desc}: {percentage:3.0f}%|{bar}| {elapsed} {postfix}")

    def report(done: float, text: str) -> None:
        line.update(max(0, int(done * 1000) - line.n))
        line.set_postfix_str(text, refresh=True)

    try:
        yield report
    finally:
        line.close()


# A step's text names its stage: the demo's generation reports per round and feed, a load
# per session, a build per model; a log wants one line per stage, not per step.
_STAGES = (
    (re.compile(r"^(round \d+ |simulating)"), "generate the demo archive"),
    (re.compile(r"^(loading .+ into Bronze)"), None),  # None: the matched text (one line per session)
    (re.compile(r"^building "), "build Silver and Gold"),
)


def stage_of(text: str) -> str:
    """The stage a step's text belongs to (its first word when no rule knows it)."""
    for pattern, name in _STAGES:
        found = pattern.match(text)
        if found:
            return name or found.group(1)
    return text.split(" ", 1)[0].rstrip("…:") or text


@contextmanager
def plain(description: str, stream) -> Iterator[Report]:
    """One line per stage, written when the stage ends, with its elapsed time; no bar."""
    start = time.perf_counter()
    state = {"stage": None, "since": start}
    lock = threading.Lock()

    def write(line: str) -> None:
        stream.write(f"{description}: {line}\n")
        stream.flush()

    def close_stage(now: float, how: str = "") -> None:
        if state["stage"] is not None:
            write(f"{state['stage']} ({how}{now - state['since']:.1f} s)")

    def report(done: float, text: str) -> None:
        stage = stage_of(text)
        with lock:
            if stage != state["stage"]:
                now = time.perf_counter()
                close_stage(now)
                state.update(stage=stage, since=now)

    try:
        yield report
    except BaseException:
        with lock:
            close_stage(time.perf_counter(), "stopped after ")
            state["stage"] = None
        raise
    with lock:
        close_stage(time.perf_counter())
    write(f"done in {time.perf_counter() - start:.1f} s")


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
