"""The demo server: routes handshakes, runs one endpoint per connection, starts and stops."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import signal
import sys
from collections.abc import Callable, Coroutine
from types import TracebackType
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from tui.demo.flood import send_flood
from tui.demo.routes import (
    DROP_CODE,
    CloseNow,
    Echo,
    Flap,
    Flood,
    Pulse,
    Reply,
    Rpc,
    Ticker,
    endpoint_help,
    parse_target,
)
from tui.demo.rpc import serve_rpc
from tui.demo.ticker import send_ticker
from tui.demo.watched import flap, send_pulse

MAX_MESSAGE_BYTES = 16 * 1024 * 1024  # /echo accepts messages as large as /flood sends


class DemoServer:
    """The ``wsdeck demo-server`` endpoints on one host and port, as an async context manager.

    Example::

        async with DemoServer() as server:  # 127.0.0.1, a free port
            async with connect(server.endpoint("/echo"), proxy=None) as ws: ...
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._host = host
        self._requested_port = port
        self._port: int | None = None
        self._server: Server | None = None

    async def start(self) -> None:
        """Bind and start serving; port 0 picks a free port. Raises OSError if binding fails."""
        if self._server is not None:
            raise RuntimeError("the demo server is already started")
        self._server = await serve(
            _handle,
            self._host,
            self._requested_port,
            process_request=_process_request,
            max_size=MAX_MESSAGE_BYTES,
        )
        self._port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Close the listener and every connection (code 1001), wait for handlers; idempotent."""
        server = self._server
        if server is None:
            return
        server.close()
        await server.wait_closed()

    async def __aenter__(self) -> DemoServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        """The bound port (the real one when 0 was asked for)."""
        if self._port is None:
            raise RuntimeError("the demo server is not started")
        return self._port

    @property
    def url(self) -> str:
        """``ws://HOST:PORT``, with IPv6 hosts in brackets."""
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"ws://{host}:{self.port}"

    def endpoint(self, path: str) -> str:
        """The URL of ``path`` (with any query), e.g. ``endpoint("/ticker?rate=5")``."""
        return self.url + path

    def banner(self) -> list[str]:
        """The announce line, then one line per endpoint with an example URL."""
        return [f"wsdeck demo server listening on {self.url}", *endpoint_help(self.url)]


async def serve_until_cancelled(
    host: str, port: int, *, announce: Callable[[str], None] | None = None
) -> None:
    """Serve until the calling task is cancelled; ``announce`` gets each banner line once bound."""
    async with DemoServer(host, port) as server:
        if announce is not None:
            for line in server.banner():
                announce(line)
        await asyncio.get_running_loop().create_future()


def run(host: str = "127.0.0.1", port: int = 0) -> int:
    """Serve in the foreground until SIGINT/SIGTERM; print the banner to stdout.

    Returns 0 after a signal, 1 (with one line on stderr) if the address cannot be bound.
    """
    try:
        return asyncio.run(_serve_until_signal(host, port))
    except KeyboardInterrupt:  # only where signal handlers can't be installed (Windows)
        return 0


def bind_failure(exc: OSError | OverflowError) -> str:
    """Why the demo server could not listen, and what to do when the port is taken."""
    detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    if isinstance(exc, OSError) and exc.errno == errno.EADDRINUSE:
        detail += "; choose another port with --port N, or leave --port out for a free one"
    return detail


async def _serve_until_signal(host: str, port: int) -> int:
    server = DemoServer(host, port)
    try:
        await server.start()
    except (OSError, OverflowError) as exc:  # OverflowError: port outside 0..65535
        print(
            f"wsdeck demo-server: cannot listen on {host}:{port}: {bind_failure(exc)}",
            file=sys.stderr,
        )
        return 1
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    try:
        print("\n".join(server.banner()), flush=True)
        await stop.wait()
    finally:
        await server.stop()
    return 0


def _process_request(connection: ServerConnection, request: Request) -> Response | None:
    """Answer unknown paths, bad parameters and ``/reject`` before the handshake."""
    route = parse_target(request.path)
    if not isinstance(route, Reply):
        return None
    try:
        return connection.respond(route.status, route.text)
    except ValueError:  # a status http.HTTPStatus doesn't name, e.g. 499: set it by hand
        response = connection.respond(400, route.text)
        response.status_code, response.reason_phrase = route.status, "Demo Rejection"
        return response


async def _handle(ws: ServerConnection) -> None:
    assert ws.request is not None  # the handler only runs after a successful handshake
    route = parse_target(ws.request.path)
    try:
        match route:
            case Echo():
                async for message in ws:
                    await ws.send(message)
            case Rpc():
                await serve_rpc(ws)
            case Ticker(rate=rate):
                await _while_open(ws, send_ticker(ws, rate))
            case Flood():
                await _while_open(ws, send_flood(ws, route))
            case Pulse():
                await _while_open(ws, send_pulse(ws, route))
            case Flap():
                await _while_open(ws, flap(ws, route))
            case CloseNow(code=code) if code == DROP_CODE:
                ws.transport.abort()
                await ws.wait_closed()
            case CloseNow(code=code, reason=reason):
                await ws.close(code, reason)
            case Reply():  # pragma: no cover - _process_request answered it already
                await ws.close(1011, "unexpected route")
    except (ConnectionClosed, OSError):
        pass  # the peer went away, which a demo server expects; not worth a traceback


async def _while_open(ws: ServerConnection, producer: Coroutine[Any, Any, None]) -> None:
    """Run ``producer`` while reading (and discarding) what the peer sends.

    Reading keeps the receive queue from filling, so the peer's pings and close frame are
    always processed; whichever ends first, the connection or the producer, stops the other.
    """
    producing = asyncio.create_task(producer)
    reading = asyncio.create_task(_discard_incoming(ws))
    try:
        await asyncio.wait((producing, reading), return_when=asyncio.FIRST_COMPLETED)
    finally:
        producing.cancel()
        reading.cancel()
        outcomes = await asyncio.gather(producing, reading, return_exceptions=True)
    for outcome in outcomes:
        expected = (ConnectionClosed, OSError, asyncio.CancelledError)
        if isinstance(outcome, BaseException) and not isinstance(outcome, expected):
            raise outcome


async def _discard_incoming(ws: ServerConnection) -> None:
    async for _ in ws:
        pass
