"""The hub: every client by name, the Incari controls addressed by name, one event bus.

The hub does not own tasks: the dashboard runs each :meth:`WsClient.run` in a worker of
its own, ``tail`` in a task group (:meth:`Hub.run_clients`). The same owners run the
watches' clock (:meth:`WatchEngine.run <tui.core.watch.WatchEngine.run>` on ``hub.watches``).
"""

from __future__ import annotations

import asyncio
import os
import random
from collections.abc import Callable, Iterable, Mapping

from settings import Connection
from tui.core.bus import EventBus
from tui.core.client import WsClient
from tui.core.watch import WatchEngine


class UnknownConnection(KeyError):
    """No connection of that name; ``str()`` names it and lists the known ones."""

    def __str__(self) -> str:
        return str(self.args[0])


class Hub:
    """Named clients sharing one bounded :class:`EventBus`."""

    def __init__(
        self,
        connections: Iterable[Connection] = (),
        *,
        bus_limit: int = 10_000,
        env: Mapping[str, str] | None = None,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.bus = EventBus(bus_limit)
        self.watches = WatchEngine(self.bus)
        """Alerts of the connections' watches; their events go on :attr:`bus`."""
        self.clients: dict[str, WsClient] = {}
        self.env: Mapping[str, str] = env if env is not None else os.environ
        """The variables ``${NAME}`` references in header values are read from."""
        self._rng = rng
        for connection in connections:
            self.add(connection)

    def add(self, connection: Connection) -> WsClient:
        """Create the client of a new connection (its task is started by the owner)."""
        if connection.name in self.clients:
            raise ValueError(f"a connection named {connection.name!r} already exists")
        # A watched connection's events are observed as they go on the bus; the others
        # get the bus itself (no cost at all).
        sink = self.watches.sink_for(connection, self.bus)
        client = WsClient(connection, sink, env=self.env, rng=self._rng)
        self.clients[connection.name] = client
        return client

    def remove(self, name: str) -> WsClient:
        """Forget a connection; the owner cancels its task."""
        client = self.get(name)
        del self.clients[name]
        self.watches.forget(name)
        return client

    def get(self, name: str) -> WsClient:
        """The client named ``name``."""
        try:
            return self.clients[name]
        except KeyError:
            known = ", ".join(sorted(self.clients)) or "none"
            raise UnknownConnection(f"no connection named {name!r} (known: {known})") from None

    def start(self, name: str) -> bool:
        """Client Start for ``name``."""
        return self.get(name).start()

    def stop(self, name: str, code: int = 1000, reason: str = "") -> bool:
        """Client Stop for ``name``, closing with ``code`` and ``reason``."""
        return self.get(name).stop(code, reason)

    def start_all(self) -> list[str]:
        """Client Start for every stopped connection; returns the names it was asked of."""
        return [name for name, client in self.clients.items() if client.start()]

    async def ping(self, name: str) -> float | None:
        """A manual ping on ``name``: the round trip in seconds, or None (an error event)."""
        return await self.get(name).ping()

    def restart(self, name: str) -> None:
        """Stop then start ``name``."""
        self.get(name).restart()

    async def send(self, name: str, message: str | bytes) -> bool:
        """Client Send for ``name``."""
        return await self.get(name).send(message)

    def start_auto(self) -> list[str]:
        """Start every connection with ``auto_start``; returns their names."""
        started = [c.name for c in self.clients.values() if c.settings.auto_start]
        for name in started:
            self.start(name)
        return started

    async def shutdown(self, timeout: float = 2.0) -> None:
        """Close every open connection with 1001 (going away), at most ``timeout`` overall."""
        clients = list(self.clients.values())
        if clients:
            await asyncio.gather(*(c.shutdown(timeout) for c in clients))

    async def run_clients(self) -> None:
        """Run every client's task, and the watches' clock, until cancelled (the headless
        owner)."""
        async with asyncio.TaskGroup() as group:
            for client in self.clients.values():
                group.create_task(client.run(), name=f"wsdeck:{client.name}")
            if self.watches.watchers:
                group.create_task(self.watches.run(), name="wsdeck:watches")
