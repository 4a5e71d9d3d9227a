"""Hostile payloads in the UI: the real dashboard in a real terminal, and the detail pane.

The pty test runs ``python -m tui`` on a pseudo-terminal (120x40, xterm-256color) against
a server that sends markup, escape sequences, control characters, bidi overrides, a
1 MiB line, 10 000-level JSON and near-text binary, and reads every byte the app writes
to the terminal. Each hostile payload carries a marker right after its escape sequence:
the marker must show up (escaped, as text) and the raw sequence never.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from settings import WsdeckSettings
from tests.hardening.conftest import SERVERS, connection, wait_until
from tests.hardening.servers import DEEP_JSON, HUGE_LINE
from tests.terminal import COLUMNS, CTRL_Q, ROWS, wsdeck_on_a_terminal
from tui.app import WsdeckApp
from tui.core.events import ReceiveEvent
from tui.demo_server import DemoServer
from tui.widgets.detail import DetailPane
from tui.widgets.feed import EventFeed


@pytest.fixture
def hostile_server() -> Iterator[tuple[int, subprocess.Popen[str]]]:
    """``servers.py hostile`` on a free port; write a line to its stdin to start sending."""
    process = subprocess.Popen(
        [sys.executable, str(SERVERS), "hostile", "0"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdin is not None
    assert process.stdout is not None
    process.stdin.write("bind\n")
    process.stdin.flush()
    line = process.stdout.readline()
    assert line.startswith("ready "), line
    try:
        yield int(line.split()[1]), process
    finally:
        process.kill()
        process.wait(timeout=10)


def _osc_sequences(output: bytes) -> list[bytes]:
    """Every OSC sequence (``ESC ]`` … ``BEL`` or ``ESC \\``) written to the terminal."""
    return re.findall(rb"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)", output)


def test_hostile_payloads_never_reach_the_terminal_raw(
    hostile_server: tuple[int, subprocess.Popen[str]], tmp_path: Path
) -> None:
    port, server = hostile_server
    base = f"ws://127.0.0.1:{port}"
    config = tmp_path / "wsdeck.toml"
    config.write_text(
        "\n".join(
            [
                "[[connections]]",
                'name = "rejected"',
                f'url = "{base}/reject"',
                "auto_start = true",
                'proxy = "none"',
                "[[connections]]",
                'name = "closer"',
                f'url = "{base}/close"',
                "auto_start = true",
                'proxy = "none"',
                "[[connections]]",
                'name = "hostile"',
                f'url = "{base}/feed"',
                "auto_start = true",
                'proxy = "none"',
                'receive_view = "text"',  # binary shown as escaped text: the riskier view
                "max_message_size = 4194304",
                "",
            ]
        )
    )
    terminal = wsdeck_on_a_terminal("--config", str(config), cwd=tmp_path)
    try:
        # The dashboard is up once the feed shows the failed and the open connection.
        terminal.until(lambda: b"closed by server" in terminal.output, 30, "dashboard drawn")
        terminal.send(b"d")  # open the detail pane: it follows the newest event
        labels = (b"attempt: 1", b"by: server", b"by: network", b"kind: handshake")
        terminal.until(
            lambda: any(label in terminal.output for label in labels), 10, "detail pane shown"
        )
        assert server.stdin is not None
        assert server.stdout is not None
        server.stdin.write("send\n")
        server.stdin.flush()
        terminal.until(
            lambda: b"almost text" in terminal.output,  # the last payload's feed row
            20,
            "every hostile payload drawn",
        )
        terminal.pump(1.0)  # the last payload's detail pane and a few repaints
        asked = time.monotonic()
        terminal.send(CTRL_Q)
        terminal.until(lambda: b"Quit?" in terminal.output, 10, "quit confirmation")
        terminal.send(b"y")
        terminal.until(lambda: terminal.process.poll() is not None, 15, "app exit")
        quit_time = time.monotonic() - asked
        terminal.pump(0.2)
    finally:
        terminal.close()
    out = bytes(terminal.output)

    assert terminal.process.returncode == 0, out[-2000:]
    assert quit_time < 10, quit_time
    # Never raw: terminal commands, NUL, C1 controls (U+009B CSI, U+009D OSC), bidi controls.
    assert b"\x1b]0;PWNED" not in out
    assert b"\x1b]52;c;SGVsbG8" not in out
    for osc in _osc_sequences(out):
        assert b"PWNED" not in osc, osc
        assert b"SGVsbG8" not in osc, osc
    assert b"\x1b[2JCSI-MARK" not in out
    assert b"\x1b[2Jtail" not in out
    assert b"\x00" not in out
    for char in ("\x9b", "\x9d", "\x9c", "\x85", "\u202e", "\u2066", "\u200b"):
        assert char.encode() not in out, repr(char)
    # ... but shown, escaped, as text (so the checks above looked at drawn payloads).
    assert b"\\x1b]0;PWNED\\x07" in out
    assert b"\\x1b]52;c;SGVsbG8=\\x07" in out
    assert b"\\x1b[2JCSI-MARK" in out
    assert b"\\x9bC1-MARK" in out
    assert b"\\u202eBIDI-MARK" in out
    assert b"\\x00NUL-MARK" in out
    assert b"[bold red]MARKUP-MARK[/]" in out  # markup shown literally, not interpreted
    assert b"too deeply nested" in out  # the detail pane's note on the 10 000-level JSON
    assert b"1024 KiB" in out  # the 1 MiB line's row (its note is at the pane's end)


@pytest.mark.serial
async def test_detail_pane_stays_quick_on_huge_and_deep_payloads(demo: DemoServer) -> None:
    echo = connection("echo", demo.endpoint("/echo"), auto_start=True)
    app = WsdeckApp(WsdeckSettings(connections=[echo], _env_file=None), config_path=None)
    async with app.run_test(size=(COLUMNS, ROWS)) as pilot:
        await wait_until(pilot, lambda: any(e.EVENT == "start" for e in app.ring))
        await pilot.press("d")
        pane = app.main.query_one(DetailPane)
        feed = app.main.query_one(EventFeed)
        for payload, note in ((HUGE_LINE, "more bytes"), (DEEP_JSON, "too deeply nested")):
            app.send("echo", payload)

            def echoed(payload: str = payload) -> bool:
                event = feed.highlighted
                return isinstance(event, ReceiveEvent) and event.data == payload

            await wait_until(pilot, echoed)
            started = time.monotonic()

            def shown() -> bool:
                event, highlighted = pane.event, feed.highlighted
                return (
                    event is not None and highlighted is not None and event.seq == highlighted.seq
                )

            await wait_until(pilot, shown, 5)
            await pilot.pause()
            elapsed = time.monotonic() - started
            # Typically ~0.1 s; the bounds are generous (a loaded 2-core CI box) and only
            # catch the pane parsing or laying out the whole payload.
            assert elapsed < 3.0, elapsed
            assert pane.limited
            assert any(note in line for line in pane.text_lines)
            width = pane.scrollable_content_region.width
            assert pane.virtual_size.height < 64 * 1024 // width + 20  # not a 1 MiB layout
            # Still responsive: hiding and showing the pane again is handled promptly.
            started = time.monotonic()
            await pilot.press("d")
            await pilot.press("d")
            assert time.monotonic() - started < 3.0
            assert pane.display
        await app._quit()
