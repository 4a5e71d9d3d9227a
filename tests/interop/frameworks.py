"""The interop servers: aiohttp, starlette on uvicorn (two WebSocket backends) and tornado.

Each runs :mod:`tests.interop.routes` on a socket bound by the test (port 0, or the port
of a server being restarted), in :class:`ServerLoop`'s event loop on a thread of its own,
so the client under test keeps the test's loop to itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import threading
import time
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

from tests.interop.routes import Decision, Log, decide, hang, serve

T = TypeVar("T")
MAX_SIZE = 4 * 1024 * 1024


class ServerLoop:
    """An asyncio loop on a daemon thread; coroutines are handed to it and awaited."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    async def call(self, coro: Coroutine[Any, Any, T], timeout: float = 10.0) -> T:
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        async with asyncio.timeout(timeout):
            return await asyncio.wrap_future(future)

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 10.0) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)


@dataclass(frozen=True)
class Tls:
    """The server's certificate files; ``client_ca`` set: a client certificate is required."""

    cert_file: Path
    key_file: Path
    client_ca: Path | None = None

    def context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert_file, self.key_file)
        if self.client_ca is not None:
            context.verify_mode = ssl.CERT_REQUIRED
            context.load_verify_locations(self.client_ca)
        return context


def bind(port: int = 0) -> socket.socket:
    """A listening socket on 127.0.0.1 (``port`` 0: a free one)."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(64)
    sock.setblocking(False)
    return sock


class Framework(Protocol):
    """One framework's server: started on a bound socket, stopped with its peers closed."""

    name: str
    log: Log
    can_close_without_code: bool
    can_drop: bool
    sees_extensions_header: bool

    async def start(self, sock: socket.socket, tls: Tls | None) -> None: ...

    async def stop(self) -> None: ...


async def _close_peers(log: Log) -> None:
    """A restart: the open connections are told (1001) before the server goes away."""
    for peer in list(log.peers):
        # A peer may be closing on its own meanwhile (the client's Stop): nothing to tell.
        with contextlib.suppress(Exception):
            await peer.close(1001, "restarting")


def _offered(header: str | None) -> list[str]:
    return [part.strip() for part in (header or "").split(",") if part.strip()]


class AiohttpPeer:
    def __init__(self, ws: Any, transport: Any) -> None:
        self.ws = ws
        self.transport = transport

    async def recv(self) -> str | bytes | None:
        from aiohttp import WSMsgType

        message = await self.ws.receive()
        if message.type in (WSMsgType.TEXT, WSMsgType.BINARY):
            data: str | bytes = message.data
            return data
        return None

    async def send(self, data: str | bytes) -> None:
        if isinstance(data, str):
            await self.ws.send_str(data)
        else:
            await self.ws.send_bytes(data)

    async def close(self, code: int | None, reason: str) -> None:
        assert code is not None, "aiohttp always sends a status code"
        await self.ws.close(code=code, message=reason.encode())

    def drop(self) -> None:
        self.transport.close()


class Aiohttp:
    name = "aiohttp"
    can_close_without_code = False
    can_drop = True
    sees_extensions_header = True

    def __init__(self) -> None:
        self.log = Log()
        self._runner: Any = None

    async def start(self, sock: socket.socket, tls: Tls | None) -> None:
        from aiohttp import web

        async def handler(request: web.Request) -> web.StreamResponse:
            offered = _offered(request.headers.get("Sec-WebSocket-Protocol"))
            decision = decide(request.path, request.query, offered)
            if decision.reject:
                return web.Response(status=decision.reject, text="refused\n")
            if decision.hang:
                await hang()
            protocols = [decision.subprotocol] if decision.subprotocol else []
            ws = web.WebSocketResponse(protocols=protocols, max_msg_size=MAX_SIZE)
            await ws.prepare(request)
            extensions = request.headers.get("Sec-WebSocket-Extensions", "")
            peer = AiohttpPeer(ws, request.transport)
            await serve(peer, request.path, request.query, extensions, self.log)
            return ws

        app = web.Application()
        app.router.add_get("/{tail:.*}", handler)
        self._runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        site = web.SockSite(self._runner, sock, ssl_context=tls.context() if tls else None)
        await site.start()

    async def stop(self) -> None:
        await _close_peers(self.log)
        await self._runner.cleanup()


class StarlettePeer:
    def __init__(self, websocket: Any) -> None:
        self.websocket = websocket

    async def recv(self) -> str | bytes | None:
        message = await self.websocket.receive()
        if message["type"] != "websocket.receive":
            return None
        text = message.get("text")
        data: str | bytes = text if text is not None else message["bytes"]
        return data

    async def send(self, data: str | bytes) -> None:
        if isinstance(data, str):
            await self.websocket.send_text(data)
        else:
            await self.websocket.send_bytes(data)

    async def close(self, code: int | None, reason: str) -> None:
        assert code is not None, "ASGI always sends a status code"
        await self.websocket.close(code, reason)

    def drop(self) -> None:
        raise AssertionError("ASGI gives the application no access to the TCP connection")


