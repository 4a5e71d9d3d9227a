"""EventRing, FeedFilter and FilteredView: bounds, counters, and incremental filtering."""

from __future__ import annotations

import time
import tracemalloc
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.core import ring as ring_module
from tui.core.events import (
    ErrorEvent,
    Event,
    ReceiveEvent,
    SendEvent,
    StartEvent,
    StopEvent,
)
from tui.core.ring import ALL, EventRing, FeedFilter, FilteredView, search_texts


def receive(seq: int, conn: str = "echo", data: str | bytes | None = None) -> ReceiveEvent:
    payload: str | bytes = f"message {seq}" if data is None else data
    return ReceiveEvent(conn, 1_700_000_000.0 + seq, seq=seq, data=payload, size=len(payload))


def seqs(events: object) -> list[int]:
    return [event.seq for event in events]  # type: ignore[attr-defined]


# -- EventRing -------------------------------------------------------------------------------


def test_ring_is_bounded_and_counts_drops() -> None:
    ring = EventRing(5)
    ring.extend([receive(i) for i in range(3)])
    assert (len(ring), ring.dropped, ring.total) == (3, 0, 3)
    ring.extend([receive(i) for i in range(3, 8)])
    assert (len(ring), ring.dropped, ring.total) == (5, 3, 8)
    assert seqs(ring) == [3, 4, 5, 6, 7]
    assert (ring.first, ring.end) == (3, 8)


def test_ring_batch_bigger_than_capacity_keeps_the_newest() -> None:
    ring = EventRing(4)
    ring.extend([receive(0)])
    ring.extend([receive(i) for i in range(1, 11)])
    assert seqs(ring) == [7, 8, 9, 10]
    assert ring.dropped == 7
    assert ring.total == 11


def test_ring_indexing() -> None:
    ring = EventRing(4)
    ring.extend([receive(i) for i in range(6)])
    assert ring[0].seq == 2
    assert ring[-1].seq == 5
    assert seqs(ring[1:3]) == [3, 4]
    assert ring.at(5).seq == 5
    with pytest.raises(IndexError):
        ring[4]
    with pytest.raises(IndexError):
        ring.at(1)  # evicted
    with pytest.raises(IndexError):
        ring.at(6)  # not arrived


def test_ring_clear_is_not_a_drop() -> None:
    ring = EventRing(3)
    ring.extend([receive(i) for i in range(5)])
    assert ring.dropped == 2
    ring.clear()
    assert (len(ring), ring.dropped, ring.total) == (0, 0, 5)
    assert list(ring) == []
    ring.extend([receive(9)])
    assert seqs(ring) == [9]
    assert ring.at(5).seq == 9


def test_ring_rejects_a_useless_size() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        EventRing(0)


def test_extend_costs_the_batch_not_the_ring() -> None:
    ring = EventRing(1_000_000)
    batch = [receive(0)] * 1000
    ring.extend([receive(0)] * 999_000)
    tracemalloc.start()
    try:
        ring.extend(batch)
        ring.extend(batch)  # the ring is full: the oldest events go
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # What a batch needs, not what the ring holds (a copy of the ring: tens of MB).
    assert peak < 1_000_000


# -- FeedFilter ------------------------------------------------------------------------------


def test_filter_by_connection_kind_and_text() -> None:
    events: list[Event] = [
        receive(1, "alpha", "Hello World"),
        SendEvent("beta", 0.0, seq=2, data="ping", size=4),
        ErrorEvent("alpha", 0.0, seq=3, kind="connect", message="connection refused"),
        StartEvent("beta", 0.0, seq=4, url="ws://127.0.0.1:1/x"),
        StopEvent("alpha", 0.0, seq=5, code=1000, reason="bye", by="server"),
    ]
    assert all(ALL.matches(e) for e in events)
    only_alpha = FeedFilter(connections={"alpha"})
    assert [e.seq for e in events if only_alpha.matches(e)] == [1, 3, 5]
    errors = FeedFilter(kinds={"error", "stop"})
    assert [e.seq for e in events if errors.matches(e)] == [3, 5]
    hello = FeedFilter(search="hello")
    assert [e.seq for e in events if hello.matches(e)] == [1]
    assert not FeedFilter(search="hello", case_sensitive=True).matches(events[0])
    assert [e.seq for e in events if FeedFilter(search="beta").matches(e)] == [2, 4]
    assert [e.seq for e in events if FeedFilter(search="refused").matches(e)] == [3]
    assert [e.seq for e in events if FeedFilter(search="normal").matches(e)] == [5]
    regex = FeedFilter(search=r"^p[aeiou]ng$", regex=True)
    assert [e.seq for e in events if regex.matches(e)] == [2]
    assert FeedFilter(search="a.c").matches(receive(9, data="a.c"))
    assert not FeedFilter(search="a.c").matches(receive(9, data="abc"))
    assert FeedFilter(connections=set()).matches(events[0]) is False


