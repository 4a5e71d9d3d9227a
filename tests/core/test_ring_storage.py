"""The ring stores events as plain tuples: equal events back, and nothing for the GC to scan."""

from __future__ import annotations

import gc
from dataclasses import dataclass

from tui.core.events import (
    ErrorEvent,
    Event,
    ReceiveEvent,
    SendEvent,
    StartEvent,
    StopEvent,
)
from tui.core.ring import EventRing

EVENTS: list[Event] = [
    StartEvent("a", 1.5, 1, url="ws://x/", subprotocol=None, attempt=2),
    ReceiveEvent("a", 2.0, 2, "text", 4),
    SendEvent("a", 2.5, 3, b"\x00\xff", 2),
    ErrorEvent("a", 3.0, 4, kind="send", message="not sent"),
    StopEvent("a", 3.5, 5, code=None, reason="", by="network"),
]


def test_events_come_back_equal() -> None:
    ring = EventRing(10)
    ring.extend(EVENTS)
    assert list(ring) == EVENTS
    assert [type(event) for event in ring] == [type(event) for event in EVENTS]
    assert ring.at(ring.first + 2) == EVENTS[2]


def test_stored_events_are_not_tracked_by_the_collector() -> None:
    ring = EventRing(10)
    ring.extend(EVENTS)
    gc.collect()
    # Full collections scan every tracked object: 100 000 kept events made each one take
    # 100-350 ms during a flood. Tuples of strings and numbers are untracked by CPython.
    assert not any(gc.is_tracked(item) for item in ring._buf[: len(EVENTS)])


def test_events_of_other_classes_are_kept_as_they_are() -> None:
    @dataclass(slots=True)
    class Custom(Event):
        EVENT = "custom"

    custom = Custom("a", 1.0, 7)
    ring = EventRing(2)
    ring.extend([custom])
    assert ring[0] is custom
