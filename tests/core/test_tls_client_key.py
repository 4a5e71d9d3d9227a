"""Mutual TLS with an encrypted client key: a password setting, never a terminal prompt."""

from __future__ import annotations

import asyncio
import os
import ssl
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import trustme
from cryptography.hazmat.primitives import serialization
from websockets.asyncio.server import ServerConnection, serve

from tests.core.conftest import connection
from tests.terminal import Terminal, terminal_env

PASSWORD = "k3y-pa55word"


@dataclass
class MutualTls:
    url: str
    ca_file: Path
    cert: Path
    encrypted_key: Path


@pytest.fixture
async def mtls_server(tmp_path: Path) -> AsyncIterator[MutualTls]:
    """A wss:// echo server that requires a client certificate; the client's key encrypted."""
    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)
    ca.configure_trust(server_context)
    server_context.verify_mode = ssl.CERT_REQUIRED
    client = ca.issue_cert("client.example")
    key = serialization.load_pem_private_key(client.private_key_pem.bytes(), None)
    encrypted = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(PASSWORD.encode()),
    )
    paths = MutualTls("", tmp_path / "ca.pem", tmp_path / "client.pem", tmp_path / "client.key")
    ca.cert_pem.write_to_path(str(paths.ca_file))
    client.cert_chain_pems[0].write_to_path(str(paths.cert))
    paths.encrypted_key.write_bytes(encrypted)

    async def echo(ws: ServerConnection) -> None:
        async for message in ws:
            await ws.send(message)

    async with serve(echo, "127.0.0.1", 0, ssl=server_context) as server:
        paths.url = f"wss://127.0.0.1:{server.sockets[0].getsockname()[1]}/"
        yield paths


def _tls(paths: MutualTls, **extra: Any) -> dict[str, Any]:
    return {
        "ca_file": str(paths.ca_file),
        "client_cert": str(paths.cert),
        "client_key": str(paths.encrypted_key),
        **extra,
    }


async def test_key_password_from_the_environment_opens_the_connection(
    mtls_server: MutualTls, hub_runner: Any
) -> None:
    conn = connection("m", mtls_server.url, tls=_tls(mtls_server, key_password="${KEY_PW}"))
    hub, events = hub_runner(conn, env={"KEY_PW": PASSWORD})
    hub.start("m")
    await events.count("start", 1)
    await hub.send("m", "mutual")
    (received,) = await events.count("receive", 1)
    assert received.data == "mutual"


async def test_an_encrypted_key_without_a_password_is_a_config_error(
    mtls_server: MutualTls, hub_runner: Any
) -> None:
    hub, events = hub_runner(connection("m", mtls_server.url, tls=_tls(mtls_server)))
    hub.start("m")
    (error,) = await events.count("error", 1)
    assert (error.kind, error.message) == (
        "config",
        "client_key is encrypted: set tls.key_password",
    )
    await events.count("stop", 1)


async def test_a_wrong_key_password_is_a_config_error_without_the_password(
    mtls_server: MutualTls, hub_runner: Any
) -> None:
    conn = connection("m", mtls_server.url, tls=_tls(mtls_server, key_password="wrong-one"))
    hub, events = hub_runner(conn)
    hub.start("m")
    (error,) = await events.count("error", 1)
    assert error.kind == "config"
    assert "tls.key_password" in error.message
    assert "wrong-one" not in error.message


async def test_a_fifo_as_ca_file_is_a_config_error_not_a_hang(
    tmp_path: Path, hub_runner: Any
) -> None:
    fifo = tmp_path / "ca.fifo"
    os.mkfifo(fifo)
    hub, events = hub_runner(connection("f", "wss://127.0.0.1:9/", tls={"ca_file": str(fifo)}))
    hub.start("f")
    (error,) = await events.count("error", 1)
    assert (error.kind, error.message) == ("config", f"tls.ca_file {fifo}: not a regular file")
    await events.count("stop", 1)


async def test_tail_on_a_terminal_never_prompts_for_the_pass_phrase(
    mtls_server: MutualTls, tmp_path: Path
) -> None:
    # Before, OpenSSL wrote "Enter PEM pass phrase:" to the terminal and waited, past --timeout.
    config = tmp_path / "wsdeck.toml"
    config.write_text(
        f'[[connections]]\nname = "m"\nurl = "{mtls_server.url}"\n[connections.tls]\n'
        f'ca_file = "{mtls_server.ca_file}"\nclient_cert = "{mtls_server.cert}"\n'
        f'client_key = "{mtls_server.encrypted_key}"\n'
    )
    argv = [sys.executable, "-m", "tui", "tail", "m", "--config", str(config), "--timeout", "20"]
    terminal = Terminal(argv, terminal_env(), tmp_path)

    def wait_for_exit() -> None:
        terminal.until(lambda: terminal.process.poll() is not None, 15, "tail ends")
        terminal.pump(0.2)

    try:
        await asyncio.to_thread(wait_for_exit)  # the server keeps serving meanwhile
    finally:
        terminal.close()
    output = bytes(terminal.output)
    assert b"pass phrase" not in output
    assert b"client_key is encrypted: set tls.key_password" in output
    assert terminal.process.returncode == 1
