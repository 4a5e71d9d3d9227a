"""Request/response pairing: each sent request with the first received message of the same key.

A connection with ``correlate = ".id"`` pairs every sent message whose program gives a key
(not ``null``) with the first later received message whose program gives the same key.
Without the setting, JSON-RPC 2.0 is paired: a sent object with ``"jsonrpc": "2.0"``, a
``method`` and an ``id`` is a request; a received one with that ``id`` and a ``result`` or
an ``error`` is its response (read with :mod:`json`, after a substring test: connections
that send no JSON-RPC never have their messages parsed).

Keys are compared as JSON (``1`` and ``"1"`` differ, as JSON-RPC says). Several requests
pending with one key are answered in the order they were sent; a response nobody waits for
is left alone. A request waits at most ``timeout`` seconds (:meth:`Pairings.expire` marks it
``timeout``), and at most :data:`PENDING_LIMIT` requests wait per connection (the oldest are
dropped and marked the same way). Each such request also gives a
:class:`~tui.core.events.TimeoutEvent`, which its owner puts on the bus (the feed, recordings,
``tail`` and the ``unanswered`` watch see it). Marks are kept for the last :data:`MARK_LIMIT`
events.

The client puts a sent message on the bus after the socket took it, so on a fast link its
response can be on the bus first: a response that arrives while nothing waits is kept for
:data:`EARLY_WINDOW` seconds and paired with a request sent just before it.
"""

from __future__ import annotations

import json
import math
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from tui.core.events import Event, ReceiveEvent, SendEvent, TimeoutEvent
from tui.core.jq import NO_VALUE, compile_program

__all__ = [
    "MARK_LIMIT",
    "PENDING_LIMIT",
    "Mark",
    "Pairing",
    "Pairings",
    "has_sends",
    "percentile",
]

PENDING_LIMIT: Final = 1000
"""Requests that may wait for a response per connection."""

MARK_LIMIT: Final = 100_000
"""Events whose pairing mark is kept (the feed's ring holds 100 000 by default)."""

RTT_SAMPLES: Final = 1000
"""Round trips per connection the percentiles are taken over (the latest)."""

EARLY_WINDOW: Final = 2.0
"""Seconds a response with no pending request waits for its request to show up."""

EARLY_LIMIT: Final = 64
"""Responses per connection that may wait for their request."""


@dataclass(frozen=True, slots=True)
class Mark:
    """What pairing says about one event.

    ``kind`` is ``request`` (answered by event ``other`` after ``rtt`` seconds), ``response``
    (to the request ``other``, ``rtt`` after it) or ``timeout`` (no response after ``rtt``
    seconds; ``other`` is 0).
    """

    kind: Literal["request", "response", "timeout"]
    other: int
    rtt: float


def _key(value: object) -> str | None:
    """A key as comparable text: JSON, with ``1.0`` as ``1``; ``None``: no key."""
    if value is NO_VALUE or value is None:
        return None
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    try:
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    except ValueError:  # NaN or infinity from jq: no key either
        return None
    except RecursionError:  # a peer's key thousands of levels deep: none (not a dead thread)
        return None


def _jsonrpc(data: str | bytes, response: bool) -> str | None:
    """The id of a JSON-RPC 2.0 request (or, with ``response``, of a response)."""
    if isinstance(data, bytes) or '"jsonrpc"' not in data:
        return None
    try:
        message = json.loads(data)
    except (ValueError, RecursionError):
        return None
    if not isinstance(message, dict) or message.get("jsonrpc") != "2.0" or "id" not in message:
        return None
    if response:
        if "result" not in message and "error" not in message:
            return None
    elif "method" not in message:
        return None
    return _key(message["id"])


def has_sends(events: Iterable[Event]) -> bool:
    """Whether ``events`` holds a sent message, automation's (a subclass) included: one
    pass in C over the types, then a test per distinct type."""
    return any(issubclass(kind, SendEvent) for kind in set(map(type, events)))


def percentile(samples: Iterable[float], fraction: float) -> float | None:
    """The ``fraction`` quantile of ``samples`` (nearest rank); ``None`` when empty."""
    ordered = sorted(samples)
    if not ordered:
        return None
    rank = max(0, math.ceil(fraction * len(ordered)) - 1)
    return ordered[rank]


