"""Clean hang-ups in a real terminal: SIGHUP, SIGTERM and SIGINT during a 50 msgs/s stream.

``wsdeck tail --record`` and the dashboard (``wsdeck --record URL``) must close the
connection with 1001, record (and for ``tail`` print) its stop event, keep every message
received before the signal, restore the terminal and exit with 128 + signum in time.
"""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from tests.terminal import Terminal, wsdeck_on_a_terminal
from tui import hangup

LEAVE_ALTERNATE_SCREEN = b"\x1b[?1049l"
SIGNALS = [signal.SIGHUP, signal.SIGTERM, signal.SIGINT]
# Every test here times the exit: alone, so the other worker's tests do not stretch it.
pytestmark = pytest.mark.serial
# Measured from the signal to the process's exit: close_timeout (10 s here) capped at 2 s.
EXIT_WITHIN = hangup.LIMIT


def _recorded(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    lines = path.read_text().splitlines()
    complete = lines if path.read_text().endswith("\n") else lines[:-1]
    return [json.loads(line) for line in complete]


def _ticker_seqs(events: list[dict[str, Any]]) -> list[int]:
    return [json.loads(e["text"])["seq"] for e in events if e["event"] == "receive"]


def _hang_up(terminal: Terminal, signum: int) -> float:
    """Send ``signum`` and return the seconds until the process exited."""
    sent = time.monotonic()
    os.kill(terminal.process.pid, signum)
    terminal.until(lambda: terminal.process.poll() is not None, 10, "exit after the signal")
    elapsed = time.monotonic() - sent
    terminal.pump(0.2)
    return elapsed


def _check_recording(events: list[dict[str, Any]], before: int, name: str) -> None:
    """A gap-free stream from message 1 that ends with the client's 1001 stop."""
    seqs = _ticker_seqs(events)
    assert len(seqs) >= before
    assert seqs == list(range(1, len(seqs) + 1)), "a message received is missing"
    assert events[0]["event"] == "start"
    assert events[-1]["event"] == "stop", events[-3:]
    assert (events[-1]["code"], events[-1]["by"], events[-1]["connection"]) == (
        1001,
        "client",
        name,
    )
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))


@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: signal.Signals(s).name)
def test_tail_hangs_up_cleanly(demo_url: str, tmp_path: Path, signum: int) -> None:
    record = tmp_path / "rec.jsonl"
    url = f"{demo_url}/ticker?rate=50"
    terminal = wsdeck_on_a_terminal("tail", url, "--record", str(record), cwd=tmp_path)
    try:
        terminal.until(lambda: terminal.output.count(b'"event":"receive"') >= 20, 30, "messages")
        printed_before = terminal.output.count(b'"event":"receive"')
        elapsed = _hang_up(terminal, signum)
    finally:
        terminal.close()
    assert terminal.process.returncode == 128 + signum
    assert elapsed < EXIT_WITHIN, elapsed
    events = _recorded(record)
    _check_recording(events, printed_before, "ticker")
    printed = [json.loads(line) for line in bytes(terminal.output).decode().splitlines() if line]
    assert printed == events  # every recorded event is printed, the stop included


@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: signal.Signals(s).name)
def test_the_dashboard_hangs_up_cleanly(demo_url: str, tmp_path: Path, signum: int) -> None:
    record = tmp_path / "rec.jsonl"
    config = tmp_path / "wsdeck.toml"
    config.write_text("")
    url = f"{demo_url}/ticker?rate=50"
    terminal = wsdeck_on_a_terminal(
        "--config", str(config), "--record", str(record), url, cwd=tmp_path
    )
    try:
        # The URL starts at once; the recording is flushed at least once a second.
        terminal.until(lambda: len(_ticker_seqs(_recorded(record))) >= 20, 30, "recorded messages")
        terminal.pump(0.3)
        recorded_before = len(_ticker_seqs(_recorded(record)))
        mark = len(terminal.output)
        elapsed = _hang_up(terminal, signum)
    finally:
        terminal.close()
    assert terminal.process.returncode == 128 + signum
    assert elapsed < EXIT_WITHIN, elapsed
    assert LEAVE_ALTERNATE_SCREEN in terminal.output[mark:]  # the terminal is restored
    _check_recording(_recorded(record), recorded_before, "ticker")


