"""The hub under load: many connections at once, and a flood through the bounded bus."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.core.conftest import connection
from tui.core.events import ReceiveEvent
from tui.demo_server import DemoServer


async def test_two_hundred_connections_through_one_hub(demo: DemoServer, hub_runner: Any) -> None:
    connections = [connection(f"c{i:03d}", demo.endpoint("/echo")) for i in range(200)]
    hub, events = hub_runner(*connections)
    for conn in connections:
        hub.start(conn.name)
    await events.count("start", 200, timeout=20)
    for conn in connections:
        assert await hub.send(conn.name, f"hi {conn.name}")
    received = await events.count("receive", 200, timeout=20)
    assert {(r.connection, r.data) for r in received} == {
        (c.name, f"hi {c.name}") for c in connections
    }
    assert all(hub.get(c.name).stats.msgs_in == 1 for c in connections)
    assert not events.of("error")


async def test_bounded_bus_under_flood_counts_exactly(demo: DemoServer, hub_runner: Any) -> None:
    count, limit = 100_000, 500
    hub, _ = hub_runner(
        connection("f", demo.endpoint(f"/flood?count={count}&size=64&binary=1")), bus_limit=limit
    )
    hub.start("f")
    received = 0
    next_seq = 1
    peak = 0
    async with asyncio.timeout(30):
        while True:
            peak = max(peak, hub.bus.pending)
            batch = await hub.bus.get_batch(timeout=1)
            for event in batch:
                if isinstance(event, ReceiveEvent):
                    assert isinstance(event.data, bytes)
                    assert int.from_bytes(event.data[:8], "big") == next_seq
                    next_seq += 1
                    received += 1
            if any(e.EVENT == "stop" for e in batch):
                break
            await asyncio.sleep(0.002)  # a slow consumer: the reader must wait, not pile up
    assert received == count
    assert hub.get("f").stats.msgs_in == count
    assert peak <= limit + 1  # the reader blocks once the bus is full
    assert hub.bus.high_water == limit  # and it really was full at times
