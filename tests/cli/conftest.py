"""Run ``wsdeck`` as a real subprocess, and a demo server in its own process."""

from __future__ import annotations

import base64
import hashlib
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

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
        server.close()
        for peer in held:
            peer.close()
        thread.join(timeout=5)
