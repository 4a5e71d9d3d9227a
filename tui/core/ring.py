"""The feed's bounded event store, its filter, and an incremental filtered view over it.

Costs are what make a flood bearable: :meth:`EventRing.extend` is O(batch), a view with
no filter does no per-event work at all, and a filtered view matches each new event once
and re-filters the whole ring only in bounded steps (:data:`STEP_EVENTS` events or
:data:`STEP_SECONDS`, whichever comes first) that the UI resumes between frames.

The ring keeps events packed, not as event objects. Payload events (nearly all of a flood)
are stored column-wise in chunks of consecutive positions: a kind code, the timestamp and
where the payload ends, per event, in arrays, and the payloads' bytes (text as UTF-8) one
after the other; the connection, ``seq`` and size are kept per event only in a chunk where
they do not follow from a rule (one connection, consecutive seqs, size = payload bytes).
A 64 B message costs ~80 bytes instead of ~280 as a tuple of Python objects (1 000 000
messages through a 100 000-event ring: ~80 MB peak RSS instead of ~98), and arrays and
bytes are nothing for the garbage collector: with 100 000 event objects kept, every full
collection scanned them all, 100-350 ms with nothing else running, about once a second
during a flood. Other events are kept as tuples of their fields, which CPython stops
tracking, and so are payload events of :data:`WHOLE_PAYLOAD` or more, whose payload is
then the event's own object, read back without a copy. Events are rebuilt on access,
which happens only for the rows on screen, filtering and export. A chunk takes at most
1/32 of the ring's events (4 096 at most) or 1 MiB of payloads, so evicted events are
freed a chunk at a time, never much later.

Regex search is bounded twice: it only ever sees the first :data:`SEARCH_LIMIT` characters
of a text, and each search runs under a CPU-time alarm of :data:`REGEX_BUDGET` seconds
(``SIGVTALRM``; the ``re`` engine checks for signals while it backtracks) so that a
catastrophic pattern such as ``(a+)+$`` is cut off instead of hanging the app. The alarm
needs the main thread of a POSIX system; elsewhere only the length bound applies.
"""

from __future__ import annotations

import bisect
import re
import signal
import threading
import time
from array import array
from collections.abc import Callable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, fields
from itertools import accumulate, islice, repeat
from operator import attrgetter, countOf
from types import FrameType
from typing import Any, cast, overload

from tui.core.codec import encode_hex
from tui.core.display import summary
from tui.core.events import (
    EVENT_NAMES,
    EVENT_TYPES,
    Event,
    PayloadEvent,
    ReceiveEvent,
    SendEvent,
)

__all__ = [
    "ALL",
    "EVENT_NAMES",
    "Cleared",
    "EventRing",
    "FeedFilter",
    "FilteredView",
    "RegexTimeout",
    "search_texts",
]


SEARCH_LIMIT = 4096
"""Characters of any one text (name, summary, payload, hex) that a search looks at."""
REGEX_BUDGET = 0.1
"""CPU seconds one regex search may take before it counts as a non-match (a time-out)."""
MAX_TIMEOUTS = 5
"""Time-outs after which a filtered view gives up on its regex (see ``FilteredView.error``)."""
STEP_EVENTS = 20_000
"""Most events one :meth:`FilteredView.step` examines."""
STEP_SECONDS = 0.02
"""Wall time after which one :meth:`FilteredView.step` stops early (checked every 256 events)."""


# Payload events are stored column-wise in chunks (see the module's docstring); a chunk
# covers consecutive positions. Kind codes: 0 another event (kept whole in ``others``),
# else _RECEIVE or _SEND, plus _BINARY for a bytes payload.
_RECEIVE, _SEND, _BINARY = 2, 4, 1
_CODES: dict[type[Event], int] = {ReceiveEvent: _RECEIVE, SendEvent: _SEND}
_CHUNK_EVENTS = 4096
"""Most events in one chunk (fewer for a small ring: at most 1/32 of it)."""
_CHUNK_BYTES = 1 << 20
"""Payload bytes after which a chunk takes no more events."""
WHOLE_PAYLOAD = 64 * 1024
"""Payloads of this many characters (text) or bytes (binary) or more are kept whole, as
the event had them: read back, a 64 MiB one in the columns was sliced and decoded again at
every access (~100 ms: every detail-pane repaint), whole it is the same object at once."""
_data = attrgetter("data")
_connection = attrgetter("connection")
_seq = attrgetter("seq")
_ts = attrgetter("ts")
_size = attrgetter("size")