def test_binary_payloads_match_their_hex() -> None:
    event = receive(1, data=bytes([0xDE, 0xAD, 0xBE, 0xEF]))
    assert FeedFilter(search="de ad").matches(event)
    assert FeedFilter(search="DEADBEEF").matches(event)
    assert FeedFilter(search=r"ad\s?be", regex=True).matches(event)
    assert not FeedFilter(search="cafe").matches(event)


def test_control_characters_match_raw_and_escaped() -> None:
    event = receive(1, data="a\x1b[2Jb")
    assert FeedFilter(search="\x1b[2J").matches(event)
    assert FeedFilter(search="\\x1b[2J").matches(event)


def test_search_only_sees_the_first_4_kib() -> None:
    event = receive(1, data="x" * 5000 + "needle")
    assert not FeedFilter(search="needle").matches(event)
    assert all(len(text) <= ring_module.SEARCH_LIMIT for text in search_texts(event))


def test_invalid_regex_is_a_clear_value_error() -> None:
    bad = FeedFilter(search="(unclosed", regex=True)
    with pytest.raises(ValueError, match=r"invalid regular expression: .*position 0"):
        bad.compile()
    with pytest.raises(ValueError, match="invalid regular expression"):
        bad.matches(receive(1))
    FeedFilter(search="(unclosed").compile()  # a literal search is never invalid


@pytest.mark.serial
def test_catastrophic_regex_is_bounded_in_time() -> None:
    evil = FeedFilter(search="(a+)+$", regex=True)
    event = receive(1, data="a" * 4095 + "b")
    started = time.perf_counter()
    assert evil.matches(event) is False
    assert time.perf_counter() - started < 1.0


@pytest.mark.serial
def test_view_gives_up_on_a_catastrophic_regex() -> None:
    ring = EventRing(100)
    ring.extend([receive(i, data="a" * 4000 + "b") for i in range(20)])
    view = FilteredView(ring)
    view.set_filter(FeedFilter(search="(a+)+$", regex=True))
    started = time.perf_counter()
    while view.step():
        pass
    assert time.perf_counter() - started < 2.0
    assert view.error is not None
    assert "catastrophic" in view.error
    assert view.timeouts == ring_module.MAX_TIMEOUTS
    assert not view.pending
    assert len(view) == 0


# -- FilteredView ----------------------------------------------------------------------------


def test_view_without_filter_maps_straight_into_the_ring() -> None:
    ring = EventRing(10)
    view = FilteredView(ring)
    ring.extend([receive(i) for i in range(15)])
    assert view.sync() is False
    assert len(view) == 10
    assert view.position(0) == 5
    assert view[0].seq == 5
    assert view.row_of(7) == 2
    assert view.contains(14)
    assert not view.contains(4)


def test_view_is_incremental_and_trims_evictions() -> None:
    ring = EventRing(10)
    view = FilteredView(ring, FeedFilter(search="odd"))
    batch = [receive(i, data="odd" if i % 2 else "even") for i in range(8)]
    ring.extend(batch)
    view.sync()
    assert seqs(view) == [1, 3, 5, 7]
    ring.extend([receive(i, data="odd" if i % 2 else "even") for i in range(8, 16)])
    view.sync()
    assert seqs(view) == [7, 9, 11, 13, 15]  # 0..5 were evicted
    assert view.arrived == 8
    ring.clear()
    view.sync()
    assert len(view) == 0


def test_a_step_after_evictions_skips_what_left_the_ring() -> None:
    """A search stepping through the ring while a flood evicts the part it had not reached
    (no sync in between: the search's own timer) examines what is still kept; it raised
    IndexError ('position ... is not in the ring') and the dashboard exited with a crash."""
    ring = EventRing(1000)
    ring.extend([receive(i, data=f"n{i}") for i in range(1000)])
    view = FilteredView(ring, FeedFilter(search="n"))
    view.step(max_events=10)
    ring.extend([receive(i, data=f"n{i}") for i in range(1000, 1600)])
    assert view.step(max_events=100)  # must not raise; the rest still pending
    view.finish()
    assert seqs(view)[0] == 600
    assert seqs(view)[-1] == 1599


