"""A time limit for one stage of a build (template, Markdown parse, rendering).

``deadline(seconds, what)`` raises ``DeadlineExceeded`` inside the block once ``seconds`` have
passed. It uses SIGALRM, so it works in the main thread of a process on POSIX systems (the CLI,
and each worker process of a batch); elsewhere the block runs without a time limit. The exception
derives from BaseException so that no ``except Exception`` inside a library swallows it.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

__all__ = ["DeadlineExceeded", "deadline"]


class DeadlineExceeded(BaseException):
    """A stage ran past its time limit. ``str()`` says which stage and the limit in seconds."""


@contextlib.contextmanager
def deadline(seconds: float, what: str) -> Iterator[None]:
    """Run the block with a limit of ``seconds`` (wall clock); raises DeadlineExceeded naming
    ``what`` (e.g. "the template") when it is passed. Nested deadlines keep the outer one's
    handler and restore it afterwards."""
    usable = hasattr(signal, "SIGALRM") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def on_alarm(signum: int, frame: object) -> None:
        raise DeadlineExceeded(f"{what} ran for more than {seconds:g} seconds")

    previous_handler = signal.signal(signal.SIGALRM, on_alarm)
    previous_left, _ = signal.getitimer(signal.ITIMER_REAL)
    signal.setitimer(signal.ITIMER_REAL, seconds if not previous_left else min(seconds, previous_left))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if previous_left:
            signal.setitimer(signal.ITIMER_REAL, max(previous_left - seconds, 0.001))