# Other events: a C-level getter of (EVENT, field, field, ...) in constructor order.
_PACKERS: dict[type[Event], Callable[[Event], Any]] = {
    cls: attrgetter("EVENT", *(f.name for f in fields(cls))) for cls in EVENT_TYPES.values()
}


def _keep(event: Event) -> Event:
    """Events of other classes are kept as they are."""
    return event


def _unpack(item: Any) -> Event:
    if type(item) is tuple:
        return EVENT_TYPES[item[0]](*item[1:])
    event: Event = item
    return event


class _Chunk:
    """Consecutive events from position ``start``, column-wise: one entry per event in
    ``codes``, ``stamps`` and ``ends``; the payloads' bytes one after the other in ``data``.

    A column that a rule can tell is kept only once the rule fails: in a flood every
    payload comes from one connection, its ``seq`` follows the one before and its size is
    its bytes (20 bytes an event saved).
    """

    __slots__ = (
        "codes",
        "data",
        "ends",
        "held",
        "name",
        "names",
        "others",
        "payloads",
        "seq0",
        "seqs",
        "sizes",
        "stamps",
        "start",
    )

    def __init__(self, start: int) -> None:
        self.start = start
        self.codes = bytearray()
        self.stamps = array("d")
        self.ends = array("I")  # where each payload ends in ``data``
        self.data: bytearray | bytes = bytearray()  # the payloads: UTF-8 text, bytes
        self.others: dict[int, Any] = {}  # index -> a packed event not in the columns
        self.held = 0  # the bytes of the payloads kept whole in ``others``
        self.payloads = 0
        self.seq0 = 0  # rule: the seq of the payload at index i is seq0 + i ...
        self.seqs: array[int] | None = None  # ... else this
        self.name = ""  # rule: every payload's connection ...
        self.names: array[int] | None = None  # ... else indexes into the ring's names
        self.sizes: array[int] | None = None  # rule: a payload's size is its bytes, else this

    @property
    def end(self) -> int:
        """The position after its last event."""
        return self.start + len(self.codes)

    def seal(self) -> None:
        """No more events: the payloads lose the bytearray's spare room."""
        self.data = bytes(self.data)

    def add_payloads(
        self,
        events: Sequence[Event],
        codes: list[int],
        blob: bytes,
        lengths: list[int],
        name_id: Callable[[str], int],
    ) -> None:
        """Append payload events, their codes and their payloads' bytes.

        Raises:
            OverflowError, TypeError: a number no column holds; the chunk is unchanged.
        """
        first, count = len(self.codes), len(events)
        # Every conversion that can fail comes before the first change.
        seqs = array("Q", map(_seq, events))
        stamps = array("d", map(_ts, events))
        sizes = array("Q", map(_size, events))
        ends = array("I", islice(accumulate(lengths, initial=len(self.data)), 1, None))
        names = list(map(_connection, events))
        if not self.payloads:
            self.seq0, self.name = seqs[0] - first, names[0]
        expected = self.seq0 + first  # >= 0: the first payload's seq, or more
        if self.seqs is None and seqs != array("Q", range(expected, expected + count)):
            self.seqs = array("Q", [max(0, self.seq0 + i) for i in range(first)])
        if self.seqs is not None:
            self.seqs += seqs
        if self.names is None and countOf(names, self.name) != count:
            self.names = array("I", [name_id(self.name)]) * first
        if self.names is not None:
            self.names.extend(map(name_id, names))
        if self.sizes is None and sizes != array("Q", lengths):
            old = self.ends
            self.sizes = array("Q", [old[i] - (old[i - 1] if i else 0) for i in range(first)])
        if self.sizes is not None:
            self.sizes += sizes
        self.stamps += stamps
        self.ends += ends
        self.data += blob
        self.codes += bytes(codes)
        self.payloads += count

    def add_other(self, item: Any) -> None:
        """Append an event that is not a payload (packed, or the event itself)."""
        self.others[len(self.codes)] = item
        self.codes.append(0)
        self.stamps.append(0.0)
        self.ends.append(len(self.data))
        for column in (self.seqs, self.names, self.sizes):
            if column is not None:
                column.append(0)

    def event(self, index: int, names: list[str]) -> Event:
        code = self.codes[index]
        if not code:
            return _unpack(self.others[index])
        ends = self.ends
        start, end = ends[index - 1] if index else 0, ends[index]
        raw = self.data[start:end]
        data = bytes(raw) if code & _BINARY else raw.decode("utf-8", "surrogatepass")
        cls = ReceiveEvent if code & _RECEIVE else SendEvent
        return cls(
            self.name if self.names is None else names[self.names[index]],
            self.stamps[index],
            self.seq0 + index if self.seqs is None else self.seqs[index],
            data,
            end - start if self.sizes is None else self.sizes[index],
        )


