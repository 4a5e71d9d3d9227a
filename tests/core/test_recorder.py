"""The recording: appended as JSON Lines, flushed at least every interval and on close."""

from __future__ import annotations

import time
from pathlib import Path

from tui.core.events import ReceiveEvent, StartEvent, decode_line
from tui.core.recorder import FLUSH_INTERVAL, Recorder


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines()


def test_buffered_until_the_interval_then_flushed(tmp_path: Path) -> None:
    path = tmp_path / "rec" / "events.jsonl"
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
