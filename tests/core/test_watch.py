"""The watch engine on events and a hand-driven clock: each watch raised and cleared."""

from __future__ import annotations

import json
from typing import Any

import pytest

from settings import Connection
from tui.core import watch
from tui.core.bus import EventBus
from tui.core.events import (
    AlertEvent,
    ErrorEvent,
    Event,
    ReceiveEvent,
    StartEvent,
    StopBy,
    StopEvent,
)
from tui.core.watch import BELL_EVERY, AlertSink, WatchedSink, WatchEngine


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Rig:
    """One watched connection ``c`` on a real bus; events go in through its sink."""

    def __init__(self, watch: dict[str, Any], *, bus_limit: int = 1000) -> None:
        self.clock = Clock()
        self.bus = EventBus(bus_limit)
        self.bells = 0
        self.engine = WatchEngine(self.bus, clock=self.clock, bell=self.ring)
        connection = Connection(name="c", url="ws://127.0.0.1:9/", watch=watch)
        self.sink: AlertSink = self.engine.sink_for(connection, self.bus)
        self.taken: list[Event] = []

    def ring(self) -> None:
        self.bells += 1

    def put(self, event: Event) -> None:
        assert self.sink.offer(event)

    def at(self, now: float) -> None:
        self.clock.now = now
        self.engine.tick()

    def start(self, ts: float) -> None:
        self.put(StartEvent("c", ts, url="ws://127.0.0.1:9/"))

    def stop(self, ts: float, by: StopBy = "server") -> None:
        self.put(StopEvent("c", ts, code=1000, by=by))

    def receive(self, ts: float, text: str | bytes = "{}") -> ReceiveEvent:
        event = ReceiveEvent("c", ts, data=text, size=len(text))
        self.put(event)
        return event

    def alerts(self) -> list[AlertEvent]:
        self.taken += self.bus.take()
        return [e for e in self.taken if isinstance(e, AlertEvent)]


def test_a_connection_without_watches_gets_the_bare_bus() -> None:
    bus = EventBus()
    engine = WatchEngine(bus)
    assert engine.sink_for(Connection(name="a", url="ws://h/"), bus) is bus
    assert engine.sink_for(Connection(name="b", url="ws://h/", watch={}), bus) is bus
    watched = Connection(name="w", url="ws://h/", watch={"silence": {"after": 1}})
    assert isinstance(engine.sink_for(watched, bus), WatchedSink)
    assert list(engine.watchers) == ["w"]


def test_silence_raises_when_the_threshold_is_crossed_and_clears_on_a_message() -> None:
    rig = Rig({"silence": {"after": 5}})
    rig.start(1000.0)
    rig.receive(1001.0)
    rig.at(1005.9)
    assert rig.alerts() == []
    rig.at(1006.2)
    (raised,) = rig.alerts()
    assert (raised.name, raised.state, raised.level) == ("silence", "raised", "warning")
    assert raised.ts == 1006.0  # when the threshold was crossed, not when it was seen
    assert raised.message == "no message for 5 s"
    assert raised.figures == {"after_s": 5}
    first_message = rig.taken[1]
    assert raised.cause == first_message.seq
    assert rig.engine.counts() == (0, 1)
    rig.at(1020.0)
    assert len(rig.alerts()) == 1  # raised once, not at every tick
    rig.receive(1021.5)
    cleared = rig.alerts()[-1]
    assert (cleared.state, cleared.ts, cleared.figures) == ("cleared", 1021.5, {"silent_s": 20.5})
    assert cleared.message == "a message after 20.5 s of silence"
    assert rig.engine.counts() == (0, 0)
    (past,) = rig.engine.alerts()
    assert past.duration(9999.0) == pytest.approx(15.5)


def test_silence_counts_only_while_open() -> None:
    rig = Rig({"silence": {"after": 2}})
    rig.at(1100.0)  # never opened
    assert rig.alerts() == []
    rig.start(1100.0)
    rig.at(1101.0)
    rig.stop(1101.5, by="server")
    rig.at(1200.0)
    assert rig.alerts() == []
    rig.start(1200.0)
    rig.at(1202.0)
    assert [a.state for a in rig.alerts()] == ["raised"]
    # Dropped by the server: still nothing arrives, the alert stays.
    rig.stop(1203.0, by="server")
    rig.at(1204.0)
    assert [a.state for a in rig.alerts()] == ["raised"]
    # The operator's Stop: nothing is missing any more.
    rig.stop(1205.0, by="client")
    assert [a.state for a in rig.alerts()] == ["raised", "cleared"]
    assert rig.alerts()[-1].message == "the connection was stopped"