class EventRing(Sequence[Event]):
    """A bounded store of events; index 0 is the oldest event kept.

    Every event also has an *absolute position* (``first <= pos < end``) that never changes
    while it is kept, so views and caches can refer to it across evictions and clears.
    Events are stored packed (see the module's docstring): reading one returns an equal
    event, not the same object.
    """

    __slots__ = (
        "_cap",
        "_chunk_events",
        "_chunks",
        "_dropped",
        "_len",
        "_name_index",
        "_names",
        "_starts",
        "_total",
    )

    def __init__(self, max_events: int) -> None:
        if max_events < 1:
            raise ValueError(f"max_events must be at least 1, not {max_events}")
        self._cap = max_events
        self._chunk_events = max(1, min(_CHUNK_EVENTS, max_events // 32))
        self._chunks: list[_Chunk] = []
        self._starts: list[int] = []  # each chunk's start, for bisect
        self._names: list[str] = []
        self._name_index: dict[str, int] = {}
        self._len = 0
        self._total = 0
        self._dropped = 0

    @property
    def max_events(self) -> int:
        """How many events the ring keeps."""
        return self._cap

    @property
    def total(self) -> int:
        """Events ever added (clears do not reset it)."""
        return self._total

    @property
    def dropped(self) -> int:
        """Events evicted because the ring was full, since the last :meth:`clear`."""
        return self._dropped

    @property
    def first(self) -> int:
        """Absolute position of the oldest event kept."""
        return self._total - self._len

    @property
    def end(self) -> int:
        """Absolute position the next event will get."""
        return self._total

    def extend(self, events: Sequence[Event]) -> None:
        """Append a batch, evicting the oldest events if the ring is full; O(len(events))."""
        if not isinstance(events, list | tuple):
            events = list(events)
        count = len(events)
        if not count:
            return
        cap = self._cap
        kept = events if count <= cap else events[count - cap :]
        position = self._total + count - len(kept)
        done = 0
        while done < len(kept):
            chunk = self._writable(position + done)
            part = kept[done : done + self._chunk_events - len(chunk.codes)]
            self._store(chunk, part)
            done += len(part)
        new_len = min(cap, self._len + count)
        self._dropped += self._len + count - new_len
        self._len = new_len
        self._total += count
        first = self._total - new_len
        chunks = self._chunks
        while chunks and chunks[0].end <= first:
            del chunks[0], self._starts[0]

    def _writable(self, position: int) -> _Chunk:
        """The chunk that takes the event at ``position``: the last one while it has room."""
        if self._chunks:
            last = self._chunks[-1]
            if (
                last.end == position
                and len(last.codes) < self._chunk_events
                and len(last.data) + last.held < _CHUNK_BYTES
            ):
                return last
            last.seal()
        chunk = _Chunk(position)
        self._chunks.append(chunk)
        self._starts.append(position)
        return chunk

    def _store(self, chunk: _Chunk, events: Sequence[Event]) -> None:
        """Append ``events`` to ``chunk``: runs of payload events column-wise, in C-level
        loops (a flood's batches are nothing else), other events one by one."""
        codes = list(map(_CODES.get, map(type, events), repeat(0)))
        start = 0
        while start < len(events):
            stop = codes.index(0, start) if 0 in codes[start:] else len(events)
            if stop > start:
                self._store_payloads(chunk, events[start:stop], codes[start:stop])
            if stop < len(events):
                self._store_other(chunk, events[stop])
            start = stop + 1

    def _store_payloads(self, chunk: _Chunk, events: Sequence[Event], codes: list[int]) -> None:
        datas: list[str | bytes] = list(map(_data, events))
        if max(map(len, datas)) >= WHOLE_PAYLOAD:
            self._store_with_whole(chunk, events, codes, datas)
            return
        count = len(datas)
        if countOf(map(type, datas), str) == count:
            joined = "".join(cast(list[str], datas))
            if joined.isascii():  # one byte a character: the lengths are the texts'
                blob, lengths = joined.encode("ascii"), list(map(len, datas))
                datas = []
            else:
                datas = [text.encode("utf-8", "surrogatepass") for text in datas]  # type: ignore[union-attr]
        else:
            for index, data in enumerate(datas):
                if isinstance(data, str):
                    datas[index] = data.encode("utf-8", "surrogatepass")
                else:
                    codes[index] |= _BINARY
        if datas:
            blob, lengths = b"".join(cast(list[bytes], datas)), list(map(len, datas))
        try:
            chunk.add_payloads(events, codes, blob, lengths, self._name_id)
        except (OverflowError, TypeError):  # numbers no column holds: kept whole instead
            for event in events:
                self._store_other(chunk, event)

    def _store_with_whole(
        self, chunk: _Chunk, events: Sequence[Event], codes: list[int], datas: list[str | bytes]
    ) -> None:
        """Payload events, of which some are large: those kept whole, the runs between them
        in the columns."""
        start = 0
        for index, data in enumerate(datas):
            if len(data) >= WHOLE_PAYLOAD:
                if index > start:
                    self._store_payloads(chunk, events[start:index], codes[start:index])
                self._store_other(chunk, events[index])  # packed: the payload object itself
                chunk.held += len(data)
                start = index + 1
        if start < len(events):
            self._store_payloads(chunk, events[start:], codes[start:])

    def _name_id(self, name: str) -> int:
        """The index of a connection name in the ring's list of names."""
        index = self._name_index.get(name)
        if index is None:
            index = self._name_index[name] = len(self._names)
            self._names.append(name)
        return index

    def _store_other(self, chunk: _Chunk, event: Event) -> None:
        chunk.add_other((_PACKERS.get(type(event)) or _keep)(event))

    def clear(self) -> None:
        """Forget every event (not counted as dropped) and reset :attr:`dropped`."""
        self._chunks.clear()
        self._starts.clear()
        self._len = 0
        self._dropped = 0

    def at(self, pos: int) -> Event:
        """The event at absolute position ``pos``.

        Raises:
            IndexError: it was evicted or cleared, or has not arrived yet.
        """
        if not self._total - self._len <= pos < self._total:
            raise IndexError(f"position {pos} is not in the ring")
        chunks = self._chunks
        chunk = chunks[-1]
        if pos < chunk.start:
            chunk = chunks[bisect.bisect_right(self._starts, pos) - 1]
        return chunk.event(pos - chunk.start, self._names)

    def __len__(self) -> int:
        return self._len

    @overload
    def __getitem__(self, index: int) -> Event: ...

    @overload
    def __getitem__(self, index: slice) -> list[Event]: ...

    # Through len(), first, end and at(): a subclass over other storage (the review's
    # FileRing) inherits the indexing by overriding those. Not on a hot path.
    def __getitem__(self, index: int | slice) -> Event | list[Event]:
        length = len(self)
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(length))]
        if index < 0:
            index += length
        if not 0 <= index < length:
            raise IndexError(f"ring index {index} out of range")
        return self.at(self.first + index)

    def __iter__(self) -> Iterator[Event]:
        for pos in range(self.first, self.end):
            yield self.at(pos)


