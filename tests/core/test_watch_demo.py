"""Watches against the demo server: every watch raised and cleared on real connections."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import DemoServer
from tests.core.conftest import FAST_RECONNECT, Collector, connection, free_port
from tui.core.events import AlertEvent, Event, ReceiveEvent, StopEvent
from tui.core.hub import Hub
from tui.demo.routes import Flap, Pulse, Reply, parse_target
from tui.demo.watched import pulse_state

Runner = Callable[..., tuple[Hub, Collector]]


def alerts(collector: Collector, name: str) -> list[AlertEvent]:
    return [e for e in collector.of("alert") if e.name == name]


def states(collector: Collector, name: str) -> list[str]:
    return [e.state for e in alerts(collector, name)]


def by_seq(collector: Collector, seq: int | None) -> Event:
    (event,) = [e for e in collector.events if e.seq == seq]
    return event


async def test_pulse_raises_and_clears_silence_and_payload_rules(
    demo: DemoServer, hub_runner: Runner
) -> None:
    # Every second: 0.25-0.65 s the alarm field is true, 0.65-1 s nothing is sent.
    url = demo.endpoint("/pulse?rate=40&period=1&alarm=0.4&pause=0.35")
    watch: dict[str, Any] = {
        "silence": {"after": 0.2},
        "rules": {
            "alarm": {"jq": ".alarm == true", "level": "critical"},
            "text": {"regex": '"status": "alarm"'},
        },
    }
    hub, events = hub_runner(connection("pulse", url, auto_start=True, watch=watch))
    hub.start_auto()
    done = {"raised", "cleared"}
    await events.until(
        lambda: all(set(states(events, name)) >= done for name in ("silence", "alarm", "text")),
        timeout=15,
    )
    for name in ("silence", "alarm", "text"):
        assert states(events, name)[:2] == ["raised", "cleared"], name
    raised = alerts(events, "alarm")[0]
    assert raised.level == "critical"
    cause = by_seq(events, raised.cause)
    assert isinstance(cause, ReceiveEvent)
    assert json.loads(cause.data)["alarm"] is True
    cleared = alerts(events, "alarm")[1]
    assert cleared.seq > raised.seq
    silence = alerts(events, "silence")[0]
    last = by_seq(events, silence.cause)
    assert isinstance(last, ReceiveEvent)
    assert silence.ts == pytest.approx(last.ts + 0.2)


async def test_flapping_raises_while_the_server_drops_and_clears_when_stable(
    demo: DemoServer, hub_runner: Runner
) -> None:
    # Drops 0.1 s after each connect for 2 s, then stays up for 2 s.
    url = demo.endpoint("/flap?up=0.1&period=4")
    watch = {"flapping": {"more_than": 1, "within": 0.8}}
    conn = connection("flappy", url, auto_start=True, reconnect=FAST_RECONNECT, watch=watch)
    hub, events = hub_runner(conn)
    hub.start_auto()
    await events.until(lambda: states(events, "flapping")[:2] == ["raised", "cleared"], 15)
    raised, cleared = alerts(events, "flapping")[:2]
    assert raised.figures["stops"] == 2
    stop = by_seq(events, raised.cause)
    assert isinstance(stop, StopEvent)
    assert (stop.code, stop.by) == (1012, "server")
    quiet = [e for e in events.of("stop") if e.seq < cleared.seq][-1]
    assert cleared.ts == pytest.approx(quiet.ts + 0.8)


async def test_an_error_burst_raises_and_clears(hub_runner: Runner) -> None:
    reconnect = {**FAST_RECONNECT, "max_attempts": 3}
    watch = {"errors": {"more_than": 2, "within": 1, "level": "critical"}}
    conn = connection("broken", f"ws://127.0.0.1:{free_port()}/", reconnect=reconnect, watch=watch)
    hub, events = hub_runner(conn)
    hub.start("broken")
    await events.until(lambda: states(events, "errors") == ["raised", "cleared"], 10)
    raised = alerts(events, "errors")[0]
    assert raised.figures == {"errors": 3, "within_s": 1}
    assert by_seq(events, raised.cause).EVENT == "error"


async def test_connections_without_watches_keep_the_bare_bus(
    demo: DemoServer, hub_runner: Runner
) -> None:
    plain = connection("plain", demo.endpoint("/echo"))
    watched = connection("watched", demo.endpoint("/echo"), watch={"silence": {"after": 60}})
    hub, _ = hub_runner(plain, watched)
    assert hub.clients["plain"]._sink is hub.bus
    assert hub.clients["watched"]._sink is not hub.bus
    hub.remove("watched")
    assert list(hub.watches.watchers) == []


def test_pulse_and_flap_parameters() -> None:
    assert parse_target("/pulse") == Pulse(rate=2.0, period=40.0, alarm=6.0, pause=8.0)
    assert parse_target("/flap?up=0.5&period=10") == Flap(up=0.5, period=10.0)
    pulse = Pulse(rate=2.0, period=40.0, alarm=6.0, pause=8.0)
    assert pulse_state(pulse, 5.0) == (False, False)
    assert pulse_state(pulse, 10.0) == (True, False)
    assert pulse_state(pulse, 16.0) == (False, False)
    assert pulse_state(pulse, 32.0) == (False, True)
    for bad in ("/pulse?period=0", "/pulse?alarm=nan", "/pulse?period=10&alarm=5&pause=5"):
        reply = parse_target(bad)
        assert isinstance(reply, Reply), bad
        assert reply.status == 400, bad
