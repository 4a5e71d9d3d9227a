"""Server faults: killed servers, silent peers, rejections, every close code, broken frames.

Each test ends by proving the same client still works against a good server (the kill
test by reconnecting 20 times): a fault may stop a connection, never the client, its
worker or the hub.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any

import psutil
import pytest

from tests.hardening.conftest import (
    BINARY,
    CLOSE,
    PING,
    TEXT,
    RawServer,
    ServerProcess,
    assert_recovers,
    close_after_peer,
    connection,
    frame,
    free_port,
    ignore_everything,
    settle,
)
from tui.core.client import State
from tui.core.errors import close_code_name
from tui.demo.routes import can_send_close_code
from tui.demo_server import DemoServer

KILLS = 20
SHORT_BACKOFF = {
    "enabled": True,
    "initial_delay": 0.02,
    "max_delay": 0.1,
    "multiplier": 2.0,
    "jitter": 0.0,
    "reset_after": 0.01,
}


def _census() -> tuple[int, int]:
    """Open file descriptors of this process and live asyncio tasks."""
    return psutil.Process().num_fds(), len(asyncio.all_tasks())


async def test_server_sigkilled_mid_stream_20_times(
    hub_runner: Any, server_processes: list[ServerProcess]
) -> None:
    port = free_port()
    spare = await ServerProcess.spawn("stream", port)
    server_processes.append(spare)
    conn = connection(
        "k",
        f"ws://127.0.0.1:{port}/",
        reconnect=SHORT_BACKOFF,
        on_start_send=["hello"],
        compression="none",
    )
    hub, events = hub_runner(conn)
    client = hub.get("k")
    census: list[tuple[int, int]] = []
    for cycle in range(1, KILLS + 1):
        server, spare = spare, await ServerProcess.spawn("stream", port)
        server_processes.append(spare)
        await server.bind()
        if cycle == 1:
            hub.start("k")
        await events.count("start", cycle, timeout=10, connection="k")

        def streaming(cycle: int = cycle) -> bool:
            start = events.of("start")[cycle - 1]
            after = [e.data for e in events.of("receive") if e.seq > start.seq]
            return "echo:hello" in after and sum(str(d).startswith("tick") for d in after) >= 5

        await events.until(streaming, timeout=5)
        census.append(_census())
        await server.kill()
        await events.count("stop", cycle, timeout=5)
        # Let the client fail against the closed port at least once: that is the backoff.
        await events.until(lambda cycle=cycle: len(events.of("error")) >= 2 * cycle, timeout=5)
    await events.until(lambda: client.state is State.RECONNECTING)

    starts, stops = events.of("start"), events.of("stop")
    assert len(starts) == KILLS
    assert len(stops) == KILLS
    for start, stop in zip(starts, stops, strict=True):
        assert start.seq < stop.seq
        assert (stop.by, stop.code) == ("network", 1006), stop
    for stop, next_start in zip(stops, starts[1:], strict=False):
        assert stop.seq < next_start.seq
    assert [s.attempt for s in starts] == sorted(s.attempt for s in starts)
    # on_start_send is replayed after every start: one "hello" sent per start.
    sends = events.of("send")
    assert [s.data for s in sends] == ["hello"] * KILLS
    for start, send in zip(starts, sends, strict=True):
        assert send.seq > start.seq
    # Each loss: exactly one "closed" error (no close frame), then refused attempts only.
    lost = [e for e in events.of("error") if e.kind == "closed"]
    assert len(lost) == KILLS
    assert all("1006" in e.message for e in lost)
    others = [e for e in events.of("error") if e.kind != "closed"]
    assert {e.kind for e in others} == {"connect"}, others
    assert all("connection refused" in e.message for e in others)
    # Backoff: attempts after a loss are spaced by at least the initial delay and about
    # max_delay at most (slack for a loaded machine); never a hot loop. (Growth of the
    # delays is checked by the flapping test below.)
    timeline = sorted([*stops, *others], key=lambda e: e.seq)
    for before, after in itertools.pairwise(timeline):
        if after.EVENT == "error":
            gap = after.ts - before.ts
            assert 0.018 <= gap <= 0.1 + 0.5, (before, after, gap)
    assert client.stats.reconnects >= KILLS
    # Nothing leaks across 20 kill/reconnect cycles (measured in the same state each time).
    (fds_first, tasks_first), (fds_last, tasks_last) = census[1], census[-1]
    assert fds_last <= fds_first + 2, census
    assert tasks_last <= tasks_first + 1, census


async def test_server_that_never_answers_the_handshake_times_out(
    demo: DemoServer, hub_runner: Any
) -> None:
    async with RawServer(ignore_everything, handshake=False) as server:
        hub, events = hub_runner(connection("c", server.url, open_timeout=0.3))
        asked = time.time()
        hub.start("c")
        (error,) = await events.count("error", 1, timeout=3)
        assert error.kind == "timeout"
        assert "open_timeout (0.3 s)" in error.message
        assert 0.27 <= error.ts - asked < 1.5
        (stop,) = await events.count("stop", 1)
        assert stop.by == "client"  # open_timeout is the client giving up
        assert not events.of("start")
        await settle(hub, events, "c")
        assert hub.get("c").failed
    await assert_recovers(hub, events, "c", demo.endpoint("/echo"))


@pytest.mark.parametrize(
    ("status", "phrase", "transient"),
    [
        (401, "401 Unauthorized", False),
        (403, "403 Forbidden", False),
        (404, "404 Not Found", False),
        (429, "429 Too Many Requests", True),
        (500, "500 Internal Server Error", True),
        (502, "502 Bad Gateway", True),
    ],
)
async def test_rejected_upgrade_names_the_status_and_retries_only_transient(
    demo: DemoServer, hub_runner: Any, status: int, phrase: str, transient: bool
) -> None:
    retry = {**SHORT_BACKOFF, "max_attempts": 2}
    hub, events = hub_runner(
        connection("c", demo.endpoint(f"/reject?status={status}"), reconnect=retry)
    )
    hub.start("c")
    await settle(hub, events, "c")
    errors = events.of("error")
    assert errors, "no error event"
    assert all(e.kind == "handshake" for e in errors)
    assert all(f"HTTP {phrase}" in e.message for e in errors)
    # max_attempts=2: a transient status is tried 3 times in all, a permanent one once.
    assert len(errors) == (3 if transient else 1)
    assert [s.by for s in events.of("stop")] == ["server"]  # the server rejected the upgrade
    assert hub.get("c").failed
    assert not events.of("start")
    await assert_recovers(hub, events, "c", demo.endpoint("/echo"))


SENDABLE_1000S = [code for code in range(1000, 1016) if can_send_close_code(code)]


@pytest.mark.parametrize("code", [*SENDABLE_1000S, 4000, 4001, 4500, 4999])
async def test_every_close_code_is_reported(demo: DemoServer, hub_runner: Any, code: int) -> None:
    reason = f"reason-{code}-é"
    hub, events = hub_runner(connection("c", demo.endpoint(f"/close?code={code}&reason={reason}")))
    hub.start("c")
    (stop,) = await events.count("stop", 1)
    assert (stop.code, stop.reason, stop.by) == (code, reason, "server")
    await settle(hub, events, "c")
    errors = events.of("error")
    if 1002 <= code <= 1015:
        (error,) = errors
        assert error.kind == "closed"
        assert f"{code} ({close_code_name(code)})" in error.message
        assert reason in error.message
        assert error.seq < stop.seq
        assert hub.get("c").failed
    else:
        assert errors == []
        assert not hub.get("c").failed
    await assert_recovers(hub, events, "c", demo.endpoint("/echo"))


def _sends(data: bytes) -> Any:
    """A server behaviour: write ``data`` after the handshake, then close after the client."""

    async def behaviour(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(data)
        await close_after_peer(reader, writer)

    return behaviour


BROKEN_FRAMES = {
    "invalid UTF-8": (frame(TEXT, b"ok \xff\xfe bad"), "protocol", "invalid UTF-8"),
    # A UTF-16 surrogate encoded in UTF-8 is invalid UTF-8: text from the wire can never
    # hold a lone surrogate (the events' JSON relies on it).
    "encoded surrogate": (frame(TEXT, b"\xed\xa0\x80"), "protocol", "invalid UTF-8"),
    "invalid UTF-8 across fragments": (
        frame(TEXT, b"ab\xc3", fin=False) + frame(0x0, b"\x28"),
        "protocol",
        "invalid UTF-8",
    ),
    "masked server frame": (frame(TEXT, b"hello", mask=True), "protocol", "incorrect masking"),
    "reserved opcode": (frame(0x3, b"x"), "protocol", "invalid opcode"),
    "reserved control opcode": (frame(0xB), "protocol", "invalid opcode"),
    "reserved bit": (frame(TEXT, b"x", rsv=0b100), "protocol", "reserved bits"),
    "fragmented ping": (frame(PING, b"x", fin=False), "protocol", "fragmented control frame"),
    "oversized ping": (frame(PING, b"p" * 126), "protocol", "control frame too long"),
    "continuation first": (frame(0x0, b"orphan"), "protocol", "unexpected continuation frame"),
    "interleaved message": (
        frame(TEXT, b"a", fin=False) + frame(BINARY, b"b"),
        "protocol",
        "expected a continuation frame",
    ),
    "bad close code": (frame(CLOSE, b"\x03\xed"), "protocol", "invalid status code"),
    "frame over max_message_size": (
        frame(BINARY, b"", length=2_000_000),
        "too_big",
        "max_message_size (1000 bytes)",
    ),
    "fragments over max_message_size": (
        frame(TEXT, b"a" * 600, fin=False) + frame(0x0, b"b" * 600),
        "too_big",
        "max_message_size (1000 bytes)",
    ),
}


@pytest.mark.parametrize("case", list(BROKEN_FRAMES))
async def test_broken_frames_are_errors_and_the_client_goes_on(
    demo: DemoServer, hub_runner: Any, case: str
) -> None:
    data, kind, words = BROKEN_FRAMES[case]
    async with RawServer(_sends(data)) as server:
        conn = connection("c", server.url, max_message_size=1000, compression="none")
        hub, events = hub_runner(conn)
        hub.start("c")
        await events.count("start", 1)
        (stop,) = await events.count("stop", 1)
        errors = events.of("error")
        assert [e.kind for e in errors] == [kind], errors
        assert words in errors[0].message, errors[0].message
        assert not events.of("receive"), "nothing of a broken message may be delivered"
        assert stop.code in (1002, 1007, 1009), stop
    await assert_recovers(hub, events, "c", demo.endpoint("/echo"))


async def test_peer_that_stops_answering_pings_times_out(demo: DemoServer, hub_runner: Any) -> None:
    async with RawServer(ignore_everything) as server:
        conn = connection("c", server.url, ping_interval=0.1, ping_timeout=0.1, close_timeout=2)
        hub, events = hub_runner(conn)
        hub.start("c")
        (start,) = await events.count("start", 1)
        (error,) = await events.count("error", 1, timeout=3)
        assert error.kind == "timeout"
        assert "no pong within ping_timeout (0.1 s)" in error.message
        # Reported when the ping times out, not when the unanswered close gives up.
        assert 0.15 < error.ts - start.ts < 1.5
        assert hub.get("c").state is State.CLOSING
        (stop,) = await events.count("stop", 1, timeout=5)
        assert (stop.code, stop.by) == (1011, "network")
        assert len(events.of("error")) == 1
    await assert_recovers(hub, events, "c", demo.endpoint("/echo"))


async def _drop_at_once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.transport.abort()


async def test_flapping_servers_back_off_instead_of_hot_looping(
    demo: DemoServer, hub_runner: Any
) -> None:
    policy = {
        "enabled": True,
        "initial_delay": 0.05,
        "multiplier": 2.0,
        "max_delay": 1.0,
        "jitter": 0.0,
    }
    window = 1.5
    async with (
        RawServer(_drop_at_once, handshake=False) as no_handshake,
        RawServer(_drop_at_once) as drop_after_handshake,
    ):
        urls = {
            "normal-close": demo.endpoint("/close?code=1000"),
            "error-close": demo.endpoint("/close?code=1011&reason=flap"),
            "drop-after-handshake": drop_after_handshake.url,
            "drop-before-handshake": no_handshake.url,
        }
        hub, events = hub_runner(
            *(connection(name, url, reconnect=policy) for name, url in urls.items())
        )
        began = time.monotonic()
        for name in urls:
            hub.start(name)
        deadline = began + window
        while (left := deadline - time.monotonic()) > 0:
            events.events.extend(await hub.bus.get_batch(timeout=left))
        servers = {
            "drop-after-handshake": drop_after_handshake,
            "drop-before-handshake": no_handshake,
        }
        for name in urls:
            if name in servers:
                attempts = servers[name].connections
            else:
                attempts = len(events.of("start", name))
            # t = 0, .05, .15, .35, .75 (then 1.55): 5 attempts, at most 8 with slack.
            assert 3 <= attempts <= 8, (name, attempts)
            if name != "drop-before-handshake":
                times = [e.ts for e in events.of("start", name)]
                gaps = [b - a for a, b in itertools.pairwise(times)]
                assert all(later > earlier for earlier, later in itertools.pairwise(gaps)), (
                    name,
                    gaps,
                )
                assert gaps[0] >= 0.045, (name, gaps)
        for name in urls:
            hub.stop(name)
        for name in urls:
            await settle(hub, events, name)
    await assert_recovers(hub, events, "normal-close", demo.endpoint("/echo"))
