"""The recording: appended as JSON Lines, flushed at least every interval and on close,
rotated by size without losing or repeating an event, stopped (not fatal) by I/O errors."""

from __future__ import annotations

import errno
import gzip
import os
import time
import tracemalloc
from pathlib import Path

import pytest

import tui.core.recorder as recorder_module
from tui.core.events import (
    PIECE,
    Event,
    EventDecodeError,
    ReceiveEvent,
    StartEvent,
    decode_line,
    encode_lines,
    payload_size,
)
from tui.core.recorder import FLUSH_INTERVAL, Recorder, rotated_files


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines()


def test_buffered_until_the_interval_then_flushed(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    recorder = Recorder(path, flush_interval=0.2)
    recorder.write([StartEvent("a", 1.0, 1, url="ws://127.0.0.1/")])
    assert _lines(path) == []  # buffered: one small write is not worth a syscall
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline and not _lines(path):
        time.sleep(0.05)
        recorder.tick()  # what the consumer calls when no event arrives
    assert len(_lines(path)) == 1
    recorder.close()


def test_close_flushes_and_appends(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    first = Recorder(path)
    first.write([ReceiveEvent("a", 2.0, 1, "one", 3)])
    first.close()
    second = Recorder(path)  # a second run appends to the same file
    second.write([ReceiveEvent("a", 3.0, 2, b"\x00", 1)])
    second.close()
    events = [decode_line(line) for line in _lines(path)]
    assert [e.data for e in events] == ["one", b"\x00"]
    assert path.stat().st_mode & 0o777 == 0o600


def test_default_interval_is_at_most_a_second() -> None:
    assert 0 < FLUSH_INTERVAL <= 1.0


def _events(first: int, count: int) -> list[Event]:
    return [
        ReceiveEvent("flood", 1.0, seq, f"payload {seq:08d}", 16)
        for seq in range(first, first + count)
    ]


def _all_seqs(path: Path) -> list[int]:
    """Every seq in the recording and its rotated files, oldest file first."""
    seqs: list[int] = []
    for file in [*reversed(rotated_files(path)), path]:
        raw = gzip.decompress(file.read_bytes()) if file.suffix == ".gz" else file.read_bytes()
        seqs += [decode_line(line).seq for line in raw.decode().splitlines()]
    return seqs


@pytest.mark.parametrize("compress", [False, True])
def test_rotation_under_a_flood_keeps_every_event_once(tmp_path: Path, compress: bool) -> None:
    path = tmp_path / "events.jsonl"
    recorder = Recorder(path, max_bytes=50_000, keep=1000, compress=compress)
    seq = 1
    for size in [1, 7, 300, 2000, 3, 5000, 1] * 8:  # batches as a drain hands them over
        recorder.write(_events(seq, size))
        seq += size
    recorder.close()
    files = rotated_files(path)
    assert len(files) >= 20
    assert all(f.name.endswith(".gz") == compress for f in files)
    assert all(f.stat().st_size <= 50_000 for f in [path, *rotated_files(path)] if not compress)
    assert _all_seqs(path) == list(range(1, seq))  # every event once, in order
    assert all(f.stat().st_mode & 0o777 == 0o600 for f in [path, *files])
    assert recorder.written == seq - 1


def test_rotation_keeps_only_the_newest_files(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    recorder = Recorder(path, max_bytes=2_000, keep=3)
    for seq in range(1, 401):
        recorder.write(_events(seq, 1))
    recorder.close()
    assert [f.name for f in rotated_files(path)] == [
        "events.jsonl.1",
        "events.jsonl.2",
        "events.jsonl.3",
    ]
    seqs = _all_seqs(path)
    assert seqs == list(range(seqs[0], 401))  # the newest events, none missing since
    assert sorted(f for f in os.listdir(tmp_path) if f.startswith("events")) == [
        "events.jsonl",
        *(f"events.jsonl.{i}" for i in (1, 2, 3)),
    ]


def test_external_copytruncate_is_followed(tmp_path: Path) -> None:
    # logrotate copytruncate copies the file, then truncates it in place: O_APPEND writes
    # go on at the new end (no hole of NULs), and the size used for rotation is re-read.
    path = tmp_path / "events.jsonl"
    recorder = Recorder(path, max_bytes=100_000)
    recorder.write(_events(1, 500))
    recorder.flush()
    os.truncate(path, 0)
    recorder.write(_events(501, 10))
    recorder.close()
    assert _all_seqs(path) == list(range(501, 511))
    assert rotated_files(path) == []


def _three_recorded(path: Path) -> tuple[Recorder, list[str]]:
    """A recorder that wrote events 1-3 to the disk, and the failures it will report."""
    reasons: list[str] = []
    recorder = Recorder(path, on_failure=reasons.append)
    recorder.write(_events(1, 3))
    recorder.flush()
    return recorder, reasons


def test_a_write_error_stops_the_recording_and_retry_resumes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "events.jsonl"
    recorder, reasons = _three_recorded(path)
    real_write = os.write
    full = True

    def write(fd: int, data: bytes) -> int:
        if full and fd == recorder._fd:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    monkeypatch.setattr(recorder_module.os, "write", write)
    recorder.write(_events(4, 2))
    recorder.flush()
    recorder.write(_events(6, 4))  # after the failure: counted, not attempted
    assert reasons == ["No space left on device"]
    assert recorder.failure == "No space left on device"
    assert recorder.lost == 6
    full = False
    recorder.reopen()
    recorder.write(_events(10, 2))
    recorder.close()
    assert _all_seqs(path) == [1, 2, 3, 10, 11]
    assert reasons == ["No space left on device"]


def _mixed_events(first: int) -> list[Event]:
    """Small records around large ones: text with escapes and multi-byte characters
    across piece edges, binary of a size that is no multiple of 3, an exact PIECE."""
    text = "a" * (PIECE - 3) + '\x00"\\é\u2028\x7f😀' + "b" * (PIECE // 2)
    binary = bytes(range(256)) * (PIECE // 256 * 2) + b"\xff\xfe"
    payloads: list[str | bytes] = ["small", text, "€ small", binary, b"\x00", "c" * (PIECE + 1)]
    return [
        ReceiveEvent("big", 1.0, seq, data, payload_size(data))
        for seq, data in enumerate(payloads, first)
    ]


@pytest.mark.parametrize("max_bytes", [0, 64 * PIECE])
def test_large_records_are_the_same_bytes_as_whole_ones(tmp_path: Path, max_bytes: int) -> None:
    path = tmp_path / "events.jsonl"
    recorder = Recorder(path, max_bytes=max_bytes)
    batches = [_events(1, 3), _mixed_events(4), _mixed_events(10)[:2], _events(12, 1)]
    for batch in batches:
        recorder.write(batch)
    recorder.close()
    late = _mixed_events(13)[1:2]  # after close: the short-lived handle writes pieces too
    recorder.write(late)
    everything = [event for batch in [*batches, late] for event in batch]
    assert path.read_bytes() == encode_lines(everything).encode()
    assert recorder.written == len(everything)
    assert rotated_files(path) == []


def test_rotation_never_splits_a_large_record(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    limit = PIECE * 3 // 2  # some large records fit, some are larger than a whole file
    recorder = Recorder(path, max_bytes=limit, keep=1000)
    everything: list[Event] = []
    seq = 1
    for _ in range(3):
        for batch in (_events(seq, 2000), _mixed_events(seq + 2000)):
            recorder.write(batch)
            everything += batch
        seq += 2000 + len(_mixed_events(0))
    recorder.close()
    files = [*reversed(rotated_files(path)), path]
    assert len(files) >= 10
    # Every event once, in order, each record whole in one file.
    assert b"".join(f.read_bytes() for f in files) == encode_lines(everything).encode()
    for file in files:
        data = file.read_bytes()
        assert data.endswith(b"\n")
        assert len(data) <= limit or data.count(b"\n") == 1, file.name  # or alone


@pytest.mark.parametrize("max_bytes", [0, 4 * 16 * PIECE])
def test_a_large_record_is_never_built_whole(tmp_path: Path, max_bytes: int) -> None:
    size = 16 * PIECE
    event = ReceiveEvent("big", 1.0, 1, os.urandom(size), size)
    recorder = Recorder(tmp_path / "events.jsonl", max_bytes=max_bytes)
    recorder.write(_events(2, 3))  # a small record buffered before it
    tracemalloc.start()
    try:
        recorder.write([event])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    recorder.close()
    # Whole, its base64 str, the record, the line and its bytes: ~2.7 times its size.
    assert peak < size / 2, f"{peak / size:.2f} times the payload"


def test_a_failure_inside_a_large_record_loses_it_once_and_retry_starts_a_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "events.jsonl"
    recorder, reasons = _three_recorded(path)
    real_write = os.write
    budget = [100_000]  # bytes the disk still takes: the disk fills inside the large record

    def write(fd: int, data: bytes) -> int:
        if fd != recorder._fd:
            return real_write(fd, data)
        if budget[0] <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        written = real_write(fd, data[: budget[0]])
        budget[0] -= written
        return written

    monkeypatch.setattr(recorder_module.os, "write", write)
    large = ReceiveEvent("big", 1.0, 5, b"\x01" * (3 * PIECE), 3 * PIECE)
    recorder.write([*_events(4, 1), large, *_events(6, 1)])
    assert reasons == ["No space left on device"]
    assert (recorder.written, recorder.lost) == (4, 2)  # 1-4 on disk; 5 cut, 6 never
    budget[0] = 1 << 40
    recorder.reopen()
    recorder.write(_events(7, 2))
    recorder.close()
    lines = path.read_bytes().splitlines()
    assert [decode_line(line).seq for line in lines[:4] + lines[5:]] == [1, 2, 3, 4, 7, 8]
    with pytest.raises(EventDecodeError, match="not JSON"):
        decode_line(lines[4])  # the cut record's remains, a line of their own
    assert (recorder.written, recorder.lost) == (6, 2)
