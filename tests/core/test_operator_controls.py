"""Operator controls in the core: Stop with a chosen close code and reason, manual ping,
start all; each against a real websockets server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from tests.close_server import CloseRecordingServer, close_recording_server
from tests.core.conftest import Collector, connection
from tui.core.client import State, close_problem
from tui.core.events import PongEvent, decode_line, encode_line
from tui.core.hub import Hub

SNOWMEN = "☃" * 41  # 123 bytes of UTF-8: the longest reason a close frame holds


@pytest.fixture
async def recording_server() -> AsyncIterator[CloseRecordingServer]:
    async with close_recording_server() as server:
        yield server


@pytest.mark.parametrize(
    ("code", "reason"), [(1000, ""), (4000, "maintenance"), (3001, SNOWMEN), (4999, "a\x00b")]
)
async def test_stop_sends_the_chosen_code_and_reason(
    recording_server: CloseRecordingServer,
    hub_runner: Callable[..., tuple[Hub, Collector]],
    code: int,
    reason: str,
) -> None:
    hub, events = hub_runner(connection("c", recording_server.url, auto_start=True))
    hub.start_auto()
    await events.count("start", 1)
    assert hub.stop("c", code, reason)
    (stop,) = await events.count("stop", 1)
    assert (stop.code, stop.reason, stop.by) == (code, reason, "client")
    await events.until(lambda: bool(recording_server.received))
    (received,) = recording_server.received
    assert received is not None
    assert (received.code, received.reason) == (code, reason)  # what the server got
    assert not events.of("error")  # an application code is no failure
    assert hub.get("c").state is State.STOPPED


@pytest.mark.parametrize("code", [0, 999, 1001, 1005, 1006, 1011, 1015, 2999, 5000, 65535])
def test_codes_a_client_may_not_send_are_refused(code: int) -> None:
    problem = close_problem(code, "")
    assert problem is not None
    assert "1000" in problem
    assert "3000-4999" in problem


def test_reason_is_at_most_123_bytes_of_utf8() -> None:
    assert close_problem(4000, SNOWMEN) is None
    too_long = close_problem(4000, SNOWMEN + "x")
    assert too_long == "the reason is 124 bytes of UTF-8; at most 123 fit"
    assert close_problem(4000, "\ud800") == "the reason is not valid text"


async def test_a_refused_stop_changes_nothing(
    recording_server: CloseRecordingServer, hub_runner: Callable[..., tuple[Hub, Collector]]
) -> None:
    hub, events = hub_runner(connection("c", recording_server.url, auto_start=True))
    hub.start_auto()
    await events.count("start", 1)
    with pytest.raises(ValueError, match="close code 1001 is not allowed"):
        hub.stop("c", 1001, "")
    assert hub.get("c").state is State.OPEN
    assert await hub.send("c", "still open")
    await events.count("receive", 1)


async def test_manual_ping_gives_a_pong_event_and_the_latency(
    recording_server: CloseRecordingServer, hub_runner: Callable[..., tuple[Hub, Collector]]
) -> None:
    # No keepalive pings: the latency can only come from the manual one.
    hub, events = hub_runner(
        connection("c", recording_server.url, auto_start=True, ping_interval=0)
    )
    hub.start_auto()
    await events.count("start", 1)
    assert hub.get("c").latency is None
    rtt = await hub.ping("c")
    assert rtt is not None
    assert 0 < rtt < 5
    (pong,) = await events.count("pong", 1)
    assert isinstance(pong, PongEvent)
    assert pong.rtt == rtt
    assert hub.get("c").latency == rtt
    line = encode_line(pong)
    assert f'"event":"pong","rtt_ms":{round(rtt * 1000, 3)}' in line
    assert decode_line(line).rtt == pytest.approx(rtt, abs=1e-6)  # type: ignore[attr-defined]


async def test_ping_while_stopped_is_an_error_event(
    hub_runner: Callable[..., tuple[Hub, Collector]],
) -> None:
    hub, events = hub_runner(connection("c", "ws://127.0.0.1:9/"))
    assert await hub.ping("c") is None
    (error,) = await events.count("error", 1)
    assert (error.kind, error.message) == ("send", "not pinged: c is stopped, not open")


async def test_a_ping_without_pong_is_a_timeout_and_the_connection_stays(
    recording_server: CloseRecordingServer, hub_runner: Callable[..., tuple[Hub, Collector]]
) -> None:
    recording_server.hold_pings = True
    settings: dict[str, Any] = {"auto_start": True, "ping_interval": 0, "ping_timeout": 0.3}
    hub, events = hub_runner(connection("c", recording_server.url, **settings))
    hub.start_auto()
    await events.count("start", 1)
    assert await hub.ping("c") is None
    (error,) = await events.count("error", 1)
    assert (error.kind, error.message) == ("timeout", "no pong within ping_timeout (0.3 s)")
    assert hub.get("c").state is State.OPEN
    assert not events.of("pong")
    # Read again before the hub shuts down: a peer that never reads cannot be closed
    # cleanly, and the clients' teardown is not what this test is about.
    recording_server.release.set()
    assert await hub.ping("c") is not None


async def test_start_all_starts_every_stopped_connection(
    recording_server: CloseRecordingServer, hub_runner: Callable[..., tuple[Hub, Collector]]
) -> None:
    names = ["a", "b", "c"]
    hub, events = hub_runner(*(connection(name, recording_server.url) for name in names))
    assert hub.start_all() == names
    assert hub.start_all() == []  # nothing left to start
    starts = await events.count("start", 3)
    assert sorted(start.connection for start in starts) == names
    hub.stop("b")
    await events.count("stop", 1)
    assert hub.start_all() == ["b"]
    await events.count("start", 4)