def test_refilter_runs_in_bounded_steps() -> None:
    ring = EventRing(100_000)
    ring.extend([receive(i, conn=f"c{i % 4}") for i in range(100_000)])
    view = FilteredView(ring)
    view.set_filter(FeedFilter(connections={"c1"}))
    steps = 0
    while view.step(max_events=20_000):
        steps += 1
        assert 0.0 < view.progress < 1.0
    assert steps >= 4
    assert len(view) == 25_000
    assert view.position(0) == 1
    assert view.arrived == 0  # re-scanned events are not "new"


def test_set_filter_rejects_invalid_regex_and_keeps_the_old_filter() -> None:
    ring = EventRing(10)
    old = FeedFilter(search="x")
    view = FilteredView(ring, old)
    with pytest.raises(ValueError, match="invalid regular expression"):
        view.set_filter(FeedFilter(search="[", regex=True))
    assert view.filter is old


_CONNECTIONS = ["a", "b", "c"]
_TEXTS = ["", "hello", "HeLLo world", "x\x1by", "[red]z[/]", "12345", "abc"]


@st.composite
def event_batches(draw: st.DrawFn) -> list[list[Event]]:
    batches: list[list[Event]] = []
    seq = 0
    for _ in range(draw(st.integers(0, 8))):
        batch: list[Event] = []
        for _ in range(draw(st.integers(0, 12))):
            seq += 1
            conn = draw(st.sampled_from(_CONNECTIONS))
            kind = draw(st.sampled_from(["receive", "send", "error", "start", "stop", "bin"]))
            text = draw(st.sampled_from(_TEXTS))
            if kind == "receive":
                batch.append(ReceiveEvent(conn, 0.0, seq=seq, data=text, size=len(text)))
            elif kind == "send":
                batch.append(SendEvent(conn, 0.0, seq=seq, data=text, size=len(text)))
            elif kind == "bin":
                data = text.encode()
                batch.append(ReceiveEvent(conn, 0.0, seq=seq, data=data, size=len(data)))
            elif kind == "error":
                batch.append(ErrorEvent(conn, 0.0, seq=seq, message=text))
            elif kind == "start":
                batch.append(StartEvent(conn, 0.0, seq=seq, url=f"ws://h/{text}"))
            else:
                batch.append(StopEvent(conn, 0.0, seq=seq, code=1000, reason=text))
        batches.append(batch)
    return batches


filters = st.builds(
    FeedFilter,
    connections=st.none() | st.sets(st.sampled_from(_CONNECTIONS)),
    kinds=st.none() | st.sets(st.sampled_from(["receive", "send", "error", "start", "stop"])),
    search=st.sampled_from(["", "hello", "l+o", "^x", "6c", "\\x1b", "[red]", "ws://"]),
    regex=st.booleans(),
    case_sensitive=st.booleans(),
)


@settings(max_examples=150, deadline=None)
@given(
    capacity=st.integers(1, 30),
    batches=event_batches(),
    flt=filters,
    change_at=st.integers(0, 8),
    step=st.integers(1, 7),
)
def test_incremental_view_equals_brute_force(
    capacity: int, batches: list[list[Event]], flt: FeedFilter, change_at: int, step: int
) -> None:
    ring = EventRing(capacity)
    view = FilteredView(ring)
    for index, batch in enumerate(batches):
        if index == change_at:
            view.set_filter(flt)
        ring.extend(batch)
        view.sync()
        # Only part of any re-scan runs between batches, like the UI's timer does.
        view.step(max_events=step)
    view.finish()
    expected = [event for event in ring if view.filter.matches(event)]
    assert list(view) == expected
    for row in range(len(view)):
        assert view.row_of(view.position(row)) == row


# -- clear and undo ----------------------------------------------------------------------------


def test_clear_under_a_filter_hides_only_its_rows_and_keeps_the_dropped_count() -> None:
    ring = EventRing(10)
    view = FilteredView(ring)
    ring.extend([receive(i, conn="a" if i % 2 else "b") for i in range(14)])  # 4 dropped
    view.sync()
    assert view.dropped == 4
    view.set_filter(FeedFilter(connections={"a"}))
    cleared = view.clear()
    assert cleared.count == 5  # 5, 7, 9, 11, 13
    assert len(view) == 0
    assert view.uncleared == 5  # b's
    assert view.dropped == 4  # a filtered clear does not reset it
    view.set_filter(ALL)
    view.finish()
    assert seqs(view) == [4, 6, 8, 10, 12]  # the other connection's events are still there
    ring.extend([receive(14, conn="a")])  # evicts 4, which was shown: a drop
    view.sync()
    assert (seqs(view), view.dropped) == ([6, 8, 10, 12, 14], 5)
    ring.extend([receive(15, conn="b")])  # evicts 5, which was cleared: not a drop
    view.sync()
    assert (seqs(view), view.dropped) == ([6, 8, 10, 12, 14, 15], 5)
    assert view.undo(cleared) == 4  # 5 left memory meanwhile
    view.finish()
    assert seqs(view) == list(range(6, 16))


