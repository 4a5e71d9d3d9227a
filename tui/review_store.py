"""Recordings and exports opened for review: an index of line offsets, never the file in memory.

``wsdeck open FILE…`` shows JSON Lines files (recordings, exports, ``tail`` output; the
README's event schema) in the dashboard. A recording can be far larger than memory, so the
store keeps, per event, only where its line is (offset and length, 12 bytes) and reads a
line again (``os.pread``) when the feed, the search or the detail pane asks for its event:
1 000 000 events cost 12 MB of index whatever their payloads. Files are indexed a step at a
time (:meth:`RecordingStore.step`), in a thread of the App's while the UI reads what is
indexed so far (:attr:`RecordingStore.events` grows only once a line's offset and length
are both stored), so the first screen does not wait for the end of a large file, and
search runs over what is indexed so far.

For the plots and the table's field columns, indexing also notes when things happened
(:class:`Timeline`): each connection's received-message rate per recorded second and, per
:data:`~tui.core.fields_store.RESOLUTION` interval, its last received message, the one
whose fields the live dashboard extracts (see :mod:`tui.review_fields`).

A gzip file (a rotated ``events.jsonl.1.gz``) is decompressed a block at a time into an
anonymous temporary file (deleted when closed, even after a crash), which is then read
like any other. What a gzip file unpacks to is bounded (:data:`MAX_UNPACKED`, and
:data:`TEMP_RESERVE` left free on the temporary folder's disk): past it, the rest of the
file is not indexed and a problem says so, rather than a gzip bomb filling the disk.

A line that is not a valid event (not JSON, an unknown ``event`` kind, a field of the
wrong type, a record cut short by a crash) is counted and skipped, with its file and line
number kept for the first few: never fatal. Lines are checked with orjson when indexed (a
few µs each); the full decoding (:func:`tui.core.events.decode_line`) happens on access.

Only the standard library, orjson (where installed) and the UI-free core are imported.
"""

from __future__ import annotations

import bisect
import gzip
import io
import json
import os
import stat
import tempfile
import threading
import time
import zlib
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO

from tui.core.events import (
    EVENT_TYPES,
    ErrorEvent,
    Event,
    EventDecodeError,
    decode_line,
    parse_ts,
)
from tui.core.fields_store import RESOLUTION
from tui.core.rates import RateHistory
from tui.core.ring import EventRing

__all__ = ["ConnectionCounts", "FileRing", "OpenError", "RecordingStore", "Timeline"]

_loads: Callable[[bytes], Any]
try:
    from orjson import loads as _loads
except ImportError:  # an interpreter orjson has no wheel for: the same answers, slower
    _loads = json.loads

BLOCK = 1 << 20
"""Bytes read (or decompressed) at a time while indexing."""
STEP_SECONDS = 0.02
"""Wall time one :meth:`RecordingStore.step` indexes for, at most (about a frame)."""
KEPT_PROBLEMS = 5
"""Malformed lines whose place and reason are kept (all of them are counted)."""
MAX_LINE = 1 << 31
"""Longest line indexed (lengths are kept in 32 bits); longer ones count as malformed."""
MAX_UNPACKED = 64 << 30
"""Bytes a gzip file may unpack to (its copy in the temporary folder) at most."""
TEMP_RESERVE = 1 << 30
"""Bytes left free on the temporary folder's disk: a gzip file's copy stops short of them."""


class OpenError(Exception):
    """A file cannot be opened for review (missing, a folder, unreadable); exit status 2."""


@dataclass(slots=True)
class ConnectionCounts:
    """What a recording holds of one connection: the table's row in review."""

    name: str
    events: int = 0
    msgs_in: int = 0
    bytes_in: int = 0
    msgs_out: int = 0
    bytes_out: int = 0
    errors: int = 0
    first: str = ""
    """Timestamp (as recorded) of its first event."""
    last: str = ""
    """Timestamp (as recorded) of its last event."""


