"""Hostile servers: redirects to other origins, ping floods, stalled closes, bombs, odd frames.

Each failure must be reported at once, with a message that names the real cause, and
must never leak a configured header or grow memory without bound.
"""

from __future__ import annotations

import asyncio
import re
import socket
import struct
import time
import zlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.http11 import Request, Response

from tests.hardening.conftest import (
    BINARY,
    CLOSE,
    PING,
    TEXT,
    RawServer,
    accept_handshake,
    close_after_peer,
    connection,
    frame,
    free_port,
    ignore_everything,
    settle,
)
from tui.core.client import State
from tui.core.wire import OUTGOING_LIMIT

SECRET = "k3y-do-not-forward"
HEADERS = {"X-Api-Key": SECRET, "Authorization": "Bearer t0ken-do-not-forward"}


class Recorder:
    """A websockets echo server that keeps the headers of every upgrade it answers."""

    def __init__(self) -> None:
        self.seen: list[dict[str, str]] = []
        self.server: Server | None = None

    @property
    def port(self) -> int:
        assert self.server is not None
        return int(self.server.sockets[0].getsockname()[1])

    def redirect(self, path: str, location: str) -> None:
        self.redirects[path] = location

    async def start(self) -> None:
        self.redirects: dict[str, str] = {}

        def process_request(ws: ServerConnection, request: Request) -> Response | None:
            self.seen.append(dict(request.headers.raw_items()))
            location = self.redirects.get(request.path)
            if location is None:
                return None
            response = ws.respond(302, "moved\n")
            response.headers["Location"] = location
            return response

        async def echo(ws: ServerConnection) -> None:
            async for message in ws:
                await ws.send(message)

        self.server = await serve(echo, "127.0.0.1", 0, process_request=process_request)


@pytest.fixture
async def origins() -> AsyncIterator[tuple[Recorder, Recorder]]:
    """Two servers on different ports: two origins."""
    first, second = Recorder(), Recorder()
    await first.start()
    await second.start()
    yield first, second
    for recorder in (first, second):
        assert recorder.server is not None
        recorder.server.close()
        await recorder.server.wait_closed()


def _cross_origin(origins: tuple[Recorder, Recorder]) -> tuple[str, str]:
    """The first server redirects ``/old`` to the second's ``/echo``: (start URL, target)."""
    first, second = origins
    target = f"ws://127.0.0.1:{second.port}/echo"
    first.redirect("/old", target)
    return f"ws://127.0.0.1:{first.port}/old", target


async def test_redirect_is_an_error_unless_allowed(
    origins: tuple[Recorder, Recorder], hub_runner: Any
) -> None:
    url, target = _cross_origin(origins)
    retry = {"enabled": True, "initial_delay": 0.05, "max_attempts": 3}
    conn = connection("c", url, headers=HEADERS, reconnect=retry)
    hub, events = hub_runner(conn)
    hub.start("c")
    await settle(hub, events, "c")
    (error,) = events.of("error")  # not retried: the server's answer will not change
    assert error.kind == "handshake"
    assert f"server redirected to {target} (HTTP 302 Found)" in error.message
    assert "follow_redirects" in error.message
    assert [s.by for s in events.of("stop")] == ["server"]
    assert origins[1].seen == []
    assert not events.of("start")


async def test_cross_origin_redirect_drops_every_configured_header(
    origins: tuple[Recorder, Recorder], hub_runner: Any
) -> None:
    first, second = origins
    url, target = _cross_origin(origins)
    conn = connection("c", url, headers=HEADERS, follow_redirects=True)
    hub, events = hub_runner(conn)
    hub.start("c")
    (start,) = await events.count("start", 1)
    assert start.url == target  # the final URL, in the event and for the table
    assert hub.get("c").url == target
    assert first.seen[0]["X-Api-Key"] == SECRET
    (hop,) = second.seen
    assert not {"X-Api-Key", "Authorization", "Cookie"} & hop.keys(), hop
    assert all(SECRET not in value for value in hop.values())
    assert await hub.send("c", "after the hop")
    (received,) = await events.count("receive", 1)
    assert received.data == "after the hop"


async def test_same_origin_redirect_keeps_the_headers(
    origins: tuple[Recorder, Recorder], hub_runner: Any
) -> None:
    first, _ = origins
    first.redirect("/old", "/echo")  # relative: same origin
    conn = connection(
        "c", f"ws://127.0.0.1:{first.port}/old", headers=HEADERS, follow_redirects=True
    )
    hub, events = hub_runner(conn)
    hub.start("c")
    (start,) = await events.count("start", 1)
    assert start.url == f"ws://127.0.0.1:{first.port}/echo"
    assert [seen["X-Api-Key"] for seen in first.seen] == [SECRET, SECRET]


async def test_redirect_loop_is_bounded(
    origins: tuple[Recorder, Recorder], hub_runner: Any
) -> None:
    first, _ = origins
    first.redirect("/loop", "/loop")
    conn = connection("c", f"ws://127.0.0.1:{first.port}/loop", follow_redirects=True)
    hub, events = hub_runner(conn)
    hub.start("c")
    (error,) = await events.count("error", 1)
    assert error.kind == "handshake"
    assert "more than 10 redirects" in error.message
    assert len(first.seen) == 10


