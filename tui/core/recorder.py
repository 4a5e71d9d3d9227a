"""Append every event to a JSON Lines recording: opened safely, rotated by size, never fatal.

The file is opened without following a symlink and without blocking (a FIFO with no
reader would hang the dashboard on "loading"), and must be a regular file owned by the
user; a mode that lets others read it is tightened to 0600, and the caller is told.

Lines are buffered and flushed at least once a second and on close. A payload larger
than :data:`~tui.core.events.PIECE` is encoded and written a piece at a time (as ``tail``
and exports write it), so its record never exists whole in memory. With ``max_bytes``
the file is rotated between whole records: ``events.jsonl`` becomes ``events.jsonl.1``
(``.1.gz`` with ``compress``), older ones move up to ``keep`` and the oldest goes. A file
never passes ``max_bytes``, except one that holds a single record larger than that
alone. The file is opened ``O_APPEND``, so an external logrotate with ``copytruncate``
works too.

An I/O error while writing (a full disk) stops the recording, not the caller: the
``on_failure`` callback gets the reason once, later events are counted in :attr:`lost`,
and :meth:`Recorder.reopen` tries again (after a newline, when the failure cut a record).
"""

from __future__ import annotations

import contextlib
import errno
import gzip
import os
import shutil
import stat
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from tui.core.events import (
    PIECE,
    ErrorEvent,
    Event,
    PayloadEvent,
    encode_lines,
    encode_pieces,
    payload_size,
)

if TYPE_CHECKING:
    from settings.model import RecordingSettings

FLUSH_INTERVAL = 1.0
_BUFFER = 1 << 16

_OPEN_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


class RecordingError(Exception):
    """The recording cannot be opened; the message names the file and says why."""


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISLNK, "a symbolic link"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def check_opened(fd: int, path: Path) -> str | None:
    """Refuse an opened ``fd`` that is not the user's own regular file; tighten its mode.

    Returns a note to show when the mode was tightened. Raises :class:`RecordingError`.
    """
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        raise RecordingError(f"recording {path}: is {_kind(info.st_mode)}, not a regular file")
    if info.st_uid != os.getuid():
        raise RecordingError(
            f"recording {path}: owned by user id {info.st_uid}, not by you ({os.getuid()})"
        )
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o077:
        try:
            os.fchmod(fd, 0o600)
        except OSError as exc:
            reason = exc.strerror or exc
            raise RecordingError(f"recording {path}: mode {mode:04o} and {reason}") from None
        return f"recording {path}: mode was {mode:04o} (others could read it); now 0600"
    return None


def open_recording(path: Path) -> tuple[int, str | None]:
    """Open ``path`` for appending, safely (see the module docstring): (fd, note).

    Raises:
        RecordingError: a symlink, a directory, a FIFO or device, another user's file, a
            missing or unusable folder, or any other reason the file cannot be opened.
    """
    parent = path.parent
    if not parent.is_dir():
        what = "does not exist" if not parent.exists() else "is not a directory"
        raise RecordingError(f"recording {path}: the folder {parent} {what}")
    try:
        fd = os.open(path, _OPEN_FLAGS, 0o600)
    except OSError as exc:
        raise RecordingError(f"recording {path}: {_open_reason(exc, path)}") from None
    try:
        note = check_opened(fd, path)
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd, note


def _open_reason(exc: OSError, path: Path) -> str:
    if exc.errno == errno.ELOOP:
        return "is a symbolic link; refusing to follow it (give the real path)"
    if exc.errno == errno.ENXIO:
        return "is a FIFO with no reader; refusing to wait for one"
    if exc.errno == errno.EISDIR:
        return "is a directory"
    return str(exc.strerror or exc)


APP_SOURCE = "(wsdeck)"
"""The ``connection`` of events about wsdeck itself rather than a connection (a recording
that stopped); the parentheses set it apart from connection names."""


def recorder_for(
    settings: RecordingSettings, on_failure: Callable[[str], None] | None = None
) -> Recorder | None:
    """The recorder the ``[recording]`` settings ask for (``None`` without a path).

    Raises:
        RecordingError: the file cannot be opened safely.
    """
    if settings.path is None:
        return None
    return Recorder(
        settings.path,
        max_bytes=settings.max_bytes,
        keep=settings.keep,
        compress=settings.compress,
        on_failure=on_failure,
    )


def stopped_event(path: Path, reason: str) -> ErrorEvent:
    """The ``error`` event (kind ``recording``) that says the recording stopped."""
    message = f"recording stopped: {reason} ({path}); events are no longer written to it"
    return ErrorEvent(APP_SOURCE, time.time(), kind="recording", message=message)


