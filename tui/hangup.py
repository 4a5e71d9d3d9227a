"""Clean hang-ups: SIGHUP (an SSH drop), SIGTERM and SIGINT end ``wsdeck`` and ``tail`` properly.

On one of these signals every open connection is closed with 1001 (going away), the stop
events are recorded (and printed by ``tail``), the recording is flushed and fsynced, the
terminal is restored, and the process exits with status ``128 + signal number`` (the
shell's convention: 129 SIGHUP, 130 SIGINT, 143 SIGTERM), so a caller can tell "ended by a
signal" from "done" (0) and "failed" (1). All of it within the connections' largest
``close_timeout``, capped at :data:`LIMIT` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import signal
import sys
import termios
from collections.abc import Callable, Iterable
from types import FrameType

SIGNALS = (signal.SIGHUP, signal.SIGTERM, signal.SIGINT)
LIMIT = 2.0
"""Seconds from the signal to the exit, at most."""
RESERVE = 0.5
"""Part of the budget kept for writing the last events and leaving (not for closing)."""


def install(on_signal: Callable[[int], None]) -> Callable[[], None]:
    """Call ``on_signal(signum)`` in the running loop on each of :data:`SIGNALS`.

    Returns the function that puts the default handlers back. Outside the main thread
    (an App run by a test in a thread) signals cannot be caught: nothing is installed.
    """
    loop = asyncio.get_running_loop()
    installed: list[int] = []
    with contextlib.suppress(ValueError, RuntimeError):
        for signum in SIGNALS:
            loop.add_signal_handler(signum, on_signal, signum)
            installed.append(signum)

    def remove() -> None:
        for signum in installed:
            loop.remove_signal_handler(signum)

    return remove


def exit_status(signum: int) -> int:
    """``128 + signum``, as a shell reports a process ended by that signal."""
    return 128 + signum


def close_budget(close_timeouts: Iterable[float]) -> float:
    """Seconds the connections get to close: the largest ``close_timeout``, capped so that
    the whole hang-up, writing and leaving included, stays within :data:`LIMIT`."""
    budget = min(max(close_timeouts, default=LIMIT), LIMIT)
    return max(0.1, budget - RESERVE)


def resume_only_on_a_live_terminal() -> None:
    """Keep Textual from resuming its screen on a terminal that was hung up.

    Textual's LinuxDriver (8.2.x) resumes application mode on every SIGCONT, for ctrl+z. A
    hang-up (sshd or tmux closing the terminal) sends SIGCONT too, with SIGHUP: the resume
    starts a new output thread that dies at its first write (EIO), and the exit then waits
    for ever to hand it its last write: the process outlived its terminal. Once the
    terminal is hung up (EIO), SIGCONT only continues the process. Call after the driver
    is made (it installs its handler then); without a Textual handler nothing is changed.
    """
    resume = signal.getsignal(signal.SIGCONT)
    if not callable(resume):
        return

    def on_sigcont(signum: int, frame: FrameType | None) -> None:
        output = sys.__stderr__  # the driver's output
        try:
            if output is not None:
                termios.tcgetattr(output.fileno())
        except termios.error as error:
            if error.args[0] == errno.EIO:
                return
        except (OSError, ValueError):
            pass  # no terminal to ask: leave it to Textual
        resume(signum, frame)

    with contextlib.suppress(ValueError):  # not the main thread (an App run by a test)
        signal.signal(signal.SIGCONT, on_sigcont)
