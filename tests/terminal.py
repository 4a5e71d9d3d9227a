"""A child process on a real pseudo-terminal, for tests of the dashboard as a user runs it."""

from __future__ import annotations

import fcntl
import os
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable
from pathlib import Path

COLUMNS, ROWS = 120, 40
CTRL_Q = b"\x11"


def terminal_env() -> dict[str, str]:
    """This environment as a 256-colour xterm, without Textual's test switches."""
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "", "LINES": ""}
    return {k: v for k, v in env.items() if v and not k.startswith("TEXTUAL")}


def wsdeck_on_a_terminal(*args: str, cwd: Path, controlling: bool = False) -> Terminal:
    """``python -m tui ARGS`` on a 120x40 pseudo-terminal (see :class:`Terminal`)."""
    return Terminal(
        [sys.executable, "-m", "tui", *args], terminal_env(), cwd, controlling=controlling
    )


def run_to_exit(argv: list[str], cwd: Path, timeout: float = 30) -> tuple[int, bytes]:
    """Run ``argv`` on a pseudo-terminal until it exits: its status and everything it wrote."""
    terminal = Terminal(argv, terminal_env(), cwd)
    try:
        terminal.until(lambda: terminal.process.poll() is not None, timeout, "exit")
        terminal.pump(0.2)
    finally:
        terminal.close()
    return terminal.process.returncode, bytes(terminal.output)


class Terminal:
    """A child process on a pseudo-terminal; everything it writes is kept in ``output``."""

    def __init__(
        self, argv: list[str], env: dict[str, str], cwd: Path, *, controlling: bool = False
    ) -> None:
        """``controlling``: the terminal is the child's controlling terminal, as under sshd:
        closing our end then sends it SIGHUP and SIGCONT (the kernel's hang-up)."""
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))

        def take_terminal() -> None:  # in the child, after its setsid
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.process = subprocess.Popen(
            argv,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            cwd=cwd,
            start_new_session=True,
            preexec_fn=take_terminal if controlling else None,
        )
        os.close(slave)
        self.master = master
        self.output = bytearray()

    def pump(self, seconds: float) -> None:
        """Read whatever arrives for ``seconds`` (or until the child closes the terminal)."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([self.master], [], [], left)
            if not ready:
                continue
            try:
                chunk = os.read(self.master, 1 << 16)
            except OSError:  # EIO: the child is gone and the terminal closed
                return
            if not chunk:
                return
            self.output += chunk

    def until(self, predicate: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                tail = bytes(self.output[-2000:])
                raise AssertionError(f"{what}: not within {timeout} s; last output: {tail!r}")
            self.pump(0.05)

    def send(self, data: bytes) -> None:
        os.write(self.master, data)

    def drop(self) -> None:
        """Close our end, as sshd does when the connection goes: the child's writes fail."""
        if self.master >= 0:
            os.close(self.master)
            self.master = -1

    def close(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.drop()