class Pairing:
    """One connection's pending requests and round trips."""

    def __init__(self, connection: str, correlate: str | None, timeout: float) -> None:
        """``correlate``: the key's jq program (``None``: JSON-RPC 2.0)."""
        self.connection = connection
        self.correlate = correlate
        self.timeout = timeout
        self.active = correlate is not None
        """Whether received messages are looked at: with a program, or once a JSON-RPC
        request was sent."""
        self._key: Callable[[str | bytes, bool], str | None]
        if correlate is None:
            self._key = _jsonrpc
        else:
            program = compile_program(correlate)
            self._key = lambda data, response: _key(program.first(data))
        self._pending: dict[str, deque[tuple[int, float]]] = {}
        self._count = 0
        self._early: deque[tuple[str, int, float]] = deque()
        self.rtts: deque[float] = deque(maxlen=RTT_SAMPLES)
        self.timeouts = 0
        """Requests marked ``timeout`` (expired or dropped)."""
        self.timed_out: list[TimeoutEvent] = []
        """The timeout events of requests marked since :meth:`Pairings.expire` took them."""
        self.due = math.inf
        """When the oldest pending request times out (epoch seconds; may be early: a
        request answered or dropped since is only forgotten by the next :meth:`expire`)."""

    @property
    def pending(self) -> int:
        """Requests waiting for their response."""
        return self._count

    def sent(self, event: SendEvent, marks: Marks) -> None:
        """Note a sent message: a request if it has a key."""
        key = self._key(event.data, False)
        if key is None:
            return
        self.active = True
        early = self._early_response(key, event.ts)
        if early is not None:
            seq, ts = early
            self._pair(event.seq, event.ts, seq, ts, marks)
            return
        self._pending.setdefault(key, deque()).append((event.seq, event.ts))
        self._count += 1
        self.due = min(self.due, event.ts + self.timeout)
        if self._count > PENDING_LIMIT:
            self._drop_oldest(event.ts, marks)

    def received(self, event: ReceiveEvent, marks: Marks) -> None:
        """Note a received message: the response of the oldest request with its key."""
        if not self.active:
            return
        key = self._key(event.data, True)
        if key is None:
            return
        waiting = self._pending.get(key)
        if not waiting:
            self._early.append((key, event.seq, event.ts))
            if len(self._early) > EARLY_LIMIT:
                self._early.popleft()
            return
        seq, ts = waiting.popleft()
        self._count -= 1
        if not waiting:
            del self._pending[key]
        self._pair(seq, ts, event.seq, event.ts, marks)

    def _early_response(self, key: str, sent: float) -> tuple[int, float] | None:
        """A response already received for a request sent at ``sent``, if one waits."""
        for index, (early_key, seq, ts) in enumerate(self._early):
            if early_key == key and sent - ts <= EARLY_WINDOW:
                del self._early[index]
                return seq, ts
        return None

    def _pair(
        self, request: int, sent: float, response: int, received: float, marks: Marks
    ) -> None:
        rtt = max(0.0, received - sent)
        self.rtts.append(rtt)
        marks.put(request, Mark("request", response, rtt))
        marks.put(response, Mark("response", request, rtt))

    def _drop_oldest(self, now: float, marks: Marks) -> None:
        oldest_key = min(self._pending, key=lambda key: self._pending[key][0][0])
        self._timeout(oldest_key, now, marks)

    def _timeout(self, key: str, now: float, marks: Marks) -> None:
        waiting = self._pending[key]
        seq, ts = waiting.popleft()
        self._count -= 1
        if not waiting:
            del self._pending[key]
        self.timeouts += 1
        waited = max(0.0, now - ts)
        marks.put(seq, Mark("timeout", 0, waited))
        self.timed_out.append(TimeoutEvent(self.connection, now, request=seq, waited=waited))

    def expire(self, now: float, marks: Marks) -> None:
        """Mark ``timeout`` every request sent more than ``timeout`` seconds before ``now``,
        oldest first (their events go to :attr:`timed_out`). Early responses past their
        window are forgotten."""
        early = self._early
        while early and now - early[0][2] > EARLY_WINDOW:
            early.popleft()
        expired: list[tuple[int, str]] = []
        timeout = self.timeout
        # `ts + timeout`, as `due` is computed: woken at `due`, the request is expired.
        for key, waiting in list(self._pending.items()):
            expired.extend((seq, key) for seq, ts in waiting if ts + timeout <= now)
        expired.sort()
        for _, key in expired:
            self._timeout(key, now, marks)
        # Each key's requests wait oldest first.
        self.due = min((waiting[0][1] for waiting in self._pending.values()), default=math.inf)
        self.due += timeout


