"""Run ``wsdeck`` as a real subprocess, and a demo server in its own process."""

from __future__ import annotations

import base64
import hashlib
import os
import socket
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import trustme
from websockets.http11 import Request
from websockets.sync.server import ServerConnection, serve

from tests.conftest import demo_server_process


def wsdeck(
    *args: str, timeout: float = 30, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m tui ARGS`` with a clean environment; never waits longer than ``timeout``."""
    return subprocess.run(
        [sys.executable, "-m", "tui", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture(scope="module")
def demo_url() -> Iterator[str]:
    """``ws://127.0.0.1:PORT`` of the demo server in its own process, for this module."""
    with demo_server_process() as url:
        yield url


_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455 §1.3


@pytest.fixture
def deaf_url() -> Iterator[str]:
    """``ws://127.0.0.1:PORT/deaf``: completes the opening handshake, then never reads or
    answers anything again (a peer that will not finish the closing handshake)."""
    server = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []

    def serve() -> None:
        while True:
            try:
                peer, _ = server.accept()
            except OSError:  # the fixture closed the server
                return
            held.append(peer)
            request = b""
            while b"\r\n\r\n" not in request and len(request) < 65536:
                chunk = peer.recv(4096)
                if not chunk:
                    break
                request += chunk
            key = next(
                line.split(b":", 1)[1].strip()
                for line in request.split(b"\r\n")
                if line.lower().startswith(b"sec-websocket-key:")
            )
            accept = base64.b64encode(hashlib.sha1(key + _GUID.encode()).digest())
            peer.sendall(
                b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n"
            )

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"ws://127.0.0.1:{server.getsockname()[1]}/deaf"
    finally:
        # Closing alone would leave accept() blocked on Linux; shutdown wakes it (OSError).
        server.shutdown(socket.SHUT_RDWR)
        server.close()
        for peer in held:
            peer.close()
        thread.join(timeout=5)
        assert not thread.is_alive()


@dataclass
class HandshakeServer:
    """A server that keeps every opening request it gets, for the flags' tests."""

    url: str
    """``ws://`` (or ``wss://``) ``127.0.0.1:PORT``, without a path."""
    ca_file: Path | None = None
    """The throwaway CA that signed a TLS server's certificate."""
    requests: list[Request] = field(default_factory=list)


SERVER_SUBPROTOCOLS = ["x.v2", "x.v1"]
"""What the handshake server accepts, in its order of preference."""


def _handshake_server(
    context: ssl.SSLContext | None, tmp: Path | None
) -> Iterator[HandshakeServer]:
    def keep(connection: ServerConnection, request: Request) -> None:
        kept.requests.append(request)

    def echo(ws: ServerConnection) -> None:
        for message in ws:
            ws.send(message)

    def choose(ws: ServerConnection, offered: Sequence[str]) -> str | None:
        # websockets' own choice refuses clients that offer none; this one accepts them.
        return next((p for p in SERVER_SUBPROTOCOLS if p in offered), None)

    with serve(
        echo,
        "127.0.0.1",
        0,
        ssl=context,
        process_request=keep,
        select_subprotocol=choose,
    ) as server:
        scheme = "wss" if context else "ws"
        kept = HandshakeServer(f"{scheme}://127.0.0.1:{server.socket.getsockname()[1]}")
        if tmp is not None:
            kept.ca_file = tmp / "ca.pem"
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield kept
        finally:
            server.shutdown()
            thread.join(timeout=5)


@pytest.fixture
def handshake_server() -> Iterator[HandshakeServer]:
    """A ``ws://`` echo server that keeps the opening requests it gets."""
    yield from _handshake_server(None, None)


@pytest.fixture
def tls_handshake_server(tmp_path: Path) -> Iterator[HandshakeServer]:
    """The same over TLS, with a certificate for 127.0.0.1 from a throwaway CA."""
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    yield from _handshake_server(context, tmp_path)
