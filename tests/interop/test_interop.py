"""The client against servers we did not write: one suite, run against every framework.

Each check runs against aiohttp, starlette on uvicorn (websockets and wsproto backends)
and tornado (``deployment``); a check a framework cannot serve is skipped with the reason.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.core.conftest import connection
from tests.interop.conftest import Deployment, Pki
from tests.interop.frameworks import ServerLoop, bind, make
from tests.interop.routes import SUBPROTOCOL
from tui.core.errors import close_code_name

RETRY = {"enabled": True, "initial_delay": 0.05, "max_delay": 0.2, "jitter": 0.0}


async def _open(hub_runner: Any, url: str, **fields: Any) -> tuple[Any, Any]:
    hub, events = hub_runner(connection("c", url, **fields))
    hub.start("c")
    await events.count("start", 1)
    return hub, events


async def _fails(hub_runner: Any, url: str, **fields: Any) -> tuple[list[Any], Any]:
    """Start a connection that must never open; its error events and its one stop."""
    hub, events = hub_runner(connection("c", url, **fields))
    hub.start("c")
    await events.until(lambda: hub.get("c").idle and bool(events.of("stop")), timeout=8)
    assert not events.of("start")
    (stop,) = events.of("stop")
    assert hub.get("c").failed
    return events.of("error"), stop


async def test_text_and_binary_echo(deployment: Deployment, hub_runner: Any) -> None:
    hub, events = await _open(hub_runner, f"{deployment.ws}/echo")
    assert await hub.send("c", "héllo")
    assert await hub.send("c", b"\x00\x01\xff")
    received = await events.count("receive", 2)
    assert [r.data for r in received] == ["héllo", b"\x00\x01\xff"]


async def test_one_mebibyte_each_way(deployment: Deployment, hub_runner: Any) -> None:
    payload = bytes(range(256)) * 4096
    hub, events = await _open(hub_runner, f"{deployment.ws}/echo", max_message_size=2**21)
    assert await hub.send("c", payload)
    (received,) = await events.count("receive", 1, timeout=10)
    assert received.data == payload


async def test_message_over_max_message_size(deployment: Deployment, hub_runner: Any) -> None:
    hub, events = await _open(hub_runner, f"{deployment.ws}/echo", max_message_size=1000)
    assert await hub.send("c", "x" * 2000)
    (error,) = await events.count("error", 1)
    (stop,) = await events.count("stop", 1)
    assert error.kind == "too_big"
    assert "max_message_size (1000 bytes)" in error.message
    assert (stop.code, stop.by) == (1009, "client")
    assert not events.of("receive")


@pytest.mark.parametrize(
    ("offered", "chosen"), [(["json.v1", SUBPROTOCOL], SUBPROTOCOL), (["json.v1"], None)]
)
async def test_subprotocol_choice_and_refusal(
    deployment: Deployment, hub_runner: Any, offered: list[str], chosen: str | None
) -> None:
    _, events = await _open(hub_runner, f"{deployment.ws}/echo", subprotocols=offered)
    assert events.of("start")[0].subprotocol == chosen
    assert not events.of("error")


@pytest.mark.parametrize(("status", "phrase"), [(401, "Unauthorized"), (403, "Forbidden")])
async def test_rejected_upgrade(
    deployment: Deployment, hub_runner: Any, status: int, phrase: str
) -> None:
    url = f"{deployment.ws}/reject?status={status}"
    errors, stop = await _fails(hub_runner, url, reconnect=RETRY)
    (error,) = errors  # a configuration-class failure: not retried
    assert error.kind == "handshake"
    assert f"HTTP {status} {phrase}" in error.message
    assert stop.by == "server"


@pytest.mark.parametrize("code", [1000, 1001, None, 1008, 1011, 4000], ids=str)
async def test_close_codes_with_reasons(
    deployment: Deployment, hub_runner: Any, code: int | None
) -> None:
    if code is None and not deployment.framework.can_close_without_code:
        pytest.skip(f"{deployment.framework.name} always sends a status code")
    reason = "" if code is None else f"bye {code}"
    query = "code=none" if code is None else f"code={code}&reason=bye%20{code}"
    hub, events = await _open(hub_runner, f"{deployment.ws}/close?{query}")
    (stop,) = await events.count("stop", 1)
    await events.until(lambda: hub.get("c").idle)
    assert (stop.code, stop.reason, stop.by) == (code or 1005, reason, "server")
    failure = code in (1008, 1011)
    assert hub.get("c").failed is failure
    if failure:
        (error,) = events.of("error")
        assert error.kind == "closed"
        assert f"{code} ({close_code_name(code)}): {reason}" in error.message
    else:
        assert not events.of("error")


async def test_abrupt_tcp_close(deployment: Deployment, hub_runner: Any) -> None:
    if not deployment.framework.can_drop:
        pytest.skip("ASGI gives the application no access to the TCP connection")
    _, events = await _open(hub_runner, f"{deployment.ws}/drop")
    (stop,) = await events.count("stop", 1)
    assert (stop.code, stop.by) == (1006, "network")
    (error,) = events.of("error")
    assert error.kind == "closed"
    assert "no close frame" in error.message


async def test_handshake_timeout(deployment: Deployment, hub_runner: Any) -> None:
    errors, stop = await _fails(hub_runner, f"{deployment.ws}/hang", open_timeout=0.5)
    (error,) = errors
    assert error.kind == "timeout"
    assert "open_timeout (0.5 s)" in error.message
    assert stop.by == "client"


@pytest.mark.parametrize("compression", ["deflate", "none"])
async def test_deflate_on_and_off(
    deployment: Deployment, hub_runner: Any, compression: str
) -> None:
    url = f"{deployment.ws}/extensions"
    hub, events = await _open(hub_runner, url, compression=compression)
    (offered,) = await events.count("receive", 1)
    if deployment.framework.sees_extensions_header:  # else only the echo below is checked
        assert ("permessage-deflate" in offered.data) is (compression == "deflate")
    text = "compressible " * 5000
    assert await hub.send("c", text)
    received = await events.count("receive", 2)
    assert received[1].data == text


@pytest.mark.parametrize("mutual", [False, True], ids=["ca-file", "client-cert"])
async def test_tls_with_a_ca_file_and_mutual_tls(
    deployment: Deployment, hub_runner: Any, pki: Pki, mutual: bool
) -> None:
    tls = {"ca_file": str(pki.ca_file)}
    if mutual:
        tls["client_cert"] = str(pki.client_cert)
    url = f"{deployment.mtls if mutual else deployment.wss}/echo"
    hub, events = await _open(hub_runner, url, tls=tls)
    assert await hub.send("c", "over TLS")
    (received,) = await events.count("receive", 1)
    assert received.data == "over TLS"


async def test_mutual_tls_without_a_client_certificate(
    deployment: Deployment, hub_runner: Any, pki: Pki
) -> None:
    url = f"{deployment.mtls}/echo"
    errors, stop = await _fails(hub_runner, url, tls={"ca_file": str(pki.ca_file)}, reconnect=RETRY)
    (error,) = errors  # a configuration-class failure: not retried
    assert error.kind == "tls"
    assert "client certificate" in error.message
    assert "tls.client_cert" in error.message
    assert stop.by == "server"


async def test_mutual_tls_with_an_untrusted_client_certificate(
    deployment: Deployment, hub_runner: Any, pki: Pki
) -> None:
    tls = {"ca_file": str(pki.ca_file), "client_cert": str(pki.stranger_cert)}
    errors, _ = await _fails(hub_runner, f"{deployment.mtls}/echo", tls=tls)
    (error,) = errors
    assert error.kind == "tls"
    assert "none is configured" not in error.message
    assert "tls.client_cert" in error.message or "unknown CA" in error.message


async def test_reconnect_replays_on_start_send_after_a_restart(
    deployment: Deployment, hub_runner: Any, server_loop: ServerLoop
) -> None:
    name = deployment.framework.name
    first = make(name)
    sock = bind()
    port = sock.getsockname()[1]
    await server_loop.call(first.start(sock, None))
    second = make(name)
    try:
        conn = connection(
            "c",
            f"ws://127.0.0.1:{port}/echo",
            reconnect=RETRY,
            on_start_send=["hello", {"hex": "01ff"}],
        )
        hub, events = hub_runner(conn)
        hub.start("c")
        await events.until(lambda: first.log.received == ["hello", b"\x01\xff"])
        await server_loop.call(first.stop())
        (stop,) = await events.count("stop", 1)
        assert stop.by in ("server", "network")
        await server_loop.call(second.start(bind(port), None))
        starts = await events.count("start", 2, timeout=10)
        assert starts[1].attempt >= 2
        await events.until(lambda: second.log.received == ["hello", b"\x01\xff"])
        sends = [s.data for s in events.of("send")]
        assert sends == ["hello", b"\x01\xff", "hello", b"\x01\xff"]
    finally:
        hub.stop("c")
        await server_loop.call(second.stop())