def test_clear_of_everything_is_a_floor_and_undo_lowers_it() -> None:
    ring = EventRing(10)
    view = FilteredView(ring)
    ring.extend([receive(i) for i in range(12)])
    view.sync()
    cleared = view.clear()
    assert (cleared.count, len(view), view.dropped) == (10, 0, 0)
    assert len(ring) == 10  # still in memory, for undo
    ring.extend([receive(i) for i in range(12, 15)])  # evicts 3 cleared events: not drops
    view.sync()
    assert (seqs(view), view.dropped) == ([12, 13, 14], 0)
    assert view.undo(cleared) == 7
    assert seqs(view) == list(range(5, 15))
    assert view.dropped == 2  # the count from before the clear


def test_a_plain_view_with_no_clear_does_no_work_per_event() -> None:
    ring = EventRing(100_000)
    ring.extend([receive(i) for i in range(100_000)])
    view = FilteredView(ring)
    assert not view.sync()
    assert view.position(0) == ring.first
    assert len(view) == 100_000


def test_clear_up_to_a_position_leaves_later_rows() -> None:
    ring = EventRing(100)
    view = FilteredView(ring, FeedFilter(search="odd"))
    ring.extend([receive(i, data="odd" if i % 2 else "even") for i in range(10)])
    view.sync()
    upto = ring.end  # what the operator was asked about: 1, 3, 5, 7, 9
    ring.extend([receive(i, data="odd" if i % 2 else "even") for i in range(10, 14)])
    view.sync()
    cleared = view.clear(upto)
    assert (cleared.count, seqs(view)) == (5, [11, 13])
    view.set_filter(ALL)
    view.finish()
    assert seqs(view) == [0, 2, 4, 6, 8, 10, 11, 12, 13]
    assert view.undo(cleared) == 5
    view.finish()
    assert seqs(view) == list(range(14))
    plain = FilteredView(ring)
    assert plain.clear(upto=12).count == 12
    assert seqs(plain) == [12, 13]


def _event(cls: type[Event], name: str, text: str) -> Event:
    if cls is ErrorEvent:
        return ErrorEvent(name, 1.0, 0, kind="send", message=text)
    return cls(name, 1.0, 0, text, len(text))  # type: ignore[call-arg]


_events = st.builds(
    _event,
    st.sampled_from([ReceiveEvent, SendEvent, ErrorEvent]),
    st.sampled_from(["a", "b"]),
    st.sampled_from(["ping", "pong", "x"]),
)
_filters = st.sampled_from(
    [FeedFilter(connections={"a"}), FeedFilter(kinds={"receive"}), FeedFilter(search="p"), ALL]
)
_operations = st.one_of(
    st.tuples(st.just("batch"), st.lists(_events, max_size=30)),
    st.tuples(st.just("filter"), _filters),
    st.tuples(st.just("step"), st.integers(1, 5)),
    st.tuples(st.just("clear"), st.none()),
    st.tuples(st.just("undo"), st.none()),
)


@settings(max_examples=300, deadline=None)
@given(cap=st.integers(1, 30), operations=st.lists(_operations, max_size=14))
def test_the_view_is_the_filter_over_what_is_kept_and_not_cleared(
    cap: int, operations: list[tuple[str, Any]]
) -> None:
    # Batches that evict, filter changes, partial steps, a clear (under a filter: of the
    # rows shown; without: of everything before) and its undo, against a plain model.
    ring = EventRing(cap)
    view = FilteredView(ring)
    flt, floor, hidden = ALL, 0, set[int]()
    undo: tuple[Any, int, set[int]] | None = None
    for kind, arg in operations:
        if kind == "batch":
            ring.extend(arg)
            view.sync()
        elif kind == "filter":
            flt = arg
            view.set_filter(arg)
        elif kind == "step":
            view.step(max_events=arg)
        elif kind == "clear":
            before = (floor, set(hidden))
            end = ring.end
            if flt.is_all:
                floor = max(floor, end)
            else:
                shown = range(max(ring.first, floor), end)
                hidden |= {p for p in shown if p not in hidden and flt.matches(ring.at(p))}
            undo = (view.clear(), *before)
        elif kind == "undo" and undo is not None:
            cleared, floor, hidden = undo
            view.undo(cleared)
            undo = None
        view.finish()
        kept = range(max(ring.first, floor), ring.end)
        expected = [p for p in kept if p not in hidden and flt.matches(ring.at(p))]
        assert [view.position(row) for row in range(len(view))] == expected, (kind, arg)
