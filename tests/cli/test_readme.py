"""Every ``sh`` example of the README runs as written, against the demo server it starts.

How an example block is run is said by the HTML comment right above its fence:

- none: each command (a line that does not start with ``#``) runs in ``sh -c``; the
  ``# → TEXT`` lines after it are its expected stdout, line by line (``…`` stands for any
  text, ``HH:MM:SS.mmm`` for the clock of ``--format text``), and ``# exit status N`` its
  expected exit status (default 0). Every command must expect something.
- ``<!-- example: server -->``: the demo server the other examples talk to. It is started
  once, on a free port instead of 8765 (several test runs share this machine), and that
  port replaces 8765 in every other example.
- ``<!-- example: dashboard TEXT -->``: opens the dashboard. It runs on a pseudo-terminal
  until TEXT is on screen and a connection is open, then gets SIGTERM and must exit
  with 143, leaving the alternate screen.
- ``<!-- example: not run — REASON -->``: not run here, for the reason given (the set-up
  commands, which install into ``.venv`` and run this very suite). The last step of the
  first one, ``.venv/bin/wsdeck demo``, runs on a pseudo-terminal like a dashboard example.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.terminal import Terminal, terminal_env

README = Path(__file__).resolve().parents[2] / "README.md"
README_PORT = "8765"
_BLOCK = re.compile(r"(?:<!-- example: (?P<marker>[^\n]*?) -->\n)?```sh\n(?P<body>.*?)```", re.S)
_CLOCK = re.compile(r"\b\d\d:\d\d:\d\d\.\d\d\d\b")
BIN = str(Path(sys.executable).parent)  # where the wsdeck script of this install lives


@dataclass
class Command:
    """One command of an example block and what it must do."""

    line: str
    expected: list[str] = field(default_factory=list)
    status: int | None = None


@dataclass
class Block:
    """One ``sh`` block: how it is run (its marker) and its commands."""

    marker: str
    commands: list[Command]


def _blocks() -> list[Block]:
    blocks = []
    for match in _BLOCK.finditer(README.read_text(encoding="utf-8")):
        commands: list[Command] = []
        for line in match.group("body").splitlines():
            if line.startswith("# → "):
                commands[-1].expected.append(line.removeprefix("# → "))
            elif line.startswith("# exit status "):
                commands[-1].status = int(line.removeprefix("# exit status "))
            elif line.strip() and not line.startswith("#"):
                commands.append(Command(line))
        blocks.append(Block(match.group("marker") or "", commands))
    return blocks


BLOCKS = _blocks()
RUN = [c for b in BLOCKS if not b.marker for c in b.commands]
DASHBOARD = [
    (b.marker.split(" ", 1)[1], c)
    for b in BLOCKS
    if b.marker.startswith("dashboard ")
    for c in b.commands
]


def test_every_example_is_accounted_for() -> None:
    """No block is passed over without a stated reason, and every command is checked."""
    assert len(BLOCKS) >= 6
    for block in BLOCKS:
        kind = block.marker.split(" ", 1)[0]
        assert kind in ("", "server", "dashboard", "not"), block.marker
        if kind == "not":
            assert re.fullmatch(r"not run — \S.+", block.marker), "say why it is not run"
        assert block.commands, block
    assert [b.marker for b in BLOCKS].count("server") == 1
    assert RUN
    assert DASHBOARD
    for command in RUN + [c for _, c in DASHBOARD]:
        assert "wsdeck" in command.line, command.line
    for command in RUN:
        assert command.expected or command.status is not None, f"nothing to check: {command.line}"


@pytest.fixture(scope="module")
def port() -> Iterator[str]:
    """The README's demo server, as its example starts it, on a free port."""
    (server,) = [b for b in BLOCKS if b.marker == "server"]
    (command,) = server.commands
    line = command.line.replace(f"--port {README_PORT}", "--port 0")
    process = subprocess.Popen(
        ["sh", "-c", f"exec {line}"],
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"},
    )
    assert process.stdout is not None
    try:
        first = process.stdout.readline()
        found = re.search(r"listening on ws://127\.0\.0\.1:(\d+)", first)
        assert found, first
        yield found.group(1)
    finally:
        process.terminate()
        process.wait(timeout=10)


def _matches(expected: str, actual: str) -> bool:
    pattern = ".*".join(re.escape(part) for part in expected.split("…"))
    return re.fullmatch(pattern, _CLOCK.sub("HH:MM:SS.mmm", actual)) is not None


@pytest.mark.parametrize("command", RUN, ids=[c.line[:60] for c in RUN])
def test_example_runs_verbatim(command: Command, port: str) -> None:
    line = command.line.replace(README_PORT, port)
    result = subprocess.run(
        ["sh", "-c", line],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"},
    )
    assert result.returncode == (command.status or 0), result.stdout + result.stderr
    expected = [e.replace(README_PORT, port) for e in command.expected]
    lines = result.stdout.splitlines()
    assert len(lines) == len(expected), result.stdout
    for want, got in zip(expected, lines, strict=True):
        assert _matches(want, got), f"expected {want!r}, got {got!r}"


@pytest.mark.parametrize(("text", "command"), DASHBOARD, ids=[c.line[:60] for _, c in DASHBOARD])
def test_dashboard_example_opens_and_hangs_up(
    text: str, command: Command, port: str, tmp_path: Path
) -> None:
    _open_and_hang_up(
        command.line.replace(README_PORT, port), text.replace(README_PORT, port), tmp_path
    )


def test_the_set_up_opens_the_demo(tmp_path: Path) -> None:
    set_up = next(b for b in BLOCKS if b.marker.startswith("not run") and "demo" in b.marker)
    (command,) = set_up.commands
    last = command.line.rsplit("&&", 1)[1].strip()
    assert last == ".venv/bin/wsdeck demo"
    _open_and_hang_up(last.replace(".venv/bin/", f"{BIN}/"), "ticker", tmp_path)


def _open_and_hang_up(line: str, text: str, cwd: Path) -> None:
    """Run ``line`` on a terminal until ``text`` is on screen and a connection is open, then
    SIGTERM: it must leave the alternate screen and exit 143."""
    env = {**terminal_env(), "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    terminal = Terminal(["sh", "-c", f"exec {line}"], env, cwd)
    try:
        shown = text.encode()
        terminal.until(lambda: shown in terminal.output, 30, f"{text} on screen")
        terminal.until(lambda: b"open" in terminal.output, 30, "an open connection")
        mark = len(terminal.output)
        os.kill(terminal.process.pid, signal.SIGTERM)
        terminal.until(lambda: terminal.process.poll() is not None, 10, "exit")
        terminal.pump(0.2)
    finally:
        terminal.close()
    assert terminal.process.returncode == 128 + signal.SIGTERM
    assert b"\x1b[?1049l" in terminal.output[mark:]
