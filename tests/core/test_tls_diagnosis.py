"""TLS failures named so a person can act: client certificates, alerts, versions, issuers."""

from __future__ import annotations

import ssl
import warnings
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import trustme
from websockets.asyncio.server import Server, ServerConnection, serve

from tests.core.conftest import FAST_RECONNECT, connection
from tests.core.tls_peers import AlertingServer, Pki

VERSIONS = [ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3]
ONE_TRY_WITH_RETRIES_ON = {**FAST_RECONNECT, "max_attempts": 3}


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    return Pki(tmp_path)


async def _echo(ws: ServerConnection) -> None:
    async for message in ws:
        await ws.send(message)


async def _serve(context: ssl.SSLContext) -> Server:
    return await serve(_echo, "127.0.0.1", 0, ssl=context)


@pytest.fixture
async def servers() -> AsyncIterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        server.close()
        await server.wait_closed()


def _url(server: Server) -> str:
    return f"wss://127.0.0.1:{server.sockets[0].getsockname()[1]}/"


async def _mtls_url(pki: Pki, servers: list[Server], version: ssl.TLSVersion) -> str:
    """Start a server that requires a client certificate from ``pki``'s CA; its URL."""
    context = pki.server_context(require_client_cert=True, max_version=version)
    servers.append(server := await _serve(context))
    return _url(server)


async def _failure(hub_runner: Any, url: str, **fields: Any) -> tuple[Any, Any, Any]:
    """Start one connection that must fail; its errors, its stop and its client."""
    hub, events = hub_runner(connection("s", url, **fields))
    hub.start("s")
    await events.until(lambda: hub.get("s").idle and bool(events.of("stop")), timeout=8)
    assert not events.of("start")
    return events.of("error"), events.of("stop"), hub.get("s")


@pytest.mark.parametrize("version", VERSIONS, ids=lambda v: v.name)
async def test_server_requiring_a_client_certificate_is_named_and_not_retried(
    pki: Pki, servers: list[Server], hub_runner: Any, version: ssl.TLSVersion
) -> None:
    errors, stops, client = await _failure(
        hub_runner,
        await _mtls_url(pki, servers, version),
        tls={"ca_file": str(pki.ca_file)},
        reconnect=ONE_TRY_WITH_RETRIES_ON,
    )
    (error,) = errors  # a configuration problem: one attempt although reconnect is on
    assert error.kind == "tls"
    assert "client certificate" in error.message
    assert "tls.client_cert" in error.message
    assert [(s.code, s.by) for s in stops] == [(None, "server")]
    assert client.failed


@pytest.mark.parametrize("version", VERSIONS, ids=lambda v: v.name)
async def test_client_certificate_from_the_right_ca_opens(
    pki: Pki, servers: list[Server], hub_runner: Any, version: ssl.TLSVersion
) -> None:
    url = await _mtls_url(pki, servers, version)
    cert = pki.client_cert("alice")
    hub, events = hub_runner(
        connection("s", url, tls={"ca_file": str(pki.ca_file), "client_cert": str(cert)})
    )
    hub.start("s")
    await events.count("start", 1)
    assert await hub.send("s", "mutual")
    (received,) = await events.count("receive", 1)
    assert received.data == "mutual"
    # The handshake trace is off once open: it would run for every TLS record.
    ssl_object = hub.get("s")._ws.transport.get_extra_info("ssl_object")
    assert ssl_object.context._msg_callback is None


@pytest.mark.parametrize("version", VERSIONS, ids=lambda v: v.name)
async def test_rejected_client_certificate_says_so(
    pki: Pki, servers: list[Server], hub_runner: Any, version: ssl.TLSVersion
) -> None:
    url = await _mtls_url(pki, servers, version)
    stranger = pki.client_cert("mallory", issuer=trustme.CA())
    tls = {"ca_file": str(pki.ca_file), "client_cert": str(stranger)}
    errors, stops, _ = await _failure(hub_runner, url, tls=tls)
    (error,) = errors
    assert error.kind == "tls"
    # TLS 1.2: asyncio's server resets before its alert is read; TLS 1.3: the alert is read.
    assert "tls.client_cert" in error.message or "unknown CA" in error.message, error.message
    assert "none is configured" not in error.message
    assert stops[0].by == "server"