async def _ping_flood(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Send pings as fast as possible and never read a byte (so pongs pile up)."""
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    burst = frame(PING, b"p" * 125) * 1000
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        writer.write(burst)
        await writer.drain()


async def test_ping_flood_from_a_peer_that_never_reads_is_cut_off(hub_runner: Any) -> None:
    async with RawServer(_ping_flood) as server:
        conn = connection("c", server.url, ping_interval=0, close_timeout=1)
        hub, events = hub_runner(conn)
        hub.start("c")
        await events.count("start", 1)
        (error,) = await events.count("error", 1, timeout=30)
        (stop,) = await events.count("stop", 1)
    assert error.kind == "closed"
    assert "the server stopped reading" in error.message
    assert f"{OUTGOING_LIMIT // 1024 // 1024} MiB outgoing limit" in error.message
    # Dropped as soon as the limit was passed: by at most one read's worth of pongs.
    match = re.search(r"(\d+) bytes", error.message)
    assert match is not None
    assert OUTGOING_LIMIT < int(match[1]) < OUTGOING_LIMIT + 256 * 1024
    assert (stop.code, stop.by) == (1006, "client")
    assert error.seq < stop.seq
    assert hub.get("c").failed


DEFLATE = b"Sec-WebSocket-Extensions: permessage-deflate\r\n"


def _then_stall(data: bytes, headers: bytes) -> Any:
    """Accept with ``headers``, send ``data``, then read nothing and answer nothing (the
    close handshake stalls)."""

    async def behaviour(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await accept_handshake(reader, writer, headers)
        writer.write(data)
        await ignore_everything(reader, writer)

    return behaviour


def _deflate_bomb() -> bytes:
    """One compressed frame of 10 kB that inflates to 10 MB of zeros."""
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    data = compressor.compress(bytes(10_000_000)) + compressor.flush(zlib.Z_SYNC_FLUSH)
    return frame(BINARY, data[:-4], rsv=0b100)  # RFC 7692: without the 00 00 ff ff tail


FRAGMENTS = frame(TEXT, b"a", fin=False) + frame(0x0, b"a", fin=False) * 4096 + frame(0x0, b"a")
STALLED = {
    "too big": (frame(TEXT, b"x" * 2000), b"", 1000, "too_big", "max_message_size (1000 bytes)"),
    "deflate bomb": (
        _deflate_bomb(),
        DEFLATE,
        10**6,
        "too_big",
        "max_message_size (1000000 bytes)",
    ),
    "too many fragments": (FRAGMENTS, b"", 10**6, "too_big", "exceeds limit of 4096 frames"),
    "bad UTF-8": (frame(TEXT, b"\xff"), b"", 1000, "protocol", "invalid UTF-8 in a text frame"),
}


@pytest.mark.serial
@pytest.mark.parametrize("case", list(STALLED))
async def test_failures_are_reported_before_the_close_handshake_ends(
    hub_runner: Any, case: str
) -> None:
    data, headers, limit, kind, words = STALLED[case]
    async with RawServer(_then_stall(data, headers), handshake=False) as server:
        conn = connection("c", server.url, max_message_size=limit, close_timeout=3)
        hub, events = hub_runner(conn)
        hub.start("c")
        (start,) = await events.count("start", 1)
        (error,) = await events.count("error", 1, timeout=2)
        assert (error.kind, words in error.message) == (kind, True), error.message
        assert error.ts - start.ts < 1.5  # not after close_timeout (3 s)
        assert hub.get("c").state is State.CLOSING  # no longer shown as open
        (stop,) = await events.count("stop", 1, timeout=6)
    assert stop.by == "client"
    assert len(events.of("error")) == 1  # reported once


async def test_bad_close_reason_is_named_as_such(hub_runner: Any) -> None:
    payload = struct.pack("!H", 1000) + b"bye \xff\xfe"

    async def behaviour(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(frame(CLOSE, payload))
        await close_after_peer(reader, writer)

    async with RawServer(behaviour) as server:
        hub, events = hub_runner(connection("c", server.url))
        hub.start("c")
        (error,) = await events.count("error", 1)
        await events.count("stop", 1)
    assert error.kind == "protocol"
    assert "invalid UTF-8 in the server's close reason" in error.message
    assert "text frame" not in error.message


async def test_refused_proxy_is_named_not_the_target(hub_runner: Any) -> None:
    proxy = f"http://127.0.0.1:{free_port()}"
    conn = connection("c", "ws://127.0.0.1:9/", proxy=proxy)
    hub, events = hub_runner(conn)
    hub.start("c")
    (error,) = await events.count("error", 1)
    assert error.kind == "connect"
    assert f"cannot connect to the proxy {proxy}" in error.message
    assert "127.0.0.1:9" not in error.message
    (stop,) = await events.count("stop", 1)
    assert stop.by == "network"