class RegexTimeout(Exception):
    """A regex search ran past :data:`REGEX_BUDGET`."""


class _RegexGuard:
    """Runs regex searches under a CPU-time alarm; restores any previous alarm on exit."""

    def __init__(self, *, enabled: bool = True) -> None:
        self._enabled = enabled
        self._armed = False
        self._active = False
        self._old_handler: object = None
        self._old_timer: tuple[float, float] = (0.0, 0.0)

    def __enter__(self) -> _RegexGuard:
        self._active = (
            self._enabled
            and hasattr(signal, "setitimer")
            and hasattr(signal, "SIGVTALRM")
            and threading.current_thread() is threading.main_thread()
        )
        if self._active:
            self._old_handler = signal.signal(signal.SIGVTALRM, self._on_alarm)
            self._old_timer = signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._active:
            signal.setitimer(signal.ITIMER_VIRTUAL, 0)
            old = self._old_handler
            signal.signal(signal.SIGVTALRM, old if old is not None else signal.SIG_DFL)  # type: ignore[arg-type]
            if self._old_timer[0] > 0:
                signal.setitimer(signal.ITIMER_VIRTUAL, *self._old_timer)

    def _on_alarm(self, signum: int, frame: FrameType | None) -> None:
        if self._armed:
            raise RegexTimeout

    def spans(self, pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
        """Where ``pattern`` occurs in ``text`` (non-empty matches); raises
        :class:`RegexTimeout` if too slow."""
        self._armed = self._active
        if self._active:
            signal.setitimer(signal.ITIMER_VIRTUAL, REGEX_BUDGET)
        try:
            return [m.span() for m in pattern.finditer(text) if m.end() > m.start()]
        finally:
            if self._active:
                signal.setitimer(signal.ITIMER_VIRTUAL, 0)
            self._armed = False

    def search(self, pattern: re.Pattern[str], text: str) -> bool:
        """Whether ``pattern`` occurs in ``text``; raises :class:`RegexTimeout` if too slow."""
        if not self._active:
            return pattern.search(text) is not None
        self._armed = True
        signal.setitimer(signal.ITIMER_VIRTUAL, REGEX_BUDGET)
        try:
            return pattern.search(text) is not None
        finally:
            signal.setitimer(signal.ITIMER_VIRTUAL, 0)
            self._armed = False


def search_texts(event: Event) -> list[str]:
    """The texts a search looks at, each cut to :data:`SEARCH_LIMIT` characters.

    The connection name, the one-line summary (escaped, as the feed shows it; binary as
    spaced hex), and for payloads the raw text or the compact hex.
    """
    limit = SEARCH_LIMIT
    texts = [event.connection[:limit], summary(event, "hex", limit)]
    if isinstance(event, PayloadEvent):
        if isinstance(event.data, bytes):
            texts.append(encode_hex(event.data[: limit // 2], sep=""))
        elif event.data[:limit] != texts[1]:
            texts.append(event.data[:limit])
    return texts


@dataclass(frozen=True, slots=True)
class FeedFilter:
    """Which events the feed shows; the default shows everything.

    ``connections``/``kinds`` of ``None`` mean all; ``kinds`` holds event names
    (``start``, ``stop``, ``receive``, ``send``, ``error``). ``search`` is a substring, or a
    regular expression when ``regex`` is set, matched against :func:`search_texts`.
    """

    connections: AbstractSet[str] | None = None
    kinds: AbstractSet[str] | None = None
    search: str = ""
    regex: bool = False
    case_sensitive: bool = False
    _pattern: re.Pattern[str] | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Freeze the sets so a filter can't change under a view that is using it.
        if self.connections is not None:
            object.__setattr__(self, "connections", frozenset(self.connections))
        if self.kinds is not None:
            object.__setattr__(self, "kinds", frozenset(self.kinds))

    @property
    def is_all(self) -> bool:
        """Whether every event passes (the view then does no per-event work)."""
        return self.connections is None and self.kinds is None and not self.search

    def compile(self) -> re.Pattern[str] | None:
        """Check and compile the search; ``None`` when there is no search.

        Raises:
            ValueError: the regular expression is invalid; the message says where and why.
        """
        if not self.search:
            return None
        if self._pattern is None:
            flags = 0 if self.case_sensitive else re.IGNORECASE
            source = self.search if self.regex else re.escape(self.search)
            try:
                pattern = re.compile(source, flags)
            except re.error as exc:
                where = f" at position {exc.pos}" if exc.pos is not None else ""
                raise ValueError(f"invalid regular expression: {exc.msg}{where}") from None
            except (OverflowError, RecursionError, MemoryError):
                raise ValueError("invalid regular expression: too large to compile") from None
            object.__setattr__(self, "_pattern", pattern)
        return self._pattern

    def matches(self, event: Event) -> bool:
        """Whether ``event`` passes; a regex search that times out counts as no match.

        Raises:
            ValueError: the regular expression is invalid.
        """
        try:
            with _RegexGuard(enabled=self.regex) as guard:
                return self._match(event, guard)
        except RegexTimeout:
            return False

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where the search occurs in ``text`` (for highlighting); none when a regex is too
        slow or there is no search."""
        pattern = self.compile()
        if pattern is None:
            return []
        try:
            with _RegexGuard(enabled=self.regex) as guard:
                return guard.spans(pattern, text)
        except RegexTimeout:
            return []

    def _match(self, event: Event, guard: _RegexGuard) -> bool:
        if self.connections is not None and event.connection not in self.connections:
            return False
        if self.kinds is not None and event.EVENT not in self.kinds:
            return False
        pattern = self.compile()
        if pattern is None:
            return True
        if not self.regex:
            # A literal search is linear; no alarm needed.
            return any(pattern.search(text) for text in search_texts(event))
        return any(guard.search(pattern, text) for text in search_texts(event))


ALL = FeedFilter()
"""The filter that shows every event."""


@dataclass(frozen=True, slots=True)
class Cleared:
    """What one :meth:`FilteredView.clear` hid, so that :meth:`FilteredView.undo` can show it."""

    count: int
    """Rows hidden."""
    floor: int | None
    """The floor before a clear of everything (``None``: the clear hid ``positions``)."""
    positions: frozenset[int]
    """The positions a clear of a filtered view hid."""
    dropped: int
    """The view's dropped count before the clear."""


class FilteredView(Sequence[Event]):
    """The events of a ring that pass a filter, kept up to date incrementally.

    Call :meth:`sync` after every ``ring.extend``/``ring.clear`` and keep calling
    :meth:`step` while :attr:`pending` (after a filter change, or when a batch was bigger
    than a step). Rows are indexed ``0..len-1``, oldest first.

    :meth:`clear` hides the rows shown, whatever the filter, until :meth:`undo`: a clear of
    everything raises a *floor* (positions below it are hidden; no per-event work), a clear
    under a filter hides the positions it showed. The events stay in the ring until evicted.
    """

    def __init__(self, ring: EventRing, flt: FeedFilter = ALL) -> None:
        self._ring = ring
        self._filter = ALL
        self._positions: list[int] = []
        self._head = 0  # positions[:head] were evicted; compacted now and then
        self._scanned = ring.end  # next absolute position to examine
        self._live_from = ring.end  # matches from here on count as new arrivals
        self._live_matches = 0
        self._timeouts = 0
        self._floor = 0  # positions below it were cleared
        self._hidden: set[int] = set()  # positions cleared under a filter
        self._seen_first = ring.first  # the ring's first position at the last sync
        self._dropped = ring.dropped  # evicted before this view existed
        self.error: str | None = None
        """Why regex filtering gave up (too many time-outs), or ``None``."""
        self.set_filter(flt)

    @property
    def _plain(self) -> bool:
        """Every event above the floor is a row: rows are positions, no per-event work."""
        return self._filter.is_all and not self._hidden

    def _base(self) -> int:
        return max(self._ring.first, self._floor)

    @property
    def filter(self) -> FeedFilter:
        """The filter in use."""
        return self._filter

    def set_filter(self, flt: FeedFilter) -> None:
        """Use ``flt``; the re-scan happens in later :meth:`step` calls.

        Raises:
            ValueError: its regular expression is invalid (the view is unchanged).
        """
        flt.compile()
        ring = self._ring
        self._filter = flt
        self._positions = []
        self._head = 0
        self._scanned = self._base()
        self._live_from = ring.end
        self._live_matches = 0
        self._timeouts = 0
        self.error = None

    @property
    def pending(self) -> bool:
        """Whether events remain to be examined."""
        if self._plain or self.error is not None:
            return False
        return self._scanned < self._ring.end

    @property
    def scanned(self) -> int:
        """The next absolute position the filter will examine."""
        return self._ring.end if self._plain else self._scanned

    @property
    def progress(self) -> float:
        """How much of the ring has been examined, from 0.0 to 1.0."""
        ring = self._ring
        if not self.pending or not len(ring):
            return 1.0
        return max(0.0, (self._scanned - ring.first) / len(ring))

    @property
    def arrived(self) -> int:
        """A counter of matching events that arrived since the filter was set.

        Differences of two readings give "N new"; re-scanned old events never count.
        """
        if self._filter.is_all:
            return self._ring.total
        return self._live_matches

    @property
    def timeouts(self) -> int:
        """Regex searches cut off by the time budget under this filter."""
        return self._timeouts

    @property
    def dropped(self) -> int:
        """Events the ring evicted that were not cleared, since the last clear of everything.

        A clear under a filter does not reset it.
        """
        return self._dropped

    @property
    def uncleared(self) -> int:
        """Events in the ring that no clear hides, whatever the filter (O(hidden))."""
        base = self._base()
        return self._ring.end - base - sum(1 for pos in self._hidden if pos >= base)

    def _count_drops(self, first: int) -> None:
        """Count the events evicted since the last sync that were shown (not cleared)."""
        low, self._seen_first = self._seen_first, first
        if first <= low:
            return
        hidden = self._hidden
        gone = 0
        if hidden:
            evicted = range(low, first)
            for pos in evicted if len(evicted) < len(hidden) else list(hidden):
                if low <= pos < first and pos in hidden:
                    hidden.discard(pos)
                    gone += pos >= self._floor
        self._dropped += max(0, first - max(low, self._floor)) - gone

    def sync(self) -> bool:
        """Drop evicted rows and examine new events (one bounded step); returns :attr:`pending`."""
        self._forget_evicted()
        return self.step()

    def _forget_evicted(self) -> None:
        """Count and drop the rows evicted since the last call; examine from what is kept."""
        first = self._ring.first
        self._count_drops(first)
        if self._plain:
            return
        positions = self._positions
        if self._head < len(positions) and positions[self._head] < first:
            self._head = bisect.bisect_left(positions, first, self._head)
            if self._head > 4096 and self._head * 2 > len(positions):
                del positions[: self._head]
                self._head = 0
        elif self._head == len(positions) and self._head:
            positions.clear()
            self._head = 0
        self._scanned = max(self._scanned, first, self._floor)

    def step(self, max_events: int = STEP_EVENTS, max_seconds: float = STEP_SECONDS) -> bool:
        """Examine up to ``max_events`` events (stopping early after ``max_seconds``).

        Returns:
            Whether more events remain (:attr:`pending`).
        """
        if not self.pending:
            return False
        ring = self._ring
        if ring.first > self._seen_first:
            # A flood evicted events between two steps of a re-filter or a search (their
            # own timers, no sync between): what was not examined yet may be gone.
            self._forget_evicted()
        flt = self._filter
        stop = min(ring.end, self._scanned + max_events)
        deadline = time.perf_counter() + max_seconds
        append = self._positions.append
        live_from = self._live_from
        hidden = self._hidden
        pos = self._scanned
        with _RegexGuard(enabled=flt.regex) as guard:
            while pos < stop:
                try:
                    matched = pos not in hidden and flt._match(ring.at(pos), guard)
                except RegexTimeout:
                    matched = False
                    self._timeouts += 1
                    if self._timeouts >= MAX_TIMEOUTS:
                        self.error = (
                            f"regex search stopped: {self._timeouts} events took over "
                            f"{REGEX_BUDGET * 1000:.0f} ms each (catastrophic backtracking?); "
                            "simplify the pattern"
                        )
                pos += 1
                if matched:
                    append(pos - 1)
                    if pos > live_from:
                        self._live_matches += 1
                if self.error is not None:
                    break
                if not pos & 0xFF and time.perf_counter() > deadline:
                    break
        self._scanned = pos
        return self.pending

    def finish(self) -> None:
        """Examine every remaining event now (O(ring); for exports, not for the UI loop)."""
        while self.step(max_events=STEP_EVENTS, max_seconds=float("inf")):
            pass

    def clear(self, upto: int | None = None) -> Cleared:
        """Hide the rows shown now, or those before position ``upto`` (the ring's end when
        the operator was asked), examining what remains of a re-filter first.

        Returns what :meth:`undo` needs to show them again.
        """
        self.finish()
        end = self._ring.end if upto is None else min(upto, self._ring.end)
        count = self.row_of(end)
        if self._filter.is_all:
            cleared = Cleared(count, self._floor, frozenset(), self._dropped)
            self._floor = max(self._floor, end)
            self._dropped = 0
        else:
            rows = frozenset(self._positions[self._head : self._head + count])
            cleared = Cleared(count, None, rows, self._dropped)
            self._hidden |= rows
        # The rows left are those from ``end`` on (none of them needs examining again).
        del self._positions[: self._head + count]
        self._head = 0
        return cleared

    def undo(self, cleared: Cleared) -> int:
        """Show again what ``cleared`` hid; returns how many of its events are still kept."""
        ring = self._ring
        if cleared.floor is not None:
            back = max(0, self._floor - max(cleared.floor, ring.first))
            self._floor = cleared.floor
            self._dropped += cleared.dropped
        else:
            kept = {pos for pos in cleared.positions if pos >= ring.first}
            back = len(kept)
            self._hidden -= cleared.positions
        self.set_filter(self._filter)
        return back

    def __len__(self) -> int:
        if self._plain:
            return self._ring.end - self._base()
        return len(self._positions) - self._head

    def position(self, row: int) -> int:
        """Absolute ring position of row ``row`` (negative counts from the end)."""
        count = len(self)
        if row < 0:
            row += count
        if not 0 <= row < count:
            raise IndexError(f"row {row} out of range")
        if self._plain:
            return self._base() + row
        return self._positions[self._head + row]

    def row_of(self, pos: int) -> int:
        """The row of position ``pos``, or of the first shown event after it (may be ``len``)."""
        if self._plain:
            return min(max(pos - self._base(), 0), len(self))
        return bisect.bisect_left(self._positions, pos, self._head) - self._head

    def contains(self, pos: int) -> bool:
        """Whether the event at absolute position ``pos`` is shown."""
        row = self.row_of(pos)
        return row < len(self) and self.position(row) == pos

    @overload
    def __getitem__(self, index: int) -> Event: ...

    @overload
    def __getitem__(self, index: slice) -> list[Event]: ...

    def __getitem__(self, index: int | slice) -> Event | list[Event]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return self._ring.at(self.position(index))

    def __iter__(self) -> Iterator[Event]:
        for row in range(len(self)):
            yield self[row]