async def test_retry_config_failures_retries_a_missing_client_certificate(
    pki: Pki, servers: list[Server], hub_runner: Any
) -> None:
    servers.append(server := await _serve(pki.server_context(require_client_cert=True)))
    policy = {**FAST_RECONNECT, "max_attempts": 2, "retry_config_failures": True}
    errors, _, _ = await _failure(
        hub_runner, _url(server), tls={"ca_file": str(pki.ca_file)}, reconnect=policy
    )
    assert [e.kind for e in errors] == ["tls"] * 3  # the first attempt and 2 reconnects


ALERTS = [
    (
        "no client cert",
        None,
        {
            ssl.TLSVersion.TLSv1_2: "handshake failure",
            ssl.TLSVersion.TLSv1_3: "certificate required",
        },
    ),
    ("unknown CA", "stranger", {v: "unknown CA" for v in VERSIONS}),
    ("expired", "expired", {v: "certificate expired" for v in VERSIONS}),
]


@pytest.mark.parametrize("version", VERSIONS, ids=lambda v: v.name)
@pytest.mark.parametrize(("case", "cert", "names"), ALERTS, ids=[a[0] for a in ALERTS])
async def test_tls_alerts_that_reach_the_client_are_named(
    pki: Pki,
    hub_runner: Any,
    version: ssl.TLSVersion,
    case: str,
    cert: str | None,
    names: dict[ssl.TLSVersion, str],
) -> None:
    tls: dict[str, str] = {"ca_file": str(pki.ca_file)}
    if cert == "stranger":
        tls["client_cert"] = str(pki.client_cert("mallory", issuer=trustme.CA()))
    elif cert == "expired":
        tls["client_cert"] = str(pki.client_cert("old", expired=True))
    context = pki.server_context(require_client_cert=True, max_version=version)
    with AlertingServer(context) as server:
        errors, stops, _ = await _failure(hub_runner, server.url, tls=tls)
    (error,) = errors
    assert error.kind == "tls"
    assert f"TLS alert from the server: {names[version]}" in error.message
    assert ("tls.client_cert" in error.message) == (cert is None)
    assert stops[0].by == "server"


async def test_hostname_mismatch_is_named(pki: Pki, servers: list[Server], hub_runner: Any) -> None:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    pki.ca.issue_cert("elsewhere.example").configure_cert(context)
    servers.append(server := await _serve(context))
    errors, stops, _ = await _failure(hub_runner, _url(server), tls={"ca_file": str(pki.ca_file)})
    (error,) = errors
    assert error.kind == "tls"
    assert "mismatch" in error.message
    assert "127.0.0.1" in error.message
    assert stops[0].by == "client"  # the client refused the server's certificate


async def test_unknown_issuer_suggests_ca_file(
    pki: Pki, servers: list[Server], hub_runner: Any
) -> None:
    servers.append(server := await _serve(pki.server_context()))
    errors, stops, _ = await _failure(hub_runner, _url(server), reconnect=FAST_RECONNECT)
    (error,) = errors
    assert error.kind == "tls"
    assert "set tls.ca_file" in error.message
    assert stops[0].by == "client"


async def test_server_without_a_common_tls_version_is_not_a_reset(
    pki: Pki, servers: list[Server], hub_runner: Any
) -> None:
    context = pki.server_context()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        context.minimum_version = ssl.TLSVersion.TLSv1
        context.maximum_version = ssl.TLSVersion.TLSv1_1
    context.set_ciphers("ALL:@SECLEVEL=0")
    servers.append(server := await _serve(context))
    errors, _, _ = await _failure(hub_runner, _url(server), tls={"ca_file": str(pki.ca_file)})
    (error,) = errors
    assert error.kind == "tls"
    assert "no TLS version or cipher in common" in error.message
    assert "ConnectionResetError" not in error.message


async def test_plain_server_spoken_to_in_tls(servers: list[Server], hub_runner: Any) -> None:
    servers.append(server := await serve(_echo, "127.0.0.1", 0))
    port = server.sockets[0].getsockname()[1]
    errors, _, _ = await _failure(hub_runner, f"wss://127.0.0.1:{port}/")
    (error,) = errors
    assert error.kind == "tls"
    assert "does not speak TLS on this port" in error.message