class Recorder:
    """A recording file opened for appending; created with mode 0600 (events may be private).

    Raises :class:`RecordingError` when the file cannot be opened safely.
    """

    def __init__(
        self,
        path: Path,
        *,
        flush_interval: float = FLUSH_INTERVAL,
        max_bytes: int = 0,
        keep: int = 5,
        compress: bool = False,
        on_failure: Callable[[str], None] | None = None,
    ) -> None:
        self.path = path
        self.written = 0
        self.lost = 0
        """Events not recorded since the recording stopped."""
        self.failure: str | None = None
        """Why the recording stopped (``None`` while it runs)."""
        self.notes: list[str] = []
        """Things the operator should know (a tightened mode)."""
        self._flush_interval = flush_interval
        self._max_bytes = max_bytes
        self._keep = keep
        self._compress = compress
        self._on_failure = on_failure
        self._fd = -1
        self._buffer: list[bytes] = []
        self._buffered = 0
        self._size = 0
        self._unbuffered = 0
        """Events of the current :meth:`write` whose records are not buffered whole yet."""
        self._torn = False
        """A failed write left part of a record in the file: the next one starts a line."""
        self._closed = False
        self._rotations = 0
        # Compressing a rotated file takes seconds for hundreds of MB: off the event loop,
        # one at a time, in order with the renames that make room for it.
        self._compressor: ThreadPoolExecutor | None = None
        self._pending: Future[None] | None = None
        self._open()
        self._flushed_at = time.monotonic()

    def _open(self) -> None:
        fd, note = open_recording(self.path)
        self._fd = fd
        self._size = os.fstat(fd).st_size
        if note:
            self.notes.append(note)

    # -- writing -----------------------------------------------------------------------------

    def write(self, events: Iterable[Event]) -> None:
        """Append ``events``; flushes when the last flush is more than a second old."""
        if not isinstance(events, list | tuple):
            events = list(events)
        if events:
            if self.failure is not None:
                self.lost += len(events)
                return
            if self._closed:
                self._append_after_close(events)
                return
            self.written += len(events)
            self._unbuffered = len(events)
            try:
                self._append_events(events)
            except (OSError, RecordingError) as exc:  # RecordingError: reopening on rotation
                self._fail(exc)
                return
        self.tick()

    def _append_events(self, events: list[Event] | tuple[Event, ...]) -> None:
        """Small records joined, a large one in pieces (what :func:`encode_pieces` does, with
        the record boundaries rotation needs)."""
        start = 0
        for index, event in enumerate(events):
            if isinstance(event, PayloadEvent) and len(event.data) > PIECE:
                if index > start:
                    self._append(encode_lines(events[start:index]).encode(), index - start)
                self._append_large(event)
                start = index + 1
        if start < len(events):
            small = events[start:] if start else events
            self._append(encode_lines(small).encode(), len(small))

    def _append(self, data: bytes, records: int) -> None:
        """Buffer ``data`` (``records`` whole lines), rotating between lines when it would
        pass ``max_bytes``."""
        limit = self._max_bytes
        while limit and self._size + self._buffered + len(data) > limit:
            # What an external copytruncate did is only seen on disk.
            self._flush_buffer()
            self._size = os.fstat(self._fd).st_size
            room = limit - self._size
            if room >= len(data):
                break
            cut = data.rfind(b"\n", 0, max(room, 0)) + 1  # the whole lines that fit
            if cut == 0 and self._size == 0:
                cut = data.find(b"\n") + 1  # one line longer than max_bytes: it goes alone
            if cut:
                head = data[:cut]
                lines = head.count(b"\n")
                self._buffer.append(head)
                self._buffered += cut
                self._unbuffered -= lines
                records -= lines
                data = data[cut:]
                self._flush_buffer()
            self._rotate()
            if not data:
                return
        self._buffer.append(data)
        self._buffered += len(data)
        self._unbuffered -= records
        if self._buffered >= _BUFFER:
            self._flush_buffer()

    def _append_large(self, event: PayloadEvent) -> None:
        """Buffer the record of one large payload a piece at a time, flushing as it goes;
        with ``max_bytes``, first rotate if the whole record would not fit."""
        limit = self._max_bytes
        if limit:
            # Its size, by encoding it once more a piece at a time (CPU, not memory).
            size = sum(payload_size(piece) for piece in encode_pieces((event,)))
            if self._size + self._buffered + size > limit:
                self._flush_buffer()
                self._size = os.fstat(self._fd).st_size  # after a copytruncate, maybe 0
                if self._size and self._size + size > limit:
                    self._rotate()  # a new file (where it is alone if larger than max_bytes)
        for piece in encode_pieces((event,)):
            data = piece.encode()
            self._buffer.append(data)
            self._buffered += len(data)
            if self._buffered >= _BUFFER:
                self._flush_buffer()
        self._unbuffered -= 1

    def _flush_buffer(self) -> None:
        if not self._buffered:
            return
        view = memoryview(b"".join(self._buffer))
        try:
            while view:
                written = os.write(self._fd, view)
                self._torn = view[written - 1] != 0x0A  # the write ended inside a line
                view = view[written:]
                self._size += written
        finally:
            # What was not written stays, so that a failure counts it as lost.
            self._buffer[:] = [bytes(view)] if view else []
            self._buffered = len(view)

    def _append_after_close(self, events: list[Event] | tuple[Event, ...]) -> None:
        # An owner may still hand over events after close() (a connection that was still
        # closing emits its stop event late): they are appended (and synced) through a
        # short-lived handle rather than lost.
        try:
            fd, _ = open_recording(self.path)
        except RecordingError as exc:
            self.lost += len(events)
            self._fail(exc)
            return
        try:
            for piece in encode_pieces(events):
                view = memoryview(piece.encode())
                while view:
                    view = view[os.write(fd, view) :]
            os.fsync(fd)
        except OSError as exc:
            self.lost += len(events)
            self._fail(exc)
            return
        finally:
            os.close(fd)
        self.written += len(events)

    def tick(self) -> None:
        """Flush if due; call it periodically even when no event arrives."""
        if time.monotonic() - self._flushed_at >= self._flush_interval:
            self.flush()

    def flush(self) -> None:
        """Push buffered lines to the OS now (nothing to do once closed or stopped)."""
        if self._closed or self.failure is not None:
            return
        try:
            self._flush_buffer()
        except OSError as exc:
            self._fail(exc)
            return
        self._flushed_at = time.monotonic()

    def close(self) -> None:
        """Flush, fsync and close; wait for a compression in progress (idempotent)."""
        if self._closed:
            return
        self._closed = True
        if self._fd >= 0:
            if self.failure is None:
                try:
                    self._flush_buffer()
                    os.fsync(self._fd)
                except OSError as exc:
                    self._fail(exc)
            if self._fd >= 0:
                os.close(self._fd)
            self._fd = -1
        if self._compressor is not None:
            self._compressor.shutdown(wait=True)
            self._compressor = None

    # -- failure and retry -------------------------------------------------------------------

    def _fail(self, exc: Exception) -> None:
        """Stop recording: the records not written whole are lost, the owner is told."""
        reason = (exc.strerror or str(exc)) if isinstance(exc, OSError) else str(exc)
        # Lines left in the buffer, and the events of the write in progress whose records
        # had not reached it whole (a large one may be partly written, partly buffered).
        unwritten = sum(chunk.count(b"\n") for chunk in self._buffer) + self._unbuffered
        self._buffer.clear()
        self._buffered = 0
        self._unbuffered = 0
        self.lost += unwritten
        self.written -= unwritten
        first = self.failure is None
        self.failure = reason
        if self._fd >= 0:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = -1
        if first and self._on_failure is not None:
            self._on_failure(reason)

    def reopen(self) -> None:
        """Start recording again after a failure (a disk with room again).

        Raises:
            RecordingError: the file still cannot be opened (the failure stays).
        """
        if self.failure is None:
            return
        self._open()
        if self._torn and self._size:  # the cut record's remains become a line of their own
            self._buffer.append(b"\n")
            self._buffered += 1
            self._torn = False
        self.failure = None
        self._flushed_at = time.monotonic()

    # -- rotation ----------------------------------------------------------------------------

    def _rotate(self) -> None:
        """Close the full file, move it aside, open a new one at :attr:`path`."""
        os.fsync(self._fd)
        os.close(self._fd)
        self._fd = -1
        self._rotations += 1
        # A unique name first: the shifting (and compressing) happens in order after.
        aside = self.path.with_name(f"{self.path.name}.rotating-{os.getpid()}-{self._rotations}")
        os.rename(self.path, aside)
        self._open()
        if not self._compress:
            _settle(self.path, aside, self._keep, compress=False)
            return
        if self._compressor is None:
            self._compressor = ThreadPoolExecutor(1, thread_name_prefix="wsdeck-gzip")
        self._pending = self._compressor.submit(_settle, self.path, aside, self._keep, True)

    def rotated(self) -> list[Path]:
        """The rotated files that exist now, newest first (waits for a compression)."""
        if self._pending is not None:
            self._pending.result()
        return rotated_files(self.path)