class _Source:
    """One file given on the command line, readable by offset (gzip: its decompressed copy)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            # Checked before opening: opening a FIFO waits for a writer, for ever.
            regular = stat.S_ISREG(path.stat().st_mode)
            handle = path.open("rb") if regular else None
        except OSError as exc:
            raise OpenError(f"{path}: {exc.strerror or exc}") from None
        if handle is None:
            raise OpenError(f"{path}: not a regular file")
        self.size = os.fstat(handle.fileno()).st_size
        self.packed = path.name.endswith(".gz")
        self._raw: IO[bytes] = handle
        self._stream: io.BufferedReader | gzip.GzipFile = handle
        self._copy: BinaryIO | None = None
        """The decompressed copy of a gzip file, read back by offset; closed in :meth:`close`."""
        if self.packed:
            self._stream = gzip.GzipFile(fileobj=handle, mode="rb")
            self._copy = tempfile.TemporaryFile()  # noqa: SIM115
        self.fd = (self._copy or handle).fileno()
        self.offset = 0
        """Bytes of (decompressed) content read so far."""
        self.read_bytes = 0
        """Bytes of the file itself read so far (compressed ones for gzip)."""
        self.done = False

    def read(self) -> bytes:
        """The next block of content (``b""`` at the end); gzip's is kept for reading back."""
        try:
            block = self._stream.read1(BLOCK)
            if self._copy is not None and block:
                self._keep(block)
        except (OSError, EOFError, zlib.error) as exc:  # a damaged or truncated gzip file
            self.done = True
            raise OpenError(f"{self.path}: {exc}") from None
        self.read_bytes = self._raw.tell()
        if not block:
            self.done = True
        return block

    def _keep(self, block: bytes) -> None:
        """Add ``block`` to the decompressed copy, within its bounds.

        Raises:
            OSError: the copy would pass :data:`MAX_UNPACKED`, or leave less than
                :data:`TEMP_RESERVE` free on its disk (or the disk is full already).
        """
        assert self._copy is not None
        copy = self._copy.fileno()
        room = os.fstatvfs(copy)
        free = room.f_bavail * room.f_frsize
        if self.offset + len(block) > MAX_UNPACKED or free - len(block) < TEMP_RESERVE:
            limit = f"{MAX_UNPACKED >> 30} GiB" if self.offset + len(block) > MAX_UNPACKED else ""
            why = f"over {limit}" if limit else f"less than {TEMP_RESERVE >> 20} MiB would be free"
            raise OSError(
                f"unpacked to {self.offset >> 20} MiB so far, {why} in the temporary folder "
                f"({tempfile.gettempdir()}); the rest is not indexed (gunzip it where there "
                "is room and open that)"
            )
        self._copy.write(block)
        self._copy.flush()

    @property
    def progress(self) -> float:
        """How much of the file is read, from 0 to 1 (compressed bytes for gzip)."""
        if self.done or not self.size:
            return 1.0
        return min(1.0, self.read_bytes / self.size)

    def close(self) -> None:
        self._stream.close()
        self._raw.close()
        if self._copy is not None:
            self._copy.close()


def _check(raw: Any) -> str | None:
    """Why a parsed line is not an event of the schema (None: it is one); cheap checks only."""
    if not isinstance(raw, dict):
        return "not a JSON object"
    kind = raw.get("event")
    if kind not in EVENT_TYPES:
        return f"unknown event {kind!r}" if isinstance(kind, str) else "no 'event' kind"
    for key, types in (("connection", str), ("ts", str), ("seq", int)):
        if not isinstance(raw.get(key), types) or isinstance(raw.get(key), bool):
            return f"field {key!r} is missing or has the wrong type"
    return None


