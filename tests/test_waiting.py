"""Ctrl-C ends f1nb's waits on other threads even when the kernel hands SIGINT to another thread
(the main thread, blocked on a lock without a timeout, was not woken: `f1nb load` sat out a
slow download)."""

from __future__ import annotations

import signal
import sys
import threading
import time
from concurrent.futures import Future

import pytest

from f1nb import waiting


@pytest.fixture
def ctrl_c_raises():
    """SIGINT raises KeyboardInterrupt (a run started with `&` by a non-interactive shell ignores it)."""
    old = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, old)


def _ctrl_c_on_another_thread(never: Future) -> threading.Timer:
    """Once the main thread waits (its stack shows it), a thread that takes SIGINT itself; and, as a
    guard, completes `never` a minute later: a wait that missed the signal wakes then (and only
    then hears the Ctrl-C) instead of hanging the suite."""
    main = threading.main_thread().ident

    def ctrl_c_when_main_waits() -> None:
        while not _waits_on_a_future(sys._current_frames().get(main)):
            time.sleep(0.01)
        signal.pthread_kill(threading.get_ident(), signal.SIGINT)

    guard = threading.Timer(60, lambda: never.done() or never.set_result("missed the Ctrl-C"))
    guard.start()
    threading.Thread(target=ctrl_c_when_main_waits).start()
    return guard


def _waits_on_a_future(frame) -> bool:
    """The stack is in concurrent.futures' waiting code (Future.result, wait)."""
    while frame is not None:
        if frame.f_code.co_filename.endswith(("concurrent/futures/_base.py", "concurrent\\futures\\_base.py")):
            return True
        frame = frame.f_back
    return False


@pytest.mark.parametrize("wait", [waiting.result, lambda f: list(waiting.as_completed([f]))],
                         ids=["result", "as_completed"])
def test_a_ctrl_c_taken_by_another_thread_ends_the_wait(ctrl_c_raises, wait):
    never: Future = Future()
    guard = None
    try:
        with pytest.raises(KeyboardInterrupt):
            guard = _ctrl_c_on_another_thread(never)
            wait(never)
    finally:
        if guard is not None:
            guard.cancel()
    assert not never.done(), "the wait heard the Ctrl-C only when the guard ended it"


def test_waits_give_what_the_futures_give():
    done: Future = Future()
    done.set_result(7)
    assert waiting.result(done) == 7
    failed: Future = Future()
    failed.set_exception(TimeoutError("the future's own"))
    with pytest.raises(TimeoutError, match="the future's own"):
        waiting.result(failed)
    assert list(waiting.as_completed([done, failed])) in ([done, failed], [failed, done])
