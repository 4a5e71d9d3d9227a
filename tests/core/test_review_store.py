"""The review store (``wsdeck open``): an index of line offsets over JSON Lines files."""

from __future__ import annotations

import gzip
import os
import threading
import time
from pathlib import Path

import pytest

from tui import review_store
from tui.core.events import (
    ErrorEvent,
    Event,
    ReceiveEvent,
    SendEvent,
    StartEvent,
    StopEvent,
    decode_line,
    encode_lines,
    format_ts,
)
from tui.review_store import FileRing, OpenError, RecordingStore

T0 = 1_795_600_000.0


def sample(count: int = 6, name: str = "echo", first_seq: int = 1) -> list[Event]:
    events: list[Event] = [StartEvent(name, T0, url="ws://127.0.0.1:1/", attempt=1)]
    for index in range(count - 2):
        cls = SendEvent if index % 2 else ReceiveEvent
        data: str | bytes = f"message {index}" if index % 3 else bytes([index, 0xFF])
        events.append(cls(name, T0 + index + 1, data=data, size=len(data)))
    events.append(StopEvent(name, T0 + count, code=1000, reason="", by="client"))
    for offset, event in enumerate(events):
        event.seq = first_seq + offset
    return events


def texts(count: int, name: str = "echo", first_seq: int = 1) -> list[Event]:
    """``count`` received text messages, a millisecond apart."""
    return [
        ReceiveEvent(name, T0 + index / 1000, first_seq + index, data=f"m{index}", size=4)
        for index in range(count)
    ]


def loaded(*paths: Path) -> RecordingStore:
    store = RecordingStore(list(paths))
    store.load_all()
    return store


def test_every_event_comes_back_equal(tmp_path: Path) -> None:
    events = sample(50)
    path = tmp_path / "events.jsonl"
    path.write_text(encode_lines(events))
    store = loaded(path)
    assert store.done
    assert store.malformed == 0
    assert [store.event(i) for i in range(store.events)] == events
    assert list(store.ring) == events
    store.close()


