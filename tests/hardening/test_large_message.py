"""One large message costs ``tail`` a few times its size, not dozens.

A server sends one 32 MiB binary message; ``wsdeck tail --count 1`` writes it to /dev/null
as JSON Lines and as text (the default text view), and its peak RSS (``wait4``) is
compared with a run that receives one byte. Before, the extra memory was 4.7 times the
message (JSON Lines) and 40 times (text); websockets itself holds it about twice while
it arrives (the frame, then the message), and the encoding adds pieces of 1 MiB.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from websockets.asyncio.server import ServerConnection, serve

SIZE = 32 * 1024 * 1024
EXTRA_LIMIT = 3.0  # times SIZE beyond the one-byte run (measured: 2.0 JSON Lines, 2.9 text)


@pytest.fixture
async def sender() -> AsyncIterator[dict[int, str]]:
    """``{size: url}``: a server that sends one random message of that size per client."""
    payloads = {1: os.urandom(1), SIZE: os.urandom(SIZE)}

    async def handler(ws: ServerConnection) -> None:
        await ws.send(payloads[int(ws.request.path.strip("/"))])
        await ws.wait_closed()

    async with serve(handler, "127.0.0.1", 0, compression=None, max_size=None) as server:
        port = server.sockets[0].getsockname()[1]
        yield {size: f"ws://127.0.0.1:{port}/{size}" for size in payloads}


async def _peak_rss(tmp_path: Path, url: str, fmt: str) -> int:
    """Bytes of peak RSS of ``wsdeck tail`` receiving the one message at ``url``."""
    config = tmp_path / f"{fmt}.toml"
    config.write_text(
        f'[[connections]]\nname = "big"\nurl = "{url}"\nmax_message_size = {SIZE + 1024}\n'
        'compression = "none"\nproxy = "none"\n'
    )
    command = [sys.executable, "-m", "tui", "tail", "big", "--config", str(config)]
    command += ["--count", "1", "--timeout", "60", "--format", fmt]
    # In a thread, so that the server in this loop keeps serving.
    code, peak, errors = await asyncio.to_thread(_run, command, tmp_path / f"{fmt}.err")
    assert code == 0, errors
    return peak


def _run(command: list[str], errors: Path) -> tuple[int, int, str]:
    """Exit status, peak RSS in bytes and stderr of ``command``.

    Popen and wait4, not asyncio's subprocess: its child watcher would reap the process
    before wait4 could report its resources.
    """
    with errors.open("w") as stderr:
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=stderr, stdin=subprocess.DEVNULL
        )
        _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, usage.ru_maxrss * 1024, errors.read_text()  # KiB on Linux


@pytest.mark.parametrize("fmt", ["jsonl", "text"])
async def test_a_large_message_costs_tail_a_few_times_its_size(
    sender: dict[int, str], tmp_path: Path, fmt: str
) -> None:
    baseline = await _peak_rss(tmp_path, sender[1], fmt)
    large = await _peak_rss(tmp_path, sender[SIZE], fmt)
    extra = (large - baseline) / SIZE
    assert extra < EXTRA_LIMIT, f"{extra:.2f} times the message"
