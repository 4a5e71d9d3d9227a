"""The Incari nodes on real servers: Start, Stop, Send and the four events."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, serve

from tests.core.conftest import FAST_RECONNECT, connection, free_port
from tui.core.client import State
from tui.demo_server import DemoServer


async def test_round_trip_text_and_binary(demo: DemoServer, hub_runner: Any) -> None:
    hub, events = hub_runner(connection("echo", demo.endpoint("/echo")))
    assert hub.start("echo")
    assert hub.get("echo").state is State.CONNECTING  # a request, not yet open
    (start,) = await events.count("start", 1)
    assert start.url == demo.endpoint("/echo")
    assert start.attempt == 1
    assert hub.get("echo").state is State.OPEN
    assert await hub.send("echo", "hello")
    assert await hub.send("echo", b"\x00\x01\xff")
    received = await events.count("receive", 2)
    assert [r.data for r in received] == ["hello", b"\x00\x01\xff"]
    assert [r.size for r in received] == [5, 3]
    sent = events.of("send")
    assert [s.data for s in sent] == ["hello", b"\x00\x01\xff"]
    stats = hub.get("echo").stats
    assert (stats.msgs_out, stats.bytes_out, stats.msgs_in, stats.bytes_in) == (2, 8, 2, 8)
    seqs = [e.seq for e in events.events]
    assert seqs == sorted(seqs)
    assert len(set(seqs)) == len(seqs)


async def test_utf8_size_counts_bytes(demo: DemoServer, hub_runner: Any) -> None:
    hub, events = hub_runner(connection("echo", demo.endpoint("/echo")))
    hub.start("echo")
    await events.count("start", 1)
    await hub.send("echo", "héllo ☃")
    (received,) = await events.count("receive", 1)
    assert received.size == len("héllo ☃".encode())


@pytest.fixture
async def recording_server() -> AsyncIterator[tuple[str, list[int | None], list[str]]]:
    """A server that records close codes it received and echoes messages."""
    codes: list[int | None] = []
    seen: list[str] = []

    async def handler(ws: ServerConnection) -> None:
        async for message in ws:
            seen.append(str(message))
            await ws.send(message)
        codes.append(ws.close_code)

    async with serve(handler, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        yield f"ws://127.0.0.1:{port}/", codes, seen


async def test_stop_closes_with_1000_and_never_reconnects(
    recording_server: tuple[str, list[int | None], list[str]], hub_runner: Any
) -> None:
    url, codes, _ = recording_server
    hub, events = hub_runner(connection("c", url, reconnect=FAST_RECONNECT))
    hub.start("c")
    await events.count("start", 1)
    assert hub.stop("c")
    assert hub.get("c").state is State.CLOSING
    (stop,) = await events.count("stop", 1)
    assert (stop.code, stop.by) == (1000, "client")
    assert hub.get("c").state is State.STOPPED
    await events.until(lambda: codes == [1000])
    await asyncio.sleep(0.4)  # two reconnect delays: nothing may happen
    events.events.extend(hub.bus.take())
    assert len(events.of("start")) == 1
    assert hub.get("c").idle


async def test_server_close_reconnects_after_delay(demo: DemoServer, hub_runner: Any) -> None:
    policy = dict(FAST_RECONNECT, initial_delay=0.3, max_delay=0.3)
    conn = connection("c", demo.endpoint("/close?code=4001&reason=bye"), reconnect=policy)
    hub, events = hub_runner(conn)
    hub.start("c")
    (stop,) = await events.count("stop", 1)
    assert (stop.code, stop.reason, stop.by) == (4001, "bye", "server")
    client = hub.get("c")
    assert client.state is State.RECONNECTING
    remaining = client.reconnect_in()
    assert remaining is not None
    assert 0.1 < remaining <= 0.3
    starts = await events.count("start", 2, timeout=3)
    assert starts[1].attempt == 2
    gap = starts[1].ts - stop.ts
    assert gap >= 0.25, f"reconnected after {gap:.3f}s, before the 0.3s delay"
    assert client.stats.reconnects >= 1
    assert not events.of("error")  # 4001 is an application code, not a failure


async def test_normal_server_close_without_reconnect_stops(
    demo: DemoServer, hub_runner: Any
) -> None:
    hub, events = hub_runner(connection("c", demo.endpoint("/close?code=1000")))
    hub.start("c")
    (stop,) = await events.count("stop", 1)
    assert (stop.code, stop.by) == (1000, "server")
    await events.until(lambda: hub.get("c").idle)
    assert not hub.get("c").failed
    assert not events.of("error")


async def test_server_error_close_is_an_error_event(demo: DemoServer, hub_runner: Any) -> None:
    hub, events = hub_runner(connection("c", demo.endpoint("/close?code=1011&reason=boom")))
    hub.start("c")
    (stop,) = await events.count("stop", 1)
    assert (stop.code, stop.reason, stop.by) == (1011, "boom", "server")
    (error,) = events.of("error")
    assert error.kind == "closed"
    assert "1011 (internal error): boom" in error.message


async def test_server_restart_reconnects_and_replays_on_start_send(hub_runner: Any) -> None:
    greetings: list[str] = []

    async def handler(ws: ServerConnection) -> None:
        async for message in ws:
            greetings.append(str(message))

    server = await serve(handler, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    conn = connection(
        "c",
        f"ws://127.0.0.1:{port}",
        reconnect=FAST_RECONNECT,
        on_start_send=["hello", {"hex": "01ff"}],
    )
    hub, events = hub_runner(conn)
    hub.start("c")
    await events.count("start", 1)
    await events.until(lambda: greetings == ["hello", "b'\\x01\\xff'"])
    server.close()  # drops the connection (1001 from the server), then the port is closed
    await server.wait_closed()
    (stop,) = await events.count("stop", 1)
    assert stop.by == "server"
    await events.count("error", 1)  # at least one refused attempt while the server is down
    server = await serve(handler, "127.0.0.1", port)
    try:
        starts = await events.count("start", 2, timeout=5)
        assert starts[1].attempt >= 2
        await events.until(lambda: greetings.count("hello") == 2)
        sends = events.of("send")
        assert [s.data for s in sends] == ["hello", b"\x01\xff", "hello", b"\x01\xff"]
        assert all(e.kind == "connect" for e in events.of("error"))
    finally:
        server.close()
        await server.wait_closed()


async def test_refused_port_is_a_connect_error(hub_runner: Any) -> None:
    port = free_port()
    hub, events = hub_runner(connection("c", f"ws://127.0.0.1:{port}/"))
    hub.start("c")
    (error,) = await events.count("error", 1)
    assert error.kind == "connect"
    assert error.message == f"connection refused: 127.0.0.1:{port}"
    (stop,) = await events.count("stop", 1)
    assert stop.code is None
    await events.until(lambda: hub.get("c").idle)
    assert hub.get("c").failed
    assert not events.of("start")


@pytest.mark.parametrize(
    ("status", "phrase"), [(403, "403 Forbidden"), (500, "500 Internal Server Error")]
)
async def test_handshake_status_is_named(
    demo: DemoServer, hub_runner: Any, status: int, phrase: str
) -> None:
    hub, events = hub_runner(connection("c", demo.endpoint(f"/reject?status={status}")))
    hub.start("c")
    (error,) = await events.count("error", 1)
    assert error.kind == "handshake"
    assert f"HTTP {phrase}" in error.message


async def test_open_timeout_when_server_never_answers(hub_runner: Any) -> None:
    writers: list[asyncio.StreamWriter] = []

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)  # accept TCP, read nothing, answer nothing

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        hub, events = hub_runner(connection("c", f"ws://127.0.0.1:{port}", open_timeout=0.3))
        hub.start("c")
        (error,) = await events.count("error", 1, timeout=3)
        assert error.kind == "timeout"
        assert "open_timeout (0.3 s)" in error.message
        gap = error.ts - (await events.count("stop", 1))[0].ts
        assert abs(gap) < 1
    finally:
        for writer in writers:
            writer.close()
        server.close()
        await server.wait_closed()


async def test_message_over_max_message_size(demo: DemoServer, hub_runner: Any) -> None:
    hub, events = hub_runner(connection("c", demo.endpoint("/echo"), max_message_size=100))
    hub.start("c")
    await events.count("start", 1)
    assert await hub.send("c", "x" * 200)
    (error,) = await events.count("error", 1)
    assert error.kind == "too_big"
    assert "max_message_size (100 bytes)" in error.message
    (stop,) = await events.count("stop", 1)
    assert stop.code == 1009
    assert not events.of("receive")


async def test_send_while_stopped_is_an_error(demo: DemoServer, hub_runner: Any) -> None:
    hub, events = hub_runner(connection("c", demo.endpoint("/echo")))
    assert not await hub.send("c", "lost?")
    (error,) = await events.count("error", 1)
    assert error.kind == "send"
    assert "not open" in error.message
    assert hub.get("c").stats.msgs_out == 0


async def test_stop_while_connecting_cancels_the_attempt(hub_runner: Any) -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        hub, events = hub_runner(connection("c", f"ws://127.0.0.1:{port}", open_timeout=10))
        hub.start("c")
        await asyncio.sleep(0.1)
        assert hub.get("c").state is State.CONNECTING
        assert hub.stop("c")
        (stop,) = await events.count("stop", 1, timeout=2)
        assert stop.by == "client"
        assert not events.of("error")
        await events.until(lambda: hub.get("c").idle)
    finally:
        server.close()
        await server.wait_closed()


async def test_restart_reopens(demo: DemoServer, hub_runner: Any) -> None:
    hub, events = hub_runner(connection("c", demo.endpoint("/echo")))
    hub.start("c")
    await events.count("start", 1)
    hub.restart("c")
    starts = await events.count("start", 2)
    assert events.of("stop")[0].by == "client"
    assert starts[1].seq > events.of("stop")[0].seq


async def test_missing_header_variable_is_a_config_error(demo: DemoServer, hub_runner: Any) -> None:
    conn = connection("c", demo.endpoint("/echo"), headers={"Authorization": "Bearer ${NOPE}"})
    hub, events = hub_runner(conn, env={})
    hub.start("c")
    (error,) = await events.count("error", 1)
    assert error.kind == "config"
    assert "NOPE" in error.message


async def test_header_secret_is_expanded_and_redacted(hub_runner: Any) -> None:
    seen: list[str | None] = []

    async def handler(ws: ServerConnection) -> None:
        seen.append(ws.request.headers.get("Authorization") if ws.request else None)
        await ws.close(1011, "bad token s3cr3t-token")

    async with serve(handler, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        conn = connection(
            "c", f"ws://127.0.0.1:{port}", headers={"Authorization": "Bearer ${TOKEN}"}
        )
        hub, events = hub_runner(conn, env={"TOKEN": "s3cr3t-token"})
        hub.start("c")
        (error,) = await events.count("error", 1)
        (stop,) = await events.count("stop", 1)
    assert seen == ["Bearer s3cr3t-token"]
    assert stop.reason == "bad token ***"
    assert "s3cr3t-token" not in error.message
    assert "***" in error.message
