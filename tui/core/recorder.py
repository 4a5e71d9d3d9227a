"""Append every event to a JSON Lines recording, flushed at least once a second and on close."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from tui.core.events import Event, encode_pieces

FLUSH_INTERVAL = 1.0


class Recorder:
    """A recording file opened for appending; created with mode 0600 (events may be private)."""

    def __init__(self, path: Path, *, flush_interval: float = FLUSH_INTERVAL) -> None:
        self.path = path
        self.written = 0
        self._flush_interval = flush_interval
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self._file: TextIO = open(fd, "a", encoding="utf-8", buffering=1 << 16)  # noqa: SIM115
        self._flushed_at = time.monotonic()

    def write(self, events: Iterable[Event]) -> None:
        """Append ``events``; flushes when the last flush is more than a second old."""
        if not isinstance(events, list | tuple):
            events = list(events)
        if events:
            if self._file.closed:
                self._append_after_close(events)
                return
            self._file.writelines(encode_pieces(events))
            self.written += len(events)
        self.tick()

    def _append_after_close(self, events: list[Event] | tuple[Event, ...]) -> None:
        # An owner may still hand over events after close() (a connection that was still
        # closing emits its stop event late): they used to raise "I/O operation on closed
        # file" and were lost; they are appended (and synced) through a short-lived handle.
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with open(fd, "a", encoding="utf-8") as late:
            late.writelines(encode_pieces(events))
            late.flush()
            os.fsync(late.fileno())
        self.written += len(events)

    def tick(self) -> None:
        """Flush if due; call it periodically even when no event arrives."""
        if time.monotonic() - self._flushed_at >= self._flush_interval:
            self.flush()

    def flush(self) -> None:
        """Push buffered lines to the OS now (nothing to do once closed)."""
        if self._file.closed:
            return
        self._file.flush()
        self._flushed_at = time.monotonic()

    def close(self) -> None:
        """Flush, fsync and close (idempotent)."""
        if self._file.closed:
            return
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
