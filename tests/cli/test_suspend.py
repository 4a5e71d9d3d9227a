"""``ctrl+z`` in the dashboard suspends it as in a shell, and ``fg`` (SIGCONT) brings it back.

Typed into a real terminal: Textual's raw mode turns ctrl+z into a key, so without a
binding it did nothing and the operator could not put wsdeck in the background.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

from tests.terminal import CTRL_Q, Terminal, wsdeck_on_a_terminal

CTRL_Z = b"\x1a"
WAIT = 20.0
LEAVE_ALTERNATE_SCREEN = b"\x1b[?1049l"
ENTER_ALTERNATE_SCREEN = b"\x1b[?1049h"


def _state(pid: int) -> str:
    """The process state letter of ``pid`` (``T``: stopped)."""
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rpartition(")")[2].split()[0]


def test_ctrl_z_suspends_and_sigcont_resumes(tmp_path: Path) -> None:
    config = tmp_path / "wsdeck.toml"
    config.write_text('[[connections]]\nname = "first"\nurl = "ws://127.0.0.1:9/"\n')
    terminal: Terminal = wsdeck_on_a_terminal("--config", str(config), cwd=tmp_path)
    pid = terminal.process.pid
    try:
        terminal.until(lambda: b"Restart" in terminal.output, WAIT, "the dashboard")
        terminal.send(CTRL_Z)
        terminal.until(lambda: _state(pid) == "T", WAIT, "stopped after ctrl+z")
        # The terminal was given back to the shell before the stop.
        assert LEAVE_ALTERNATE_SCREEN in terminal.output
        terminal.output.clear()
        os.kill(pid, signal.SIGCONT)  # what the shell's fg sends
        terminal.until(lambda: ENTER_ALTERNATE_SCREEN in terminal.output, WAIT, "resumed")
        terminal.until(lambda: b"Restart" in terminal.output, WAIT, "the dashboard redrawn")
        terminal.send(CTRL_Q)
        terminal.until(lambda: terminal.process.poll() is not None, WAIT, "exit after ctrl+q")
    finally:
        terminal.close()
    assert terminal.process.returncode == 0
