"""Fixtures for hardening tests: raw and killable servers, frame bytes, bounded waits."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import struct
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from types import TracebackType
from typing import Any

import pytest
from textual.app import App
from textual.pilot import Pilot

from tests.app.conftest import wait_until as app_wait_until
from tests.core.conftest import Collector, connection, free_port, hub_runner, tls_server
from tui.core.hub import Hub

__all__ = [
    "Collector",
    "RawServer",
    "ServerProcess",
    "accept_handshake",
    "assert_recovers",
    "close_after_peer",
    "connection",
    "frame",
    "free_port",
    "hub_runner",
    "ignore_everything",
    "read_until_eof",
    "screen_text",
    "settle",
    "tls_server",
    "wait_for",
    "wait_until",
]

SERVERS = Path(__file__).with_name("servers.py")
_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

TEXT, BINARY, CLOSE, PING = 0x1, 0x2, 0x8, 0x9


def frame(
    opcode: int,
    payload: bytes = b"",
    *,
    fin: bool = True,
    rsv: int = 0,
    mask: bool = False,
    length: int | None = None,
) -> bytes:
    """Raw bytes of one WebSocket frame; ``length`` may lie about the payload's size."""
    size = len(payload) if length is None else length
    first = (0x80 if fin else 0) | (rsv << 4) | opcode
    mask_bit = 0x80 if mask else 0
    if size < 126:
        head = struct.pack("!BB", first, mask_bit | size)
    elif size < 1 << 16:
        head = struct.pack("!BBH", first, mask_bit | 126, size)
    else:
        head = struct.pack("!BBQ", first, mask_bit | 127, size)
    if mask:
        key = b"\x01\x02\x03\x04"
        payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
        head += key
    return head + payload


Behaviour = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def read_until_eof(reader: asyncio.StreamReader, timeout: float = 5.0) -> None:
    """Read and discard until the peer closes (at most ``timeout`` seconds)."""
    with contextlib.suppress(TimeoutError, ConnectionError):
        async with asyncio.timeout(timeout):
            while await reader.read(65536):
                pass


async def ignore_everything(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """A peer that reads everything, answers nothing (not even pings) and never closes."""
    await read_until_eof(reader, timeout=30)


async def close_after_peer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """What a server does after misbehaving: wait for the client's close frame, then hang up."""
    await writer.drain()
    with contextlib.suppress(TimeoutError, ConnectionError):
        async with asyncio.timeout(3):
            await reader.read(65536)


class RawServer:
    """A TCP server on 127.0.0.1 that does the WebSocket handshake by hand, then ``behaviour``.

    With ``handshake=False`` the behaviour runs on the bare TCP connection. Every handler
    task is cancelled and every socket closed on exit.
    """

    def __init__(self, behaviour: Behaviour, *, handshake: bool = True) -> None:
        self.behaviour = behaviour
        self.handshake = handshake
        self.connections = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"ws://127.0.0.1:{self._server.sockets[0].getsockname()[1]}/"

    async def __aenter__(self) -> RawServer:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._server is not None
        self._server.close()
        for writer in self._writers:
            writer.transport.abort()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(2):
                await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._writers.add(writer)
        self.connections += 1
        try:
            if self.handshake:
                await accept_handshake(reader, writer)
            await self.behaviour(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.transport.abort()
            self._writers.discard(writer)
            self._tasks.discard(task)


async def accept_handshake(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, headers: bytes = b""
) -> None:
    """Read an upgrade request and answer 101 with ``headers`` (CRLF-terminated lines;
    by default no extension and no subprotocol)."""
    async with asyncio.timeout(5):
        request = await reader.readuntil(b"\r\n\r\n")
    key = b""
    for line in request.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"sec-websocket-key":
            key = value.strip()
    accept = base64.b64encode(hashlib.sha1(key + _GUID).digest())
    writer.write(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: " + accept + b"\r\n" + headers + b"\r\n"
    )
    await writer.drain()


class ServerProcess:
    """``servers.py MODE PORT`` in a process of its own, started warm and bound on demand."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.port: int | None = None

    @classmethod
    async def spawn(cls, mode: str, port: int) -> ServerProcess:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(SERVERS),
            mode,
            str(port),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        return cls(process)

    async def bind(self, timeout: float = 10.0) -> int:
        """Ask the process to bind; returns the port once it listens."""
        stdin, stdout = self.process.stdin, self.process.stdout
        assert stdin is not None
        assert stdout is not None
        stdin.write(b"go\n")
        await stdin.drain()
        async with asyncio.timeout(timeout):
            line = await stdout.readline()
        assert line.startswith(b"ready "), line
        self.port = int(line.split()[1])
        return self.port

    async def kill(self) -> None:
        """SIGKILL (no close frame, no FIN from the application) and reap the process."""
        if self.process.returncode is None:
            self.process.kill()
        async with asyncio.timeout(10):
            await self.process.wait()
        # Close the pipes now rather than when the transport is garbage-collected.
        transport = getattr(self.process, "_transport", None)
        if transport is not None:
            transport.close()


@pytest.fixture
async def server_processes() -> AsyncIterator[list[ServerProcess]]:
    """Put every :class:`ServerProcess` you start in this list; all are killed at teardown."""
    processes: list[ServerProcess] = []
    yield processes
    for process in processes:
        await process.kill()


async def settle(hub: Hub, events: Collector, name: str, timeout: float = 5.0) -> None:
    """Wait until ``name`` is idle (stopped, nothing pending), collecting its events."""
    client = hub.get(name)
    await events.until(lambda: client.idle, timeout)


async def assert_recovers(hub: Hub, events: Collector, name: str, url: str) -> None:
    """After a failure the same client starts again on a good server and echoes."""
    await settle(hub, events, name)
    client = hub.get(name)
    client.settings = client.settings.model_copy(update={"url": url})
    starts = len(events.of("start", name))
    assert hub.start(name), "Start refused after a failure"
    await events.count("start", starts + 1, connection=name)
    assert await hub.send(name, "still alive")
    await events.until(
        lambda: any(e.data == "still alive" for e in events.of("receive", name)), timeout=5
    )


def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``predicate`` (synchronous code) until it holds; fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(0.02)


async def wait_until(
    pilot: Pilot[Any], predicate: Callable[[], bool], timeout: float = 10.0
) -> None:
    """The dashboard tests' wait, with a longer default: these runs load the machine."""
    await app_wait_until(pilot, predicate, timeout)


def screen_text(app: App[Any]) -> str:
    """What the app's screen shows right now, as plain text lines."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())
