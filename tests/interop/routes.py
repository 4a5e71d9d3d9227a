"""What every interop server does, written once; each framework adapts its own API to it.

Before the upgrade (:func:`decide`): ``/reject?status=S`` refuses with HTTP S, ``/hang``
never completes the handshake, any other path is accepted, choosing ``x.v1`` when the
client offers it. After the upgrade (:func:`serve`): ``/close?code=C&reason=R`` closes
at once (``code=none``: a close frame without a status code), ``/drop`` ends the TCP
connection without a close frame, ``/extensions`` first sends the client's
``Sec-WebSocket-Extensions`` request header, then everything echoes what it receives.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

SUBPROTOCOL = "x.v1"
HANG_SECONDS = 30.0


@dataclass(frozen=True)
class Decision:
    """How to answer an upgrade request."""

    reject: int | None = None
    hang: bool = False
    subprotocol: str | None = None


def decide(path: str, query: Mapping[str, str], offered: list[str]) -> Decision:
    """The answer to an upgrade request for ``path`` with ``offered`` subprotocols."""
    if path == "/reject":
        return Decision(reject=int(query["status"]))
    if path == "/hang":
        return Decision(hang=True)
    return Decision(subprotocol=SUBPROTOCOL if SUBPROTOCOL in offered else None)


class Peer(Protocol):
    """One accepted WebSocket connection, in the framework's terms."""

    async def recv(self) -> str | bytes | None:
        """The next message, or None once the connection closed."""
        ...

    async def send(self, data: str | bytes) -> None: ...

    async def close(self, code: int | None, reason: str) -> None:
        """Close with ``code`` (None: no status code) and ``reason``."""
        ...

    def drop(self) -> None:
        """End the TCP connection without a close frame."""
        ...


@dataclass
class Log:
    """What a server saw, for the tests: received messages and the open peers."""

    received: list[str | bytes] = field(default_factory=list)
    peers: set[Peer] = field(default_factory=set)


async def serve(peer: Peer, path: str, query: Mapping[str, str], extensions: str, log: Log) -> None:
    """The behaviour of an accepted connection (see the module docstring)."""
    if path == "/close":
        code = query.get("code", "1000")
        await peer.close(None if code == "none" else int(code), query.get("reason", ""))
        return
    if path == "/drop":
        peer.drop()
        return
    if path == "/extensions":
        await peer.send(extensions)
    log.peers.add(peer)
    try:
        while (message := await peer.recv()) is not None:
            log.received.append(message)
            await peer.send(message)
    finally:
        log.peers.discard(peer)


async def hang() -> None:
    """Never answer the upgrade (the client's ``open_timeout`` ends it first)."""
    await asyncio.sleep(HANG_SECONDS)
