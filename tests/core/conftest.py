"""Fixtures for core tests: connection factories, an event collector, free ports, TLS."""

from __future__ import annotations

import asyncio
import socket
import ssl
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import trustme
from websockets.asyncio.server import ServerConnection, serve

from settings import Connection
from tui.core.events import Event
from tui.core.hub import Hub

FAST_RECONNECT = {
    "enabled": True,
    "initial_delay": 0.05,
    "max_delay": 0.2,
    "multiplier": 2.0,
    "jitter": 0.0,
    "reset_after": 5.0,
}


def connection(name: str, url: str, **fields: Any) -> Connection:
    """A connection with test-friendly defaults: no proxy, short timeouts, no compression."""
    fields.setdefault("proxy", "none")
    fields.setdefault("open_timeout", 3.0)
    fields.setdefault("close_timeout", 1.0)
    return Connection(name=name, url=url, **fields)


@pytest.fixture
def make_connection() -> Callable[..., Connection]:
    return connection


class Collector:
    """Drains a hub's bus into a list and waits for conditions on it (bounded in time)."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.events: list[Event] = []

    def of(self, event: str, connection: str | None = None) -> list[Any]:
        return [
            e
            for e in self.events
            if event == e.EVENT and (connection is None or e.connection == connection)
        ]

    async def until(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                summary = [(e.connection, e.EVENT, getattr(e, "message", "")) for e in self.events]
                raise AssertionError(f"condition not met within {timeout}s; events: {summary}")
            self.events.extend(await self.hub.bus.get_batch(timeout=min(remaining, 0.1)))

    async def count(
        self, event: str, n: int, timeout: float = 5.0, connection: str | None = None
    ) -> list[Any]:
        await self.until(lambda: len(self.of(event, connection)) >= n, timeout)
        return self.of(event, connection)


@pytest.fixture
async def hub_runner() -> AsyncIterator[Callable[..., tuple[Hub, Collector]]]:
    """Build hubs whose clients run in a background task, cancelled at teardown."""
    tasks: list[asyncio.Task[None]] = []
    hubs: list[Hub] = []

    def build(*connections: Connection, **kwargs: Any) -> tuple[Hub, Collector]:
        hub = Hub(connections, env=kwargs.pop("env", {}), **kwargs)
        hubs.append(hub)
        tasks.append(asyncio.create_task(hub.run_clients()))
        return hub, Collector(hub)

    yield build
    for hub in hubs:
        await hub.shutdown(timeout=1.0)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def free_port() -> int:
    """A loopback port that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def tls_server(tmp_path: Path) -> AsyncIterator[tuple[str, Path]]:
    """A wss:// echo server with a certificate from a throwaway CA; (URL, the CA's file)."""
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))

    async def echo(ws: ServerConnection) -> None:
        async for message in ws:
            await ws.send(message)

    async with serve(echo, "127.0.0.1", 0, ssl=context) as server:
        yield f"wss://127.0.0.1:{server.sockets[0].getsockname()[1]}/", ca_file