def test_flapping_counts_drops_in_a_sliding_window_and_clears_after_quiet() -> None:
    rig = Rig({"flapping": {"more_than": 2, "within": 10, "level": "critical"}})
    for ts in (1000.0, 1004.0, 1011.0):  # never three within 10 s
        rig.stop(ts)
    rig.stop(1012.0, by="client")  # the operator's Stop does not count
    assert rig.alerts() == []
    rig.stop(1013.0)  # 1004, 1011, 1013: three within 10 s
    (raised,) = rig.alerts()
    assert (raised.name, raised.level, raised.ts) == ("flapping", "critical", 1013.0)
    assert raised.figures == {"stops": 3, "within_s": 10}
    assert raised.cause == rig.taken[-2].seq  # the stop that tipped it
    rig.stop(1015.0)
    rig.at(1024.9)
    assert len(rig.alerts()) == 1
    rig.at(1025.3)
    cleared = rig.alerts()[-1]
    assert (cleared.state, cleared.ts) == ("cleared", 1025.0)
    assert cleared.message == "no stops for 10 s"


def test_an_error_burst_raises_and_clears() -> None:
    rig = Rig({"errors": {"more_than": 1, "within": 5}})
    rig.put(ErrorEvent("c", 1000.0, kind="connect", message="refused"))
    assert rig.alerts() == []
    rig.put(ErrorEvent("c", 1003.0, kind="connect", message="refused"))
    (raised,) = rig.alerts()
    assert raised.figures == {"errors": 2, "within_s": 5}
    rig.at(1008.0)
    assert rig.alerts()[-1].state == "cleared"


@pytest.mark.parametrize(
    ("rule", "alarm", "calm"),
    [
        ({"jq": '.status == "alarm"'}, '{"status": "alarm"}', '{"status": "ok"}'),
        ({"jq": ".temperature > 28"}, b'{"temperature": 29.5}', '{"temperature": 20}'),
        ({"regex": r"ALARM \d+"}, "ALARM 42 on line 3", "all fine"),
        ({"regex": "ALARM"}, b"ALARM in binary", b"\xff\xfe"),
    ],
    ids=["jq", "jq-binary", "regex", "regex-binary"],
)
def test_a_payload_rule_raises_while_matching_and_clears_on_a_non_match(
    rule: dict[str, str], alarm: str | bytes, calm: str | bytes
) -> None:
    rig = Rig({"rules": {"hot": {**rule, "level": "critical"}}})
    rig.receive(1000.0, calm)
    assert rig.alerts() == []
    trigger = rig.receive(1001.0, alarm)
    rig.receive(1002.0, alarm)
    (raised,) = rig.alerts()
    assert (raised.name, raised.level, raised.cause) == ("hot", "critical", trigger.seq)
    ((kind, source),) = rule.items()
    assert raised.message == f"a message matches {kind} {source}"
    assert rig.engine.badges() == {"c": ("critical", 1)}
    rig.receive(1003.0, calm)
    cleared = rig.alerts()[-1]
    assert (cleared.state, cleared.ts, cleared.figures) == ("cleared", 1003.0, {"matches": 2})
    assert rig.engine.badges() == {}


def test_non_json_payloads_do_not_match_a_jq_rule() -> None:
    rig = Rig({"rules": {"hot": {"jq": ".temperature > 28"}}})
    for text in ("not json", "", "[1, 2]", '{"temp": 30}', '{"temperature": 3'):
        rig.receive(1000.0, text)
    rig.receive(1001.0, b"\x00\xff")
    assert rig.alerts() == []


def test_a_rule_with_hold_clears_when_no_match_came_for_that_long() -> None:
    rig = Rig({"rules": {"alarm": {"jq": ".alarm", "hold": 3}}})
    rig.receive(1000.0, '{"alarm": true}')
    rig.at(1002.5)
    rig.receive(1002.6, '{"alarm": true}')
    rig.at(1005.0)
    assert len(rig.alerts()) == 1
    rig.at(1006.0)
    cleared = rig.alerts()[-1]
    assert (cleared.state, cleared.ts) == ("cleared", pytest.approx(1005.6))
    assert cleared.message == "no matching message for 3 s"


def test_the_bell_rings_once_per_period_until_acknowledged() -> None:
    rig = Rig({"silence": {"after": 1, "bell": True}, "rules": {"quiet": {"regex": "x"}}})
    rig.start(1000.0)
    rig.receive(1000.0, "x")  # raises "quiet", which has no bell
    assert rig.bells == 0
    rig.at(1001.0)
    assert rig.bells == 1
    rig.at(1001.0 + BELL_EVERY - 1)
    assert rig.bells == 1
    rig.at(1001.0 + BELL_EVERY)
    assert rig.bells == 2
    (silence,) = [a for a in rig.engine.alerts() if a.name == "silence"]
    rig.engine.acknowledge(silence)
    rig.at(1001.0 + 3 * BELL_EVERY)
    assert rig.bells == 2
    assert silence.active
    assert silence.acknowledged


