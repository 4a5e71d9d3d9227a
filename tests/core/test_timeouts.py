"""Pairing timeouts as events: on the bus in order, in JSON Lines, and counted by the
``unanswered`` watch."""

from __future__ import annotations

import asyncio
import json
import threading

from settings import Connection
from tui.core.bus import EventBus
from tui.core.display import text_line
from tui.core.events import AlertEvent, Event, TimeoutEvent, decode_line, encode_line
from tui.core.timeouts import WAITING, TimeoutPoster, lost_message
from tui.core.watch import WatchEngine


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _engine(bus: EventBus, clock: Clock, watch: dict[str, object] | None) -> WatchEngine:
    engine = WatchEngine(bus, clock=clock)
    engine.sink_for(Connection(name="rpc", url="ws://127.0.0.1:9/", watch=watch), bus)
    return engine


def _timeout(ts: float, request: int) -> TimeoutEvent:
    return TimeoutEvent("rpc", ts, request=request, waited=5.0)


def test_a_timeout_event_round_trips_through_json_lines() -> None:
    event = TimeoutEvent("rpc", 1000.25, 9, request=4, waited=5.0004)
    line = encode_line(event)
    assert json.loads(line) == {
        "seq": 9,
        "ts": "1970-01-01T00:16:40.250000Z",
        "connection": "rpc",
        "event": "timeout",
        "request": 4,
        "waited_ms": 5000.4,
    }
    decoded = decode_line(line)
    assert isinstance(decoded, TimeoutEvent)
    assert (decoded.seq, decoded.request, decoded.waited) == (9, 4, 5.0004)
    assert text_line(event, utc=True) == "00:16:40.250 rpc ⏱ no response to #4 after 5 s"


def test_a_long_wait_reads_in_plain_seconds() -> None:
    # correlate_timeout goes up to 3600 s: no "1.2e+03 s" in the feed or tail's text.
    event = TimeoutEvent("rpc", 1000.25, 9, request=4, waited=1200.25)
    assert text_line(event, utc=True) == "00:16:40.250 rpc ⏱ no response to #4 after 1200 s"
    event.waited = 99.94
    assert text_line(event, utc=True).endswith(" after 99.9 s")


async def test_more_than_k_timeouts_within_m_seconds_raise_unanswered_then_quiet_clears() -> None:
    bus, clock = EventBus(), Clock()
    engine = _engine(bus, clock, {"unanswered": {"more_than": 1, "within": 10}})
    poster = TimeoutPoster(bus, engine)
    poster.put([_timeout(1000.0, 1)])
    taken: list[Event] = bus.take()
    assert [type(e) for e in taken] == [TimeoutEvent]
    assert taken[0].seq == 1
    poster.put([_timeout(1020.0, 2)])  # outside the window of the first: no alert
    poster.put([_timeout(1025.0, 3)])  # two within 10 s: raised, caused by this one
    taken = bus.take()
    assert [type(e) for e in taken] == [TimeoutEvent, TimeoutEvent, AlertEvent]
    alert = taken[-1]
    assert isinstance(alert, AlertEvent)
    assert (alert.name, alert.state, alert.cause) == ("unanswered", "raised", taken[1].seq)
    assert alert.message == "2 timeouts within 10 s (more than 1)"
    assert alert.figures == {"timeouts": 2, "within_s": 10}
    clock.now = 1034.0
    engine.tick()
    assert bus.take() == []  # 9 s quiet: still raised
    clock.now = 1035.5
    engine.tick()
    (cleared,) = bus.take()
    assert isinstance(cleared, AlertEvent)
    assert (cleared.state, cleared.ts, cleared.message) == (
        "cleared",
        1035.0,
        "no timeouts for 10 s",
    )


async def test_timeouts_a_full_bus_refuses_go_on_in_order_once_it_has_room() -> None:
    bus, clock = EventBus(limit=2), Clock()
    engine = _engine(bus, clock, {"unanswered": {"more_than": 2, "within": 60}})
    poster = TimeoutPoster(bus, engine)
    poster.put([_timeout(1000.0, n) for n in range(1, 5)])
    assert [e.request for e in bus.take() if isinstance(e, TimeoutEvent)] == [1, 2]
    taken: list[Event] = []
    async with asyncio.timeout(5):
        while len([e for e in taken if isinstance(e, TimeoutEvent)]) < 2:
            taken += await bus.get_batch(timeout=1)
    assert [e.request for e in taken if isinstance(e, TimeoutEvent)] == [3, 4]
    # The watch saw all four (the alert's event follows once the bus has room).
    assert ("rpc", "unanswered") in engine.active


async def test_the_threadsafe_put_runs_in_the_loop() -> None:
    bus, clock = EventBus(), Clock()
    poster = TimeoutPoster(bus, _engine(bus, clock, None))
    put = poster.threadsafe(asyncio.get_running_loop())
    thread = threading.Thread(target=put, args=([_timeout(1000.0, 7)],))
    thread.start()
    thread.join()
    batch = await bus.get_batch(timeout=5)
    assert [(type(e), e.seq) for e in batch] == [(TimeoutEvent, 1)]


async def test_at_most_waiting_timeouts_wait_for_a_full_bus_the_rest_are_counted_and_told() -> None:
    bus, clock = EventBus(limit=1), Clock()
    told: list[int] = []
    drained = asyncio.Event()

    def lost(count: int) -> None:
        told.append(count)
        drained.set()

    poster = TimeoutPoster(bus, _engine(bus, clock, None), on_lost=lost)
    poster.put([_timeout(1000.0, n) for n in range(1, WAITING + 7)])  # the bus takes #1
    assert poster.lost == 5
    requests: list[int] = []
    async with asyncio.timeout(10):
        while len(requests) < WAITING + 1:
            batch = await bus.get_batch(timeout=1)
            requests += [e.request for e in batch if isinstance(e, TimeoutEvent)]
        await drained.wait()  # told once the waiting ones are on the bus
    assert requests == list(range(1, WAITING + 2))  # the first, in order
    assert told == [5]
    assert lost_message(5).startswith("5 timeout events lost: the event bus stayed full")