class Timeline:
    """When a recording's messages arrived, noted while it is indexed, for plots and fields.

    :attr:`rates` holds each connection's received messages per recorded second (what
    the live dashboard samples once a second). :meth:`picks` gives, per connection, the
    position and time of the last message received in each
    :data:`~tui.core.fields_store.RESOLUTION` interval: the messages whose fields the live
    dashboard extracts, so fields over a recording cost what they cost live, not a jq run
    per message. Written by the indexing thread only; the arrays only grow (``array``
    appends and reads are atomic under the GIL) and a new connection's entry is added to a
    copy of the dict, so a reader in another thread sees a consistent prefix.
    """

    def __init__(self) -> None:
        self.rates = RateHistory()
        self.end = 0.0
        """The latest time a message was received, or a rate sampled (the plots' "now")."""
        self._picks: dict[str, tuple[array[int], array[float]]] = {}
        # Per connection: [key, interval, position, timestamp text] of its last message,
        # and its count (a list: updated in place for every message).
        self._last: dict[str, list[Any]] = {}
        self._next_second = 0.0  # when the next rate sample is due (recorded time)
        self._sampled: dict[str, int] = {}  # the counts of the last rate sample

    def note(self, name: str, text: str, position: int) -> None:
        """Message ``position``, received on connection ``name``, arrived at ``text``.

        Run for every message received while indexing, so the timestamp is read only when
        its first 21 characters change (``2026-11-25T20:25:28.1``: a tenth of a second
        in the events' own form, less often in others): a message in the same tenth as
        the connection's last one is in the same interval and the same second.

        Raises:
            ValueError: ``text`` is no timestamp with a time zone (nothing is noted).
        """
        key = text[:21]
        last = self._last.get(name)
        if last is None or key != last[0]:
            ts = parse_ts(text)
            if last is None:
                last = self._last[name] = ["", -1, position, text, 0]
                if ts < self._next_second:  # counted from 0 since this second's start too
                    self._sampled[name] = 0
                    self.rates.sample(self._next_second - 1.0, self._sampled)
            last[0] = key
            if ts > self.end:
                self.end = ts
            if ts >= self._next_second:  # counts up to the end of the last second
                second = int(ts)
                self._next_second = second + 1.0
                self._sample(float(second))
            interval = int(ts / RESOLUTION)
            if last[1] != interval:
                if last[1] >= 0:
                    self._pick(name, last[2], last[3])
                last[1] = interval
        last[2] = position
        last[3] = text
        last[4] += 1

    def _sample(self, second: float) -> None:
        self._sampled = {name: last[4] for name, last in self._last.items()}
        self.rates.sample(second, self._sampled)
        # The last sample (at the end) counts the second after the last message.
        self.end = max(self.end, second)

    def finish(self) -> None:
        """The recording ended: each connection's last message is picked too."""
        for name, (_, _, position, text, _) in self._last.items():
            self._pick(name, position, text)
        self._sample(self._next_second)
        self._last.clear()

    def _pick(self, name: str, position: int, text: str) -> None:
        ts = parse_ts(text)  # read when it was noted: readable
        picks = self._picks.get(name)
        if picks is None:
            picks = (array("q"), array("d"))
            self._picks = {**self._picks, name: picks}
        positions, times = picks
        times.append(ts)  # the time first: a reader goes by the positions' length
        positions.append(position)

    def picks(self, name: str, start: int = 0) -> list[tuple[int, float]]:
        """``name``'s picked messages from the ``start``-th on: (position, ts) pairs."""
        picks = self._picks.get(name)
        if picks is None:
            return []
        positions, times = picks
        end = len(positions)
        return list(zip(positions[start:end], times[start:end], strict=True))