def test_alerts_list_critical_first_then_cleared_ones_newest_first() -> None:
    rig = Rig(
        {
            "rules": {
                "a": {"regex": "a"},
                "b": {"regex": "b", "level": "critical"},
                "c": {"regex": "c"},
            }
        }
    )
    rig.receive(1000.0, "c")
    rig.receive(1001.0, "abc")
    assert [a.name for a in rig.engine.alerts()] == ["b", "a", "c"]
    assert rig.engine.counts() == (1, 2)
    assert rig.engine.badges() == {"c": ("critical", 3)}
    rig.receive(1002.0, "bc")
    rig.receive(1003.0, "b")
    assert [(a.name, a.active) for a in rig.engine.alerts()] == [
        ("b", True),
        ("c", False),
        ("a", False),
    ]


async def test_alert_events_wait_for_room_when_the_bus_is_full() -> None:
    rig = Rig({"rules": {"hot": {"regex": "hot"}}}, bus_limit=1)
    received = rig.receive(1000.0, "hot")  # fills the bus: the alert cannot go on it yet
    assert rig.bus.take() == [received]
    await rig.engine.flush()
    (event,) = rig.bus.take()
    assert isinstance(event, AlertEvent)
    assert event.state == "raised"
    (alert,) = rig.engine.alerts()
    assert alert.event is event
    assert event.seq == received.seq + 1


def test_alert_events_waiting_for_a_full_bus_are_bounded_and_the_rest_counted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(watch, "WAITING", 2)
    rig = Rig({"rules": {"hot": {"regex": "hot"}}}, bus_limit=1)
    for second, text in enumerate(["hot", "cold", "hot", "cold", "hot"]):
        rig.receive(1000.0 + second, text)  # fills the bus: the alert event must wait
        rig.bus.take()  # the message goes; the bus is never free when an alert is sent
    assert rig.engine.lost == 3  # raised, cleared kept; the next three counted
    (alert,) = [a for a in rig.engine.alerts() if a.active]  # the alert itself is right
    assert alert.raised_at == 1004.0


def test_forgetting_a_connection_clears_its_alerts() -> None:
    rig = Rig({"rules": {"hot": {"regex": "hot"}}})
    rig.receive(1000.0, "hot")
    rig.engine.forget("c")
    assert [(a.state, a.message) for a in rig.alerts()][-1] == ("cleared", "the watch was removed")
    assert rig.engine.active == {}
    assert rig.engine.watchers == {}


def test_alert_events_round_trip_through_json_lines() -> None:
    from tui.core.events import decode_line, encode_line

    event = AlertEvent(
        "c", 1000.5, 7, name="hot", level="critical", message="m", figures={"x": 1.5}, cause=3
    )
    line = encode_line(event)
    assert json.loads(line) == {
        "seq": 7,
        "ts": "1970-01-01T00:16:40.500000Z",
        "connection": "c",
        "event": "alert",
        "name": "hot",
        "level": "critical",
        "state": "raised",
        "message": "m",
        "figures": {"x": 1.5},
        "cause": 3,
    }
    assert decode_line(line) == event


def test_changes_between_two_ticks_are_not_missed() -> None:
    rig = Rig(
        {
            "silence": {"after": 1},
            "flapping": {"more_than": 1, "within": 5},
            "rules": {"hot": {"regex": "hot", "hold": 2}},
        }
    )
    rig.start(1000.0)
    rig.receive(1000.5, "hot")
    # No tick at all: a 1.2 s silence, a hold that ran out and a quiet window still count.
    rig.receive(1001.7, "hot")
    assert [(a.name, a.state, a.ts) for a in rig.alerts()] == [
        ("hot", "raised", 1000.5),
        ("silence", "raised", 1001.5),
        ("silence", "cleared", 1001.7),
    ]
    rig.receive(1004.0, "hot")
    assert [(a.name, a.state, a.ts) for a in rig.alerts()[3:]] == [
        ("silence", "raised", 1002.7),
        ("silence", "cleared", 1004.0),
        ("hot", "cleared", 1003.7),
        ("hot", "raised", 1004.0),
    ]
    rig.stop(1010.0)
    rig.stop(1011.0)
    rig.stop(1020.0)  # the window emptied at 1016
    assert [(a.name, a.state, a.ts) for a in rig.alerts() if a.name == "flapping"] == [
        ("flapping", "raised", 1011.0),
        ("flapping", "cleared", 1016.0),
    ]