def test_counts_per_connection(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    events = [*sample(6, "a"), *sample(4, "b", first_seq=7)]
    events.append(ErrorEvent("b", T0 + 9, 11, kind="connect", message="refused"))
    path.write_text(encode_lines(events))
    store = loaded(path)
    a, b = store.counts["a"], store.counts["b"]
    assert (a.events, a.msgs_in, a.msgs_out, a.errors) == (6, 2, 2, 0)
    assert a.bytes_in == sum(e.size for e in events[:6] if isinstance(e, ReceiveEvent))
    assert (b.events, b.msgs_in, b.msgs_out, b.errors) == (5, 1, 1, 1)
    assert a.first == format_ts(T0)
    assert b.last == format_ts(T0 + 9)
    store.close()


def test_malformed_lines_are_counted_and_skipped(tmp_path: Path) -> None:
    good = encode_lines(sample(4)).splitlines()
    path = tmp_path / "broken.jsonl"
    path.write_text(
        "\n".join(
            [
                good[0],
                "{not json",
                good[1],
                '{"seq":9,"ts":"2026-11-24T21:06:40Z","connection":"x","event":"alarm"}',
                "",  # a blank line is no event and no problem
                '{"seq":"nine","ts":"2026-11-24T21:06:40Z","connection":"x","event":"stop"}',
                "[1, 2]",
                good[2],
                good[3][:20],  # cut short by a crash: no newline at the end
            ]
        )
    )
    store = loaded(path)
    assert store.events == 3
    assert store.malformed == 5
    assert store.problems == [
        f"{path}:2: not JSON",
        f"{path}:4: unknown event 'alarm'",
        f"{path}:6: field 'seq' is missing or has the wrong type",
        f"{path}:7: not a JSON object",
        f"{path}:9: cut short",
    ]
    assert [store.event(i) for i in range(3)] == [decode_line(line) for line in good[:3]]
    store.close()


def test_only_the_first_problems_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "junk.jsonl"
    path.write_text("junk\n" * 100)
    store = loaded(path)
    assert store.malformed == 100
    assert len(store.problems) == review_store.KEPT_PROBLEMS
    store.close()


def test_a_line_that_passes_the_index_but_not_decoding_is_an_error_event(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    line = (
        '{"seq":1,"ts":"2026-11-24T21:06:40.000000Z","connection":"x","event":"receive",'
        '"binary":true,"base64":"!!!","size":3}\n'
    )
    path.write_text(line)
    store = loaded(path)
    event = store.event(0)
    assert isinstance(event, ErrorEvent)
    assert event.connection == "(file)"
    assert "not a readable event" in event.message
    store.close()


def test_lines_across_block_boundaries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(review_store, "BLOCK", 7)  # every line is cut by a block's end
    events = sample(30)
    path = tmp_path / "events.jsonl"
    path.write_text(encode_lines(events))
    store = RecordingStore([path])
    steps = 0
    while not store.done:
        store.step(seconds=0)
        steps += 1
    assert steps > 100  # indexed a block at a time
    assert list(store.ring) == events
    store.close()


def test_gzip_rotations_and_files_in_the_order_given(tmp_path: Path) -> None:
    old, new = sample(10, first_seq=1), sample(8, first_seq=11)
    plain = tmp_path / "events.jsonl"
    plain.write_text(encode_lines(new))
    packed = tmp_path / "events.jsonl.1.gz"
    with gzip.open(packed, "wt") as out:
        out.write(encode_lines(old))
    store = loaded(packed, plain)
    assert store.events == 18
    assert [store.event(i).seq for i in range(18)] == list(range(1, 19))
    assert store.event(3) == old[3]
    assert store.event(15) == new[5]
    store.close()


def test_a_damaged_gzip_file_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    events = sample(200)
    packed = tmp_path / "events.jsonl.1.gz"
    packed.write_bytes(gzip.compress(encode_lines(events).encode())[:-30])  # cut short
    store = loaded(packed)
    assert store.done
    assert store.malformed >= 1
    assert any("cannot read further" in problem for problem in store.problems)
    assert 0 < store.events < 200
    store.close()


def test_missing_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(OpenError, match="No such file or directory"):
        RecordingStore([tmp_path / "missing.jsonl"])
    with pytest.raises(OpenError, match=r"Is a directory|not a regular file"):
        RecordingStore([tmp_path])


def test_file_ring_reads_what_is_indexed(tmp_path: Path) -> None:
    events = sample(20)
    path = tmp_path / "events.jsonl"
    path.write_text(encode_lines(events))
    store = RecordingStore([path])
    ring = store.ring
    assert isinstance(ring, FileRing)
    assert (len(ring), ring.first, ring.end) == (0, 0, 0)
    store.load_all()
    assert (len(ring), ring.first, ring.end, ring.total, ring.dropped) == (20, 0, 20, 20, 0)
    assert ring[-1] == events[-1]
    assert ring[2:4] == events[2:4]
    assert ring.at(5) == events[5]
    ring.extend([])  # nothing arrives in review
    with pytest.raises(ValueError, match="takes no new events"):
        ring.extend(events[:1])
    ring.clear()
    assert (len(ring), ring.first, ring.end) == (0, 20, 20)
    with pytest.raises(IndexError):
        ring.at(5)
    store.close()


def _indexing_time(path: Path) -> float:
    started = time.perf_counter()
    store = loaded(path)
    elapsed = time.perf_counter() - started
    assert store.malformed >= 1
    store.close()
    return elapsed


def test_a_huge_line_without_newlines_is_indexed_in_linear_time(tmp_path: Path) -> None:
    # A hostile or broken file of one huge line: each 1 MiB block was joined to the whole
    # line so far and the line searched again for a newline (128 MiB took 22 s). Eight times
    # the bytes must take about eight times as long, not sixty-four; the bound leaves room
    # for a fixed cost measured at a few milliseconds and for a shared machine.
    def one_line(blocks: int) -> Path:
        path = tmp_path / f"{blocks}.jsonl"
        path.write_bytes(b"x" * (blocks * review_store.BLOCK))
        return path

    small, large = one_line(8), one_line(64)
    # The better of three runs each: the machine is shared.
    short = min(_indexing_time(small) for _ in range(3))
    long = min(_indexing_time(large) for _ in range(3))
    assert long < 32 * short, (long, short)


def test_lines_across_blocks_keep_their_offsets(tmp_path: Path) -> None:
    events = sample(3)
    path = tmp_path / "r.jsonl"
    path.write_text(encode_lines(events))
    store = RecordingStore([path])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(review_store, "BLOCK", 7)  # every line crosses several blocks
        store.load_all()
    assert [store.event(i) for i in range(store.events)] == events
    store.close()


def test_a_line_over_the_longest_indexed_is_not_kept_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A gzip file of zeros unpacks to gigabytes of one line: it was all held in memory
    # before being found too long. Past MAX_LINE the rest of the line is only skipped.
    monkeypatch.setattr(review_store, "BLOCK", 1024)
    monkeypatch.setattr(review_store, "MAX_LINE", 4096)
    path = tmp_path / "r.jsonl"
    events = sample(2)
    path.write_bytes(b"x" * 50_000 + b"\n" + encode_lines(events).encode() + b"y" * 50_000)
    store = RecordingStore([path])
    held = 0
    while not store.done:
        store.step(seconds=0)  # one block
        held = max(held, sum(len(chunk) for chunk in store._tail))
    assert held <= 4096 + 1024
    assert [store.event(i) for i in range(store.events)] == events
    assert store.malformed == 2
    assert store.problems == [f"{path}:1: line too long", f"{path}:4: line too long"]
    store.close()


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    # Opening a named pipe for reading waits for a writer: `wsdeck open` hung for ever.
    fifo = tmp_path / "events.fifo"
    os.mkfifo(fifo)
    outcome: list[BaseException] = []

    def open_it() -> None:
        try:
            RecordingStore([fifo]).close()
        except OpenError as exc:
            outcome.append(exc)

    opener = threading.Thread(target=open_it, daemon=True)
    opener.start()
    opener.join(timeout=5)
    if opener.is_alive():  # let the thread go: a writer ends its wait
        with fifo.open("wb"):
            pass
        opener.join(timeout=5)
        pytest.fail("opening a FIFO waited for a writer")
    assert len(outcome) == 1
    assert "not a regular file" in str(outcome[0])


def test_close_waits_for_the_block_under_way_and_stops_the_indexing_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The App indexes in a thread and closes the store when it ends: the thread must stop
    # at a block's end, never read a file closed under it.
    monkeypatch.setattr(review_store, "BLOCK", 256)
    path = tmp_path / "events.jsonl"
    path.write_text(encode_lines(texts(5000)))
    store = RecordingStore([path])
    failures: list[BaseException] = []

    def index() -> None:
        try:
            store.load_all()
        except BaseException as exc:  # the test's own report of it
            failures.append(exc)

    thread = threading.Thread(target=index)
    thread.start()
    deadline = time.monotonic() + 10
    while store.events < 100 and time.monotonic() < deadline:
        time.sleep(0.001)
    store.close()
    thread.join(10)
    assert not thread.is_alive()
    assert failures == []
    assert store.closed
    assert not store.done
    stopped = store.events
    assert 100 <= stopped < 5000
    assert store.step() == 0  # nothing more once closed


def test_readers_see_whole_events_while_a_thread_indexes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(review_store, "BLOCK", 512)
    path = tmp_path / "events.jsonl"
    events = [*texts(3000, "a"), *texts(3000, "b", first_seq=3001)]
    path.write_text(encode_lines(events))
    store = RecordingStore([path])
    thread = threading.Thread(target=store.load_all)
    thread.start()
    deadline = time.monotonic() + 30
    looks = 0
    while not store.done and time.monotonic() < deadline:
        count = store.events
        if count:
            assert store.event(count - 1) == events[count - 1]
        assert sum(c.events for c in store.counts.values()) >= 0  # iterable meanwhile
        looks += 1
    thread.join(10)
    assert looks > 1
    assert store.events == 6000
    assert sum(c.events for c in store.counts.values()) == 6000
    store.close()


def test_a_gzip_file_unpacks_to_a_bounded_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A gzip bomb (a few KB unpacking to gigabytes) filled the temporary folder's disk.
    monkeypatch.setattr(review_store, "BLOCK", 4096)
    monkeypatch.setattr(review_store, "MAX_UNPACKED", 64 * 1024)
    events = texts(2000)
    packed = tmp_path / "events.jsonl.gz"
    packed.write_bytes(gzip.compress(encode_lines(events).encode()))
    store = loaded(packed)
    assert store.done
    assert 0 < store.events < 2000
    assert [store.event(i) for i in range(store.events)] == events[: store.events]
    (problem,) = [p for p in store.problems if "cannot read further" in p]
    assert "unpacked to 0 MiB so far, over 0 GiB" in problem
    assert "the rest is not indexed" in problem
    store.close()


def test_a_gzip_file_leaves_room_on_the_temporary_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(review_store, "TEMP_RESERVE", 1 << 62)  # more than any disk has free
    packed = tmp_path / "events.jsonl.gz"
    packed.write_bytes(gzip.compress(encode_lines(sample(20)).encode()))
    store = loaded(packed)
    assert store.events == 0
    assert store.malformed == 1
    assert "would be free in the temporary folder" in store.problems[0]
    store.close()


def test_an_unreadable_timestamp_is_a_malformed_line(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    good = encode_lines(sample(3)).splitlines()
    bad = '{"seq":7,"ts":"yesterday","connection":"x","event":"receive","text":"a","size":1}'
    path.write_text("\n".join([good[0], bad, good[1]]) + "\n")
    store = loaded(path)
    assert store.events == 2
    assert store.problems == [f"{path}:2: unreadable timestamp 'yesterday'"]
    store.close()


def test_the_timeline_picks_each_intervals_last_message_and_counts_rates(
    tmp_path: Path,
) -> None:
    offsets = [0.1, 0.2, 0.7, 1.3, 1.4, 3.2]  # intervals of 0.5 s: 0, 0, 1, 2, 2, 6
    events: list[Event] = [
        ReceiveEvent("a", T0 + offset, data=str(index), size=1)
        for index, offset in enumerate(offsets)
    ]
    events.insert(2, SendEvent("a", T0 + 0.3, data="s", size=1))  # sends are not picked
    events.append(ReceiveEvent("b", T0 + 0.4, data="b", size=1))
    for seq, event in enumerate(events, 1):
        event.seq = seq
    path = tmp_path / "events.jsonl"
    path.write_text(encode_lines(events))
    store = loaded(path)
    timeline = store.timeline
    picked = [(store.event(pos).data, ts - T0) for pos, ts in timeline.picks("a")]
    assert [data for data, _ in picked] == ["1", "2", "4", "5"]
    assert [round(ts, 3) for _, ts in picked] == [0.2, 0.7, 1.4, 3.2]
    assert [data for data, _ in [(store.event(p).data, t) for p, t in timeline.picks("a", 2)]] == [
        "4",
        "5",
    ]
    assert [store.event(pos).data for pos, _ in timeline.picks("b")] == ["b"]
    assert timeline.end == pytest.approx(T0 + 3.2)
    rates = timeline.rates.series("a")
    assert rates is not None
    times, values = rates.since(0)
    # Seconds T0+1 (3 received in the second before), T0+3 (2 over two seconds), T0+4 (1).
    assert [t - T0 for t in times] == [1.0, 3.0, 4.0]
    assert values == [3.0, 1.0, 1.0]
    store.close()


def test_a_closed_store_reads_no_descriptor_again(tmp_path: Path) -> None:
    # Another thread (the fields') may ask for an event after close(): its descriptor
    # number may belong to another file by then.
    path = tmp_path / "events.jsonl"
    path.write_text(encode_lines(texts(3)))
    store = loaded(path)
    store.close()
    other = tmp_path / "other.jsonl"
    other.write_text(encode_lines(texts(3, "other")))
    with other.open("rb"):  # likely given the descriptor number just freed
        event = store.event(0)
    assert isinstance(event, ErrorEvent)
    assert "the recording is closed" in event.message
