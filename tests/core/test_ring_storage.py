"""The ring stores events packed: equal events back, a few bytes beyond each payload, and
nothing for the garbage collector to scan."""

from __future__ import annotations

import gc
import tracemalloc
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from tui.core.events import (
    ErrorEvent,
    Event,
    PongEvent,
    ReceiveEvent,
    SendEvent,
    StartEvent,
    StopEvent,
)
from tui.core.ring import WHOLE_PAYLOAD, EventRing

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
    ring = EventRing(100_000)
    gc.collect()
    before = len(gc.get_objects())
    for start in range(0, 20_000, 1000):
        ring.extend([*EVENTS, *(_receive(seq) for seq in range(start, start + 1000))])
    gc.collect()
    # Full collections scan every tracked object: 100 000 kept events made each one take
    # 100-350 ms during a flood. The ring keeps them in arrays and bytes, which CPython does
    # not track, and packed tuples of strings and numbers, which it stops tracking.
    assert len(gc.get_objects()) - before < 100


def _receive(seq: int, name: str = "flood", text: str = "") -> ReceiveEvent:
    data = text or f"{seq:08d}" + "." * 56
    return ReceiveEvent(name, 1_764_102_328.0 + seq / 1000, seq, data, len(data.encode()))


def test_a_flood_is_kept_in_a_few_bytes_beyond_its_payloads() -> None:
    # One connection, one seq after the other, sizes that are the payloads' bytes: only
    # the timestamp, the payload's end and its kind are kept per event (plus the payload).
    ring = EventRing(100_000)
    for start in range(0, 200_000, 1000):
        ring.extend([_receive(seq) for seq in range(start, start + 1000)])
    tracemalloc.start()
    try:
        ring = EventRing(100_000)
        for start in range(0, 100_000, 1000):
            ring.extend([_receive(seq) for seq in range(start, start + 1000)])
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert held / 100_000 < 64 + 20  # a tuple, a float, an int and a str: ~280 bytes
    assert ring[0] == _receive(0)
    assert ring[-1] == _receive(99_999)


def test_each_rule_can_break_inside_a_chunk() -> None:
    ring = EventRing(10_000)
    flood = [_receive(seq) for seq in range(100)]
    gap = [_receive(seq) for seq in range(200, 210)]  # seq jumps
    other = [_receive(seq, name="other") for seq in range(210, 220)]  # another connection
    redacted = [ReceiveEvent("flood", 9.0, 220 + i, "***", 40) for i in range(10)]  # size
    mixed = [
        StartEvent("flood", 1.0, 230, url="ws://h/"),
        SendEvent("flood", 2.0, 231, b"\x00\xff" * 3, 6),
        ReceiveEvent("é", 3.0, 232, "fünf € \ud800 \U0001f600", 15),
        ErrorEvent("flood", 4.0, 233, kind="send", message="not sent"),
    ]
    huge = [ReceiveEvent("flood", 5.0, 2**64 + 1, "x", 1), ReceiveEvent("flood", 6.0, 3, "y", -1)]
    everything = flood + gap + other + redacted + mixed + huge + flood
    for start in range(0, len(everything), 7):  # batches cut anywhere
        ring.extend(everything[start : start + 7])
    assert list(ring) == everything
    assert [type(event) for event in ring] == [type(event) for event in everything]


def test_a_huge_payload_is_read_back_without_a_copy() -> None:
    # Decoded again at every access it took ~100 ms a read at 64 MiB (every repaint of the
    # detail pane): kept whole, the event read back holds the payload object itself.
    text, blob = "é" * WHOLE_PAYLOAD, bytes(range(256)) * (WHOLE_PAYLOAD // 256)
    small = [_receive(seq) for seq in range(10)]
    huge = [
        ReceiveEvent("flood", 5.0, 10, text, 2 * len(text)),
        SendEvent("flood", 6.0, 11, blob, len(blob)),
    ]
    everything = small[:5] + huge[:1] + small[5:] + huge[1:] + [_receive(seq) for seq in (12, 13)]
    ring = EventRing(10_000)
    ring.extend(everything[:8])
    ring.extend(everything[8:])
    assert list(ring) == everything
    assert ring[5].data is text
    assert ring[11].data is blob
    assert [type(event) for event in ring] == [type(event) for event in everything]


def test_a_chunk_counts_the_payloads_kept_whole() -> None:
    # Towards its 1 MiB: a chunk ends after a huge payload, so the events after it are
    # evicted in their own chunk, not held back by it (nor it by them).
    ring = EventRing(10_000)
    ring.extend([_receive(0), ReceiveEvent("flood", 2.0, 1, "x" * (1 << 20), 1 << 20)])
    ring.extend([_receive(2)])
    assert len(ring._chunks) == 2


def test_a_payload_under_the_limit_stays_in_the_columns() -> None:
    text = "é" * (WHOLE_PAYLOAD - 1)
    ring = EventRing(10)
    ring.extend([ReceiveEvent("a", 1.0, 1, text, 2 * len(text))])
    assert ring[0].data == text
    assert ring[0].data is not text


def test_events_of_other_classes_are_kept_as_they_are() -> None:
    @dataclass(slots=True)
    class Custom(Event):
        EVENT = "custom"

    custom = Custom("a", 1.0, 7)
    ring = EventRing(2)
    ring.extend([custom])
    assert ring[0] is custom


_any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=40)
_head = (
    st.sampled_from(["a", "b", "漢字", "\ud800", ""]),  # connection
    st.one_of(st.floats(allow_nan=False), st.integers(-10, 10**12)),  # ts
    st.integers(-5, 2**64 + 5),  # seq: past what a column holds, both ways
)
_payload = st.builds(
    lambda cls, name, ts, seq, data, size: cls(name, ts, seq, data, size),
    st.sampled_from([ReceiveEvent, SendEvent]),
    *_head,
    st.one_of(_any_text, st.binary(max_size=40)),
    st.integers(-5, 2**64 + 5),
)
_other = st.one_of(
    st.builds(StartEvent, *_head, _any_text, st.one_of(st.none(), _any_text), st.integers()),
    st.builds(StopEvent, *_head, st.one_of(st.none(), st.integers()), _any_text),
    st.builds(ErrorEvent, *_head, st.just("send"), _any_text),
    st.builds(PongEvent, *_head, st.floats(allow_nan=False)),
)


def _flood(count: int, first_seq: int) -> list[Event]:
    """What the ring is packed for: one connection, consecutive seqs, size = bytes."""
    return [ReceiveEvent("a", 1.0 + i, first_seq + i, "x" * (i % 5), i % 5) for i in range(count)]


@settings(max_examples=300, deadline=None)
@given(
    cap=st.integers(1, 50),
    batches=st.lists(
        st.one_of(
            st.lists(st.one_of(_payload, _other), max_size=30),
            st.builds(_flood, st.integers(0, 80), st.integers(0, 5)),
        ),
        max_size=8,
    ),
    clear_at=st.integers(-1, 8),
)
def test_the_ring_keeps_what_a_list_of_its_last_events_keeps(
    cap: int, batches: list[list[Event]], clear_at: int
) -> None:
    # Every kind and field, numbers no column holds, any text, eviction and clear.
    ring = EventRing(cap)
    model: list[Event] = []
    for index, batch in enumerate(batches):
        if index == clear_at:
            ring.clear()
            model = []
        ring.extend(batch)
        model = (model + batch)[-cap:]
        assert len(ring) == len(model)
        kept = list(ring)
        assert [type(event) for event in kept] == [type(event) for event in model]
        assert kept == model