class Uvicorn:
    """Starlette on uvicorn with the ``websockets-sansio`` (uvicorn's default when websockets
    is installed) or the ``wsproto`` backend."""

    can_close_without_code = False
    can_drop = False

    def __init__(self, backend: str) -> None:
        self.backend = backend
        # wsproto consumes the handshake headers it negotiates: the app never sees them.
        self.sees_extensions_header = backend != "wsproto"
        self.name = f"uvicorn-{backend.split('-')[0]}"
        self.log = Log()
        self._server: Any = None
        self._task: asyncio.Task[None] | None = None

    async def start(self, sock: socket.socket, tls: Tls | None) -> None:
        import uvicorn
        from starlette.applications import Starlette
        from starlette.responses import PlainTextResponse
        from starlette.routing import WebSocketRoute
        from starlette.websockets import WebSocket

        async def endpoint(websocket: WebSocket) -> None:
            path = websocket.url.path
            query: Mapping[str, str] = websocket.query_params
            decision: Decision = decide(path, query, list(websocket.scope["subprotocols"]))
            if decision.reject:
                response = PlainTextResponse("refused\n", status_code=decision.reject)
                await websocket.send_denial_response(response)
                return
            if decision.hang:
                await hang()
            await websocket.accept(subprotocol=decision.subprotocol)
            extensions = websocket.headers.get("sec-websocket-extensions", "")
            await serve(StarlettePeer(websocket), path, query, extensions, self.log)

        app = Starlette(routes=[WebSocketRoute("/{path:path}", endpoint)])
        options: dict[str, Any] = {}
        if tls is not None:
            options = {"ssl_certfile": str(tls.cert_file), "ssl_keyfile": str(tls.key_file)}
            if tls.client_ca is not None:
                options |= {"ssl_ca_certs": str(tls.client_ca), "ssl_cert_reqs": ssl.CERT_REQUIRED}
        config = uvicorn.Config(
            app,
            ws=self.backend,
            lifespan="off",
            log_level="critical",
            ws_max_size=MAX_SIZE,
            timeout_graceful_shutdown=1,
            **options,
        )
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        deadline = time.monotonic() + 10
        while not self._server.started:
            assert not self._task.done(), self._task
            assert time.monotonic() < deadline, "uvicorn did not start"
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        await _close_peers(self.log)
        self._server.should_exit = True
        assert self._task is not None
        await self._task


class TornadoPeer:
    def __init__(self, handler: Any) -> None:
        self.handler = handler
        self.queue: asyncio.Queue[str | bytes | None] = asyncio.Queue()

    async def recv(self) -> str | bytes | None:
        return await self.queue.get()

    async def send(self, data: str | bytes) -> None:
        await self.handler.write_message(data, binary=isinstance(data, bytes))

    async def close(self, code: int | None, reason: str) -> None:
        # Tornado sends a close frame without a status code when both are None.
        self.handler.close(code, reason or None)

    def drop(self) -> None:
        self.handler.ws_connection.stream.close()


class Tornado:
    name = "tornado"
    can_close_without_code = True
    can_drop = True
    sees_extensions_header = True

    def __init__(self) -> None:
        self.log = Log()
        self._server: Any = None

    async def start(self, sock: socket.socket, tls: Tls | None) -> None:
        from tornado.httpserver import HTTPServer
        from tornado.web import Application, HTTPError
        from tornado.websocket import WebSocketHandler

        log = self.log

        class Handler(WebSocketHandler):
            peer: TornadoPeer
            decision: Decision
            task: asyncio.Future[None]

            async def prepare(self) -> None:
                offered = _offered(self.request.headers.get("Sec-WebSocket-Protocol"))
                query = {key: self.get_query_argument(key) for key in self.request.query_arguments}
                self.decision = decide(self.request.path, query, offered)
                if self.decision.reject:
                    raise HTTPError(self.decision.reject)
                if self.decision.hang:
                    await hang()

            def select_subprotocol(self, subprotocols: list[str]) -> str | None:
                return self.decision.subprotocol

            def get_compression_options(self) -> dict[str, Any]:
                return {}  # permessage-deflate on, like the other servers

            def open(self) -> None:
                self.peer = TornadoPeer(self)
                request = self.request
                query = {key: self.get_query_argument(key) for key in request.query_arguments}
                extensions = request.headers.get("Sec-WebSocket-Extensions", "")
                self.task = asyncio.ensure_future(
                    serve(self.peer, request.path, query, extensions, log)
                )

            def on_message(self, message: str | bytes) -> None:
                self.peer.queue.put_nowait(message)

            def on_close(self) -> None:
                if hasattr(self, "peer"):
                    self.peer.queue.put_nowait(None)

        app = Application(
            [(r"/.*", Handler)], websocket_max_message_size=MAX_SIZE, log_function=lambda h: None
        )
        self._server = HTTPServer(app, ssl_options=tls.context() if tls else None)
        self._server.add_sockets([sock])

    async def stop(self) -> None:
        await _close_peers(self.log)
        self._server.stop()
        await self._server.close_all_connections()


FRAMEWORKS = ["aiohttp", "uvicorn-websockets", "uvicorn-wsproto", "tornado"]


def make(name: str) -> Framework:
    """A new, not yet started server of framework ``name`` (one of :data:`FRAMEWORKS`)."""
    if name == "aiohttp":
        return Aiohttp()
    if name == "uvicorn-websockets":
        return Uvicorn("websockets-sansio")
    if name == "uvicorn-wsproto":
        return Uvicorn("wsproto")
    assert name == "tornado", name
    return Tornado()