class RecordingStore:
    """Every event of the given files, in order, as an index of line offsets.

    One thread indexes (:meth:`step`, :meth:`load_all`) while others read what is
    indexed (:meth:`event`, :attr:`events`, :attr:`counts`); :meth:`close` waits for the
    block being indexed, then stops the indexing for good.

    Raises:
        OpenError: from the constructor, when a file cannot be opened.
    """

    def __init__(self, paths: Sequence[Path]) -> None:
        self.sources: list[_Source] = []
        self._lock = threading.Lock()  # held for each block indexed, and by close()
        self._reading = threading.Lock()  # held for each line read back, and by close()
        self._closed = False
        try:
            for path in paths:
                self.sources.append(_Source(path))
        except OpenError:
            self.close()
            raise
        self._offsets = array("q")
        self._lengths = array("L")
        self._starts: list[int] = []  # each source's first position, for bisect
        self._source = 0  # the source being indexed
        self._tail: list[bytes] = []  # a line cut by the ends of the last blocks
        self._tail_size = 0  # its bytes
        self._too_long = False  # the line being read is over MAX_LINE: skipped to its end
        self._line = 0  # lines of the current source seen so far
        self._published = 0  # events whose offset and length are both stored
        self.timeline = Timeline()
        self.malformed = 0
        """Lines skipped because they are not events of the schema."""
        self.problems: list[str] = []
        """``file:line: reason`` of the first :data:`KEPT_PROBLEMS` malformed lines."""
        self.counts: dict[str, ConnectionCounts] = {}
        """Per connection; a new one is added to a copy (readers iterate it unlocked)."""
        self.ring = FileRing(self)

    @property
    def done(self) -> bool:
        """Every file is indexed."""
        return self._source >= len(self.sources)

    @property
    def closed(self) -> bool:
        """:meth:`close` was called: indexing has stopped for good."""
        return self._closed

    @property
    def events(self) -> int:
        """Events indexed so far."""
        return self._published

    @property
    def progress(self) -> float:
        """How much of the files is indexed, from 0 to 1 (by size)."""
        total = sum(s.size for s in self.sources)
        if self.done or not total:
            return 1.0
        read = sum(s.size * s.progress for s in self.sources)
        return read / total

    def step(self, seconds: float = STEP_SECONDS) -> int:
        """Index for about ``seconds`` (at least one block); the number of events added."""
        began = time.monotonic()
        before = self.events
        while not self.done:
            with self._lock:
                if self._closed:
                    break
                self._index_block()
                self._published = len(self._offsets)
                if self.done:
                    self.timeline.finish()
            if time.monotonic() - began >= seconds:
                break
        return self.events - before

    def load_all(self) -> None:
        """Index everything (until :meth:`close`): the App's indexing thread, and tests."""
        while not self.done and not self._closed:
            self.step(seconds=1.0)

    def _index_block(self) -> None:
        source = self.sources[self._source]
        if not self._starts or len(self._starts) <= self._source:
            self._starts.append(len(self._offsets))
        tail = self._tail
        tail_size = self._tail_size
        try:
            block = source.read()
        except OpenError as exc:
            self._problem(source, self._line + 1, f"cannot read further: {exc}")
            block = b""
        base = source.offset  # where ``block`` starts in the content
        source.offset += len(block)
        if not block:  # the end of this file: its last line may lack its newline
            line = b"".join(tail)
            if self._too_long:
                self._skip_too_long(source)
            elif line.strip():
                self._line_at(source, line, base - tail_size, cut=True)
            self._tail, self._tail_size = [], 0
            self._line = 0
            self._source += 1
            return
        # Only the new block is searched, and a line longer than a block is joined once, at
        # its end: joining the line so far to each block made a file of one huge line
        # quadratic (128 MiB: 22 s).
        end = block.rfind(b"\n") + 1
        if not end:
            if self._too_long or tail_size + len(block) >= MAX_LINE:
                # Too long to index (a gzip file of zeros unpacks to gigabytes of one
                # line): the rest of it is skipped, not held in memory.
                self._too_long = True
                self._tail, self._tail_size = [], 0
            else:
                tail.append(block)
                self._tail_size += len(block)
            return
        at = 0
        if self._too_long:
            at = block.find(b"\n") + 1
            self._skip_too_long(source)
        elif tail:
            at = block.find(b"\n") + 1
            tail.append(block[: at - 1])
            self._line_at(source, b"".join(tail), base - tail_size, cut=False)
        find = block.find
        while at < end:
            stop = find(b"\n", at, end) + 1
            self._line_at(source, block[at : stop - 1], base + at, cut=False)
            at = stop
        self._tail = [block[end:]] if end < len(block) else []
        self._tail_size = len(block) - end

    def _skip_too_long(self, source: _Source) -> None:
        self._too_long = False
        self._line += 1
        self._problem(source, self._line, "line too long")

    def _line_at(self, source: _Source, line: bytes, offset: int, *, cut: bool) -> None:
        self._line += 1
        if not line.strip():
            return  # a blank line is no event, and no harm
        if len(line) >= MAX_LINE:
            self._problem(source, self._line, "line too long")
            return
        try:
            raw = _loads(line)
        except (ValueError, RecursionError):  # orjson's and json's JSONDecodeError are both
            self._problem(source, self._line, "cut short" if cut else "not JSON")
            return
        reason = _check(raw)
        if reason is not None:
            self._problem(source, self._line, reason)
            return
        if raw["event"] == "receive":
            try:
                self.timeline.note(raw["connection"], raw["ts"], len(self._offsets))
            except ValueError:
                self._problem(source, self._line, f"unreadable timestamp {raw['ts']!r}")
                return
        self._offsets.append(offset)
        self._lengths.append(len(line))
        self._count(raw)

    def _count(self, raw: dict[str, Any]) -> None:
        name = raw["connection"]
        counts = self.counts.get(name)
        if counts is None:
            counts = ConnectionCounts(name, first=raw["ts"])
            self.counts = {**self.counts, name: counts}
        counts.events += 1
        counts.last = raw["ts"]
        kind = raw["event"]
        size = raw.get("size")
        size = size if isinstance(size, int) else 0
        if kind == "receive":
            counts.msgs_in += 1
            counts.bytes_in += size
        elif kind == "send":
            counts.msgs_out += 1
            counts.bytes_out += size
        elif kind == "error":
            counts.errors += 1

    def _problem(self, source: _Source, line: int, reason: str) -> None:
        self.malformed += 1
        if len(self.problems) < KEPT_PROBLEMS:
            self.problems.append(f"{source.path}:{line}: {reason}")

    def event(self, pos: int) -> Event:
        """The event at position ``pos`` (0: the first), read and decoded again.

        A line that passed the index's checks but not the full decoding (a bad base64
        payload), or a file changed on disk since, gives an ``error`` event saying so.
        """
        offset, length = self._offsets[pos], self._lengths[pos]
        index = bisect.bisect_right(self._starts, pos) - 1
        source = self.sources[index]
        try:
            # A descriptor closed by close() in another thread may already be another
            # file's: read under the lock that close() takes, never after it.
            with self._reading:
                if self._closed:
                    raise OSError("the recording is closed")
                line = os.pread(source.fd, length, offset)
            return decode_line(line.decode("utf-8", "surrogateescape"))
        except (OSError, EventDecodeError, UnicodeError) as exc:
            message = f"{source.path} at byte {offset}: not a readable event ({exc})"
            return ErrorEvent("(file)", 0.0, pos + 1, kind="internal", message=message)

    def close(self) -> None:
        """Stop indexing and close every file (and delete the decompressed copies)."""
        with self._lock, self._reading:
            self._closed = True
            for source in self.sources:
                source.close()


