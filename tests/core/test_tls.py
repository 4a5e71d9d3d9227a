"""wss:// against a server whose certificate comes from a throwaway CA (trustme)."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import trustme
from websockets.asyncio.server import ServerConnection, serve

from tests.core.conftest import connection


@pytest.fixture
async def tls_server(tmp_path: Path) -> AsyncIterator[tuple[str, Path]]:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))

    async def echo(ws: ServerConnection) -> None:
        async for message in ws:
            await ws.send(message)

    async with serve(echo, "127.0.0.1", 0, ssl=context) as server:
        port = server.sockets[0].getsockname()[1]
        yield f"wss://127.0.0.1:{port}/", ca_file


async def test_verify_succeeds_with_ca_file(tls_server: tuple[str, Path], hub_runner: Any) -> None:
    url, ca_file = tls_server
    hub, events = hub_runner(connection("s", url, tls={"ca_file": str(ca_file)}))
    hub.start("s")
    await events.count("start", 1)
    await hub.send("s", "secure")
    (received,) = await events.count("receive", 1)
    assert received.data == "secure"


async def test_verify_fails_without_ca_file(tls_server: tuple[str, Path], hub_runner: Any) -> None:
    url, _ = tls_server
    hub, events = hub_runner(connection("s", url))
    hub.start("s")
    (error,) = await events.count("error", 1)
    assert error.kind == "tls"
    assert "certificate verification failed" in error.message
    assert "self-signed" in error.message or "unable to get local issuer" in error.message
    assert not events.of("start")


async def test_verify_false_connects(tls_server: tuple[str, Path], hub_runner: Any) -> None:
    url, _ = tls_server
    hub, events = hub_runner(connection("s", url, tls={"verify": False}))
    hub.start("s")
    await events.count("start", 1)


async def test_missing_ca_file_is_a_config_error(tmp_path: Path, hub_runner: Any) -> None:
    missing = tmp_path / "nope.pem"
    hub, events = hub_runner(connection("s", "wss://127.0.0.1:1/", tls={"ca_file": str(missing)}))
    hub.start("s")
    (error,) = await events.count("error", 1)
    assert error.kind == "config"
    assert "tls.ca_file" in error.message
    assert "nope.pem" in error.message
