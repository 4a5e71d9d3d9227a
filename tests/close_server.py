"""An echo server that reports the close frame each connection received (for Stop tests)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.frames import Close


class CloseRecordingServer:
    """Echoes messages; :attr:`received` gets each connection's close frame (or ``None``)."""

    def __init__(self) -> None:
        self.received: list[Close | None] = []
        self.url = ""
        self.hold_pings = False  # stop reading once open: pings get no pong ...
        self.release = asyncio.Event()  # ... until this is set

    async def handler(self, ws: ServerConnection) -> None:
        if self.hold_pings:
            ws.transport.pause_reading()
            await self.release.wait()
            ws.transport.resume_reading()
        # Any code but 1000 ends iteration with ConnectionClosedError: record it either way.
        with contextlib.suppress(ConnectionClosed):
            async for message in ws:
                await ws.send(message)
        self.received.append(ws.protocol.close_rcvd)


@contextlib.asynccontextmanager
async def close_recording_server() -> AsyncIterator[CloseRecordingServer]:
    """The server on a free 127.0.0.1 port, in the running event loop."""
    server = CloseRecordingServer()
    async with serve(server.handler, "127.0.0.1", 0) as running:
        server.url = f"ws://127.0.0.1:{running.sockets[0].getsockname()[1]}/"
        yield server
        server.release.set()