class Marks:
    """The pairing mark of recent events by seq; the oldest go beyond :data:`MARK_LIMIT`."""

    def __init__(self, limit: int = MARK_LIMIT) -> None:
        self.limit = limit
        self._marks: dict[int, Mark] = {}
        self.version = 0
        """Counts the marks set: the feed draws its rows again when it moved."""

    def put(self, seq: int, mark: Mark) -> None:
        """Set ``seq``'s mark (an answered request replaces nothing: its seq is new)."""
        marks = self._marks
        marks[seq] = mark
        self.version += 1
        if len(marks) > self.limit + self.limit // 8:
            # Seqs grow with time: the first inserted are nearly always the oldest. Cut an
            # eighth at a time, so that keeping within the limit is O(1) a mark.
            for old in list(marks)[: len(marks) - self.limit]:
                del marks[old]

    def get(self, seq: int) -> Mark | None:
        """``seq``'s mark, if it has one."""
        return self._marks.get(seq)

    def __len__(self) -> int:
        return len(self._marks)


class Pairings:
    """Every connection's :class:`Pairing` and the marks of their events."""

    def __init__(self, mark_limit: int = MARK_LIMIT) -> None:
        self.marks = Marks(mark_limit)
        self._pairings: dict[str, Pairing] = {}

    def configure(self, connection: str, correlate: str | None, timeout: float) -> None:
        """Pair ``connection``'s messages by ``correlate`` (``None``: JSON-RPC); a change
        forgets its pending requests."""
        current = self._pairings.get(connection)
        if current is not None and (current.correlate, current.timeout) == (correlate, timeout):
            return
        pairings = dict(self._pairings)  # replaced whole: the analysis thread reads it
        pairings[connection] = Pairing(connection, correlate, timeout)
        self._pairings = pairings

    def forget(self, connection: str) -> None:
        """Drop ``connection``'s pairing (a deleted connection)."""
        pairings = dict(self._pairings)
        pairings.pop(connection, None)
        self._pairings = pairings

    def get(self, connection: str) -> Pairing | None:
        """``connection``'s pairing."""
        return self._pairings.get(connection)

    @property
    def active(self) -> bool:
        """Whether some connection looks at what it receives (a ``correlate`` program, or
        a JSON-RPC request sent): until then only sent messages need :meth:`take`."""
        return any(pairing.active for pairing in self._pairings.values())

    @property
    def due(self) -> float:
        """When the next pending request times out (epoch seconds, ``inf`` with none; may
        be early, never late): when :meth:`expire` has work."""
        return min((pairing.due for pairing in self._pairings.values()), default=math.inf)

    def take(self, events: Sequence[Event]) -> None:
        """Pair the sent and received messages among ``events``."""
        pairings = self._pairings
        if not self.active and not has_sends(events):
            # Nothing to pair: no connection looks at what it receives, and nothing was
            # sent. A flood's batch costs one pass in C, not one in Python per event
            # (which held the interpreter lock that keys need, for ~100 ns an event).
            return
        marks = self.marks
        for event in events:
            if isinstance(event, ReceiveEvent):
                pairing = pairings.get(event.connection)
                if pairing is not None and pairing.active:
                    pairing.received(event, marks)
            elif isinstance(event, SendEvent):
                pairing = pairings.get(event.connection)
                if pairing is not None:
                    pairing.sent(event, marks)

    def expire(self, now: float) -> list[TimeoutEvent]:
        """Time out the requests waiting too long; the timeout events of every request
        marked since the last call (dropped ones too), for the owner to put on the bus."""
        events: list[TimeoutEvent] = []
        for pairing in list(self._pairings.values()):
            pairing.expire(now, self.marks)
            if pairing.timed_out:
                events += pairing.timed_out
                pairing.timed_out = []
        return events