@pytest.mark.parametrize("dashboard", [False, True], ids=["tail", "dashboard"])
def test_exit_in_time_when_the_server_never_answers_the_close(
    deaf_url: str, tmp_path: Path, dashboard: bool
) -> None:
    # close_timeout is 10 s by default: the hang-up must not wait for it, and the stop
    # event of the connection it drops is still recorded.
    record = tmp_path / "rec.jsonl"
    config = tmp_path / "wsdeck.toml"
    config.write_text("")
    args = ["--config", str(config), "--record", str(record), deaf_url]
    terminal = wsdeck_on_a_terminal(*([] if dashboard else ["tail"]), *args, cwd=tmp_path)
    try:
        terminal.until(lambda: bool(_recorded(record)), 30, "the recorded start event")
        elapsed = _hang_up(terminal, signal.SIGTERM)
    finally:
        terminal.close()
    assert terminal.process.returncode == 128 + signal.SIGTERM
    assert elapsed < EXIT_WITHIN, elapsed
    events = _recorded(record)
    assert events[0]["event"] == "start"
    assert events[-1]["event"] == "stop", events
    assert (events[-1]["code"], events[-1]["by"]) == (1001, "client")
    error = events[-2]
    assert error["event"] == "error"
    assert error["kind"] == "timeout"
    assert error["message"] == "no close frame from the server within 1.5 s: connection dropped"
    if not dashboard:
        printed = [json.loads(line) for line in bytes(terminal.output).decode().splitlines()]
        assert printed == events


@pytest.mark.parametrize("dashboard", [False, True], ids=["tail", "dashboard"])
def test_an_ssh_drop_still_records_everything(
    demo_url: str, tmp_path: Path, dashboard: bool
) -> None:
    # sshd closes the terminal, then the process gets SIGHUP: every write to the terminal
    # fails from then on (EIO), which must not lose the recording or stall the exit.
    record = tmp_path / "rec.jsonl"
    config = tmp_path / "wsdeck.toml"
    config.write_text("")
    args = ["--config", str(config), "--record", str(record), f"{demo_url}/ticker?rate=50"]
    terminal = wsdeck_on_a_terminal(*([] if dashboard else ["tail"]), *args, cwd=tmp_path)
    try:
        terminal.until(lambda: len(_ticker_seqs(_recorded(record))) >= 20, 30, "recorded messages")
        before = len(_ticker_seqs(_recorded(record)))
        terminal.drop()
        sent = time.monotonic()
        os.kill(terminal.process.pid, signal.SIGHUP)
        terminal.process.wait(timeout=10)
        elapsed = time.monotonic() - sent
    finally:
        terminal.close()
    assert terminal.process.returncode == 128 + signal.SIGHUP
    assert elapsed < EXIT_WITHIN, elapsed
    _check_recording(_recorded(record), before, "ticker")


@pytest.mark.parametrize("attempt", range(3))  # a race with the last frames: several tries
def test_a_closed_controlling_terminal_ends_the_dashboard(tmp_path: Path, attempt: int) -> None:
    # What sshd and tmux really do: close the terminal, and the kernel sends SIGHUP *and*
    # SIGCONT. Textual resumed its screen on that SIGCONT (a new output thread on a dead
    # terminal) and its exit then waited for ever: `wsdeck demo` outlived its SSH session.
    record = tmp_path / "rec.jsonl"
    terminal = wsdeck_on_a_terminal("demo", "--record", str(record), cwd=tmp_path, controlling=True)
    try:
        terminal.until(lambda: b"ticker" in terminal.output, 30, "the dashboard")
        terminal.until(lambda: '"receive"' in _text(record), 30, "a message recorded")
        sent = time.monotonic()
        terminal.drop()
        terminal.process.wait(timeout=10)
        elapsed = time.monotonic() - sent
    finally:
        terminal.close()
    assert terminal.process.returncode == 128 + signal.SIGHUP
    assert elapsed < EXIT_WITHIN, elapsed
    last = _recorded(record)[-1]
    assert (last["event"], last["code"], last["by"]) == ("stop", 1001, "client")


@pytest.mark.parametrize("attempt", range(3))  # a race of EIO and SIGHUP: several tries
def test_a_closed_controlling_terminal_ends_tail_as_a_hang_up(
    demo_url: str, tmp_path: Path, attempt: int
) -> None:
    # Closing the terminal makes tail's next write fail (EIO) and sends SIGHUP; whichever
    # tail sees first, it was hung up on (129), not a reader gone (141).
    record = tmp_path / "rec.jsonl"
    url = f"{demo_url}/ticker?rate=500"
    terminal = wsdeck_on_a_terminal(
        "tail", url, "--record", str(record), cwd=tmp_path, controlling=True
    )
    try:
        terminal.until(lambda: terminal.output.count(b'"event":"receive"') >= 20, 30, "messages")
        terminal.drop()
        terminal.process.wait(timeout=10)
    finally:
        terminal.close()
    assert terminal.process.returncode == 128 + signal.SIGHUP
    last = _recorded(record)[-1]
    assert (last["event"], last["code"], last["by"]) == ("stop", 1001, "client")


def _text(path: Path) -> str:
    return path.read_text() if path.exists() else ""