class FileRing(EventRing):
    """The feed's ring over a :class:`RecordingStore`: every indexed event, read on access.

    Nothing is evicted (``dropped`` is 0) and nothing is added from outside: the store
    grows it as it indexes. :meth:`clear` forgets what is indexed so far, as the live
    ring's does; the feed's own clear (``c``) hides rows without it.
    """

    __slots__ = ("_cleared", "_recording")

    def __init__(self, store: RecordingStore) -> None:
        super().__init__(1)
        self._recording = store
        self._cleared = 0

    @property
    def max_events(self) -> int:
        return max(1, self._recording.events)

    @property
    def total(self) -> int:
        return self._recording.events

    @property
    def dropped(self) -> int:
        return 0

    @property
    def first(self) -> int:
        return self._cleared

    @property
    def end(self) -> int:
        return self._recording.events

    def extend(self, events: Sequence[Event]) -> None:
        """Nothing arrives in review: only an empty batch is accepted."""
        if len(events):
            raise ValueError("a recording under review takes no new events")

    def clear(self) -> None:
        self._cleared = self._recording.events

    def at(self, pos: int) -> Event:
        if not self._cleared <= pos < self._recording.events:
            raise IndexError(f"position {pos} is not in the ring")
        return self._recording.event(pos)

    def __len__(self) -> int:
        return self._recording.events - self._cleared
