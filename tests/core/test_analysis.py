"""The analysis thread behind the drain: fields and pairing from a real server's messages."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, serve

from tests.core.conftest import connection
from tui.core.analysis import BACKLOG, Analysis
from tui.core.events import Event, ReceiveEvent, RuleSendEvent, SendEvent, TimeoutEvent
from tui.core.fields_store import RESOLUTION
from tui.core.hub import Hub
from tui.core.jq import NO_VALUE
from tui.core.ring import EventRing
from tui.drain import drain


async def _until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


async def _telemetry_and_rpc(ws: ServerConnection) -> None:
    """Two readings, then a JSON-RPC server: answers ``sum`` after ``params[0]`` ms, never
    answers ``hang``."""
    await ws.send(json.dumps({"temperature": 20.5, "status": "ok"}))
    await asyncio.sleep(2 * RESOLUTION)  # in an interval of its own: the series keeps it
    await ws.send("not json at all")

    async def answer(request: dict[str, Any]) -> None:
        await asyncio.sleep(request["params"][0] / 1000)
        await ws.send(json.dumps({"jsonrpc": "2.0", "result": 1, "id": request["id"]}))

    answers = set()  # each answered on its own: the quicker one goes out first
    async for message in ws:
        request = json.loads(message)
        if request.get("method") == "sum":
            answers.add(asyncio.create_task(answer(request)))


@pytest.fixture
async def server_url() -> AsyncIterator[str]:
    async with serve(_telemetry_and_rpc, "127.0.0.1", 0) as server:
        yield f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}/"


async def test_fields_and_jsonrpc_pairing_behind_the_drain(server_url: str) -> None:
    settings = connection(
        "rpc",
        server_url,
        fields={"temp": ".temperature", "status": ".status"},
        correlate_timeout=0.3,
    )
    hub, ring = Hub([settings], env={}), EventRing(1000)
    analysis = Analysis()
    analysis.configure(settings)
    analysis.start()
    runner = asyncio.create_task(hub.run_clients())
    drainer = asyncio.create_task(drain(hub.bus, ring, None, lambda: None, analysis.offer))
    try:
        hub.start("rpc")
        fields = analysis.fields
        await _until(lambda: fields.series("rpc", "temp") is not None)
        series = fields.series("rpc", "temp")
        assert series is not None
        assert series.since(0)[1] == [20.5]
        # The last message was not JSON: every field is missing, nothing raised.
        await _until(lambda: fields.latest("rpc") == {"temp": NO_VALUE, "status": NO_VALUE})
        await hub.send(
            "rpc", json.dumps({"jsonrpc": "2.0", "method": "sum", "params": [40], "id": 1})
        )
        await hub.send(
            "rpc", json.dumps({"jsonrpc": "2.0", "method": "sum", "params": [5], "id": 2})
        )
        await hub.send("rpc", json.dumps({"jsonrpc": "2.0", "method": "hang", "id": 3}))
        marks = analysis.pairings.marks
        sends = [e.seq for e in await _sends(ring, 3)]
        await _until(lambda: all(marks.get(seq) is not None for seq in sends))
        first, second, hung = (marks.get(seq) for seq in sends)
        assert first is not None
        assert first.kind == "request"
        assert first.rtt >= 0.04
        assert second is not None
        assert second.kind == "request"
        assert second.rtt < first.rtt
        assert hung is not None
        assert hung.kind == "timeout"
        assert hung.rtt >= 0.3
        response = marks.get(first.other)
        assert response is not None
        assert response.kind == "response"
        assert response.other == sends[0]
    finally:
        drainer.cancel()
        await hub.shutdown(1.0)
        runner.cancel()
        await asyncio.gather(drainer, runner, return_exceptions=True)
        analysis.stop()


async def _sends(ring: EventRing, count: int) -> list[ReceiveEvent]:
    await _until(lambda: sum(e.EVENT == "send" for e in ring) >= count)
    return [e for e in ring if e.EVENT == "send"]  # type: ignore[misc]


def test_a_thread_far_behind_skips_whole_batches() -> None:
    analysis = Analysis()  # not started: nothing takes the batches
    analysis.configure(connection("c", "ws://127.0.0.1:9/", fields={"n": ".n"}))
    batch = [ReceiveEvent("c", 1.0, data="{}", size=2)] * 3
    for _ in range(BACKLOG + 2):
        analysis.offer(batch)
    assert analysis.skipped == 6
    analysis.start()
    analysis.stop(timeout=5.0)  # after the batches already queued
    assert analysis.analysed == BACKLOG


async def test_a_batch_that_raises_is_counted_and_the_thread_goes_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    analysis = Analysis()
    analysis.configure(connection("c", "ws://127.0.0.1:9/", fields={"n": ".n"}))
    original = analysis.pairings.take
    calls = 0

    def take_once_broken(events: list[Event]) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RecursionError("maximum recursion depth exceeded")
        original(events)

    monkeypatch.setattr(analysis.pairings, "take", take_once_broken)
    analysis.start()
    try:
        analysis.offer([ReceiveEvent("c", 1.0, data='{"n": 1}', size=8)])
        analysis.offer([ReceiveEvent("c", 2.0, data='{"n": 2}', size=8)])
        await _until(lambda: analysis.idle)
        assert analysis.failures == 1
        assert analysis.failure == "RecursionError: maximum recursion depth exceeded"
        assert analysis.fields.latest("c") == {"n": 2}  # the next batch was analysed
    finally:
        analysis.stop()


def _analysed(analysis: Analysis, batches: int, batch: list[Event]) -> int:
    """Offer ``batch`` ``batches`` times to a thread not yet started, then let it run:
    how many of them it analysed."""
    before = analysis.analysed
    for _ in range(batches):
        analysis.offer(batch)
    analysis.start()
    analysis.stop(timeout=5.0)  # after the batches already queued
    return analysis.analysed - before


def test_a_dashboard_that_only_listens_never_wakes_the_thread() -> None:
    received = [ReceiveEvent("c", 1.0, data='{"jsonrpc": "2.0", "id": 1, "result": 2}', size=40)]
    analysis = Analysis()
    analysis.configure(connection("c", "ws://127.0.0.1:9/"))
    assert _analysed(analysis, 5, received) == 0
    assert analysis.idle


@pytest.mark.parametrize("sent", [SendEvent, RuleSendEvent])
def test_a_sent_message_starts_the_hand_over_for_good(sent: type[SendEvent]) -> None:
    analysis = Analysis()
    analysis.configure(connection("c", "ws://127.0.0.1:9/"))
    request = sent("c", 1.0, data='{"jsonrpc": "2.0", "id": 1, "method": "m"}', size=40)
    received = ReceiveEvent("c", 1.1, data='{"jsonrpc": "2.0", "id": 1, "result": 2}', size=40)
    # The request's batch, then every batch after it: its response may come any time.
    assert _analysed(analysis, 1, [request]) == 1
    assert _analysed(analysis, 3, [received]) == 3


def test_fields_or_a_correlate_program_hand_every_batch_over() -> None:
    received = [ReceiveEvent("c", 1.0, data='{"n": 1, "id": 1}', size=16)]
    with_fields = Analysis()
    with_fields.configure(connection("c", "ws://127.0.0.1:9/", fields={"n": ".n"}))
    assert _analysed(with_fields, 2, received) == 2
    correlated = Analysis()
    correlated.configure(connection("c", "ws://127.0.0.1:9/", correlate=".id"))
    assert _analysed(correlated, 2, received) == 2
    # Taken away again (the settings screen), the batches stop.
    correlated.configure(connection("c", "ws://127.0.0.1:9/"))
    assert _analysed(correlated, 2, received) == 0
    with_fields.forget("c")
    assert _analysed(with_fields, 2, received) == 0


async def test_a_timeout_event_is_given_when_due_not_at_the_next_tick() -> None:
    # The README: within a quarter of a second of its deadline. Requests 70 ms apart have
    # deadlines at every phase of the thread's quarter-second tick.
    analysis = Analysis()
    analysis.configure(connection("rpc", "ws://127.0.0.1:9/", correlate_timeout=0.3))
    given: list[TimeoutEvent] = []
    analysis.on_timeouts = given.extend
    start = time.time()
    for n in range(5):
        data = json.dumps({"jsonrpc": "2.0", "method": "hang", "id": n})
        analysis.offer([SendEvent("rpc", start + n * 0.07, seq=n + 1, data=data, size=len(data))])
    analysis.start()
    try:
        await _until(lambda: len(given) == 5)
    finally:
        analysis.stop()
    assert sorted(e.request for e in given) == [1, 2, 3, 4, 5]
    late = [e.waited - 0.3 for e in given]
    assert max(late) < 0.1, late
