"""The recording: appended as JSON Lines, flushed at least every interval and on close,
rotated by size without losing or repeating an event, stopped (not fatal) by I/O errors."""

from __future__ import annotations

import errno
import gzip
import os
import time
from pathlib import Path

import pytest

import tui.core.recorder as recorder_module
from tui.core.events import Event, ReceiveEvent, StartEvent, decode_line
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


def test_a_write_error_stops_the_recording_and_retry_resumes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "events.jsonl"
    reasons: list[str] = []
    recorder = Recorder(path, on_failure=reasons.append)
    recorder.write(_events(1, 3))
    recorder.flush()
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
