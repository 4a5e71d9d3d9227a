"""The drain: every event reaches the ring, and the widgets hear of them on a steady grid."""

from __future__ import annotations

import asyncio
import itertools
import time

from tui.core.bus import EventBus
from tui.core.events import ReceiveEvent
from tui.core.ring import EventRing
from tui.drain import NOTICES, drain


async def test_a_steady_stream_is_announced_notices_times_a_second() -> None:
    """Events arriving all the time: NOTICES notices a second (not fewer: a notice that is
    late does not push the next ones back), never two within half a period, and the first
    at once."""
    bus, ring = EventBus(), EventRing(100_000)
    notices: list[float] = []
    task = asyncio.create_task(drain(bus, ring, None, lambda: notices.append(time.monotonic())))
    seconds = 2.0
    started = time.monotonic()
    sent = 0
    try:
        while time.monotonic() - started < seconds:
            for _ in range(50):
                sent += 1
                bus.offer(ReceiveEvent("c", time.time(), data="x", size=1))
            await asyncio.sleep(0.003)
        ends = time.monotonic()
        await asyncio.sleep(0.3)  # the last batch is announced when its wait runs out
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert ring.total == sent
    assert notices[0] - started < 0.1
    during = [t for t in notices if t <= ends]
    assert abs(len(during) - NOTICES * seconds) <= 2, len(during)
    assert min(b - a for a, b in itertools.pairwise(notices)) >= 0.5 / NOTICES - 0.001
    assert notices[-1] > ends  # the tail of the stream was announced too


async def test_an_event_after_a_quiet_spell_is_announced_at_once() -> None:
    bus, ring = EventBus(), EventRing(100)
    notices: list[float] = []
    noticed = asyncio.Event()

    def notify() -> None:
        notices.append(time.monotonic())
        noticed.set()

    task = asyncio.create_task(drain(bus, ring, None, notify))
    try:
        for _ in range(3):
            await asyncio.sleep(0.3)
            noticed.clear()
            offered = time.monotonic()
            bus.offer(ReceiveEvent("c", time.time(), data="x", size=1))
            async with asyncio.timeout(5):
                await noticed.wait()
            assert notices[-1] - offered < 0.05
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert ring.total == 3
    assert len(notices) == 3
