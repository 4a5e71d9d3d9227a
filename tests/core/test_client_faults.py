"""A bug inside a connection's loop costs one attempt, never the connection (issue 18).

Faults are injected into a real client talking to the real demo server: a core function
is patched to raise once, the way an unforeseen exception would surface.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import tui.core.client as client_module
from tests.close_server import close_recording_server
from tests.core.conftest import FAST_RECONNECT, Collector, connection, free_port
from tests.faults import raise_once
from tui.core.client import State
from tui.core.hub import Hub
from tui.demo_server import DemoServer


async def test_fault_while_connecting_is_an_internal_error_and_the_loop_goes_on(
    demo: DemoServer, hub_runner: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    bug = OverflowError(34, "Numerical result out of range")
    monkeypatch.setattr(
        client_module, "build_options", raise_once(client_module.build_options, bug)
    )
    hub, events = hub_runner(connection("echo", demo.endpoint("/echo"), reconnect=FAST_RECONNECT))
    hub.start("echo")
    (start,) = await events.count("start", 1)
    (error,) = events.of("error")
    assert error.kind == "internal"
    assert error.message == "internal error: OverflowError: (34, 'Numerical result out of range')"
    assert start.attempt == 2
    assert hub.get("echo").state is State.OPEN
    assert await hub.send("echo", "still here")
    assert [e.data for e in await events.count("receive", 1)] == ["still here"]


async def test_fault_while_open_closes_reports_and_reconnects(
    demo: DemoServer, hub_runner: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The reader builds an event per message: the first one raises.
    bug = RuntimeError("boom " * 100)
    real = client_module.ReceiveEvent
    monkeypatch.setattr(client_module, "ReceiveEvent", raise_once(real, bug))
    hub, events = hub_runner(
        connection("ticker", demo.endpoint("/ticker?rate=50"), reconnect=FAST_RECONNECT)
    )
    hub.start("ticker")
    await events.count("start", 2)
    received = await events.count("receive", 3)
    kinds = [(e.EVENT, getattr(e, "kind", None)) for e in events.events]
    first_receive = kinds.index(("receive", None))
    assert kinds[:first_receive] == [
        ("start", None),
        ("error", "internal"),
        ("stop", None),
        ("start", None),
    ]
    error = events.of("error")[0]
    assert error.message.startswith("internal error: RuntimeError: boom boom")
    assert len(error.message) < 200
    assert error.message.endswith("…")
    stop = events.of("stop")[0]
    assert (stop.reason, stop.by) == ("internal error", "client")
    assert received[0].data.startswith("{")
    assert hub.get("ticker").stats.reconnects == 1


async def test_without_reconnect_an_internal_error_stops_the_connection(
    hub_runner: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        client_module, "build_options", raise_once(client_module.build_options, KeyError("x"))
    )
    hub, events = hub_runner(connection("dead", f"ws://127.0.0.1:{free_port()}/"))
    hub.start("dead")
    (stop,) = await events.count("stop", 1)
    assert [e.kind for e in events.of("error")] == ["internal"]
    assert stop.reason == "internal error"
    client = hub.get("dead")
    assert client.state is State.STOPPED
    assert client.failed
    assert client.start()  # and Start works again
    await events.count("error", 2)
    assert events.of("error")[1].kind == "connect"


async def test_a_dead_server_is_retried_past_a_thousand_attempts(
    hub_runner: Any,
) -> None:
    # 2.0**1024 overflowed at attempt 1 025 and ended the loop (issue 18 item 1); with a
    # multiplier of 1000 the same overflow came at attempt ~103: a fast way to cross it.
    policy = {**FAST_RECONNECT, "initial_delay": 0.001, "max_delay": 0.002, "multiplier": 1000.0}
    hub, events = hub_runner(connection("dead", f"ws://127.0.0.1:{free_port()}/", reconnect=policy))
    hub.start("dead")
    await events.count("error", 300, timeout=30)
    assert {e.kind for e in events.of("error")} == {"connect"}
    assert hub.get("dead").state in (State.CONNECTING, State.RECONNECTING)


async def test_cancelling_a_client_whose_close_is_unanswered_ends_it() -> None:
    """App shutdown cancels a client that waits for a close nobody answers: the cancel wins.

    Swallowing the cancellation while reaping the closing task left the task running until
    close_timeout (and a hub's teardown hanging), so the test's bound is well below it.
    """
    async with close_recording_server() as server:
        server.hold_pings = True  # the server stops reading once open: the close goes unread
        hub = Hub([connection("c", server.url, close_timeout=30.0)], env={})
        events = Collector(hub)
        client = hub.get("c")
        task = asyncio.create_task(client.run())
        hub.start("c")
        await events.count("start", 1)
        hub.stop("c")
        await events.until(lambda: client.state is State.CLOSING)
        await asyncio.sleep(0.1)  # the closing task is now waiting for the server's answer
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=3.0)
        server.release.set()
        assert done == {task}, "the client task ignored its cancellation"
        assert task.cancelled()