def rotated_files(path: Path) -> list[Path]:
    """``path.1``, ``path.2`` … (or ``.gz``) that exist, newest first."""
    found: list[Path] = []
    index = 1
    while True:
        plain = path.with_name(f"{path.name}.{index}")
        packed = path.with_name(f"{path.name}.{index}.gz")
        if plain.exists():
            found.append(plain)
        elif packed.exists():
            found.append(packed)
        else:
            return found
        index += 1


def _settle(path: Path, aside: Path, keep: int, compress: bool) -> None:
    """Shift ``path.N`` up by one (dropping those past ``keep``), then ``aside`` → ``path.1``."""
    existing = rotated_files(path)  # existing[0] is path.1
    for index in range(len(existing), 0, -1):
        old = existing[index - 1]
        if index >= keep:
            old.unlink()
        else:
            suffix = ".gz" if old.name.endswith(".gz") else ""
            old.rename(path.with_name(f"{path.name}.{index + 1}{suffix}"))
    if keep < 1:
        aside.unlink()
        return
    target = path.with_name(f"{path.name}.1")
    if not compress:
        aside.rename(target)
        return
    packed = target.with_name(target.name + ".gz")
    fd = os.open(packed, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with (
        aside.open("rb") as source,
        open(fd, "wb") as raw,
        gzip.GzipFile(fileobj=raw, mode="wb") as out,
    ):
        shutil.copyfileobj(source, out, 1 << 20)
    aside.unlink()
