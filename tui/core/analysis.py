"""Fields and pairing, run on the dashboard's event batches in a thread of their own.

jq runs to completion once called (it cannot be interrupted) and holds the GIL while it
runs, so no thread makes a program that never ends harmless; what a thread does give is a
UI that never waits for a batch to be analysed. The drain hands each batch over with
:meth:`Analysis.offer` (one queue put per batch, whatever its size); this thread extracts
the fields (:class:`~tui.core.fields_store.FieldStore`), pairs requests with responses
(:class:`~tui.core.pairing.Pairings`) and times out the unanswered ones, whose events it
hands to :attr:`Analysis.on_timeouts` (the App puts them on the bus from its own loop). The
UI reads the results when it draws. Connections without fields pay a type test and a dict lookup per
message here, in this thread, and nothing on the UI's side.

A batch goes to the thread only when something in it can be analysed: some connection has
fields or a ``correlate`` program, or a message was sent (JSON-RPC pairing starts with a
request). A dashboard that only listens never wakes the thread: under 500 x 10/s fan-in,
waking it for each of the drain's batches cost ~5 % of the App's CPU (the hand-over of
the interpreter lock to the thread and back, for a batch it had nothing to do with).

A thread that falls behind (fields on a flood faster than jq) skips whole batches beyond
:data:`BACKLOG` queued ones and counts the events it skipped: the latest values stay
current, a plot misses points, and memory stays bounded.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from settings.fields import MAX_FIELDS, added_field_problem
from tui.core.fields_store import RESOLUTION, FieldStore
from tui.core.pairing import Pairings, has_sends

if TYPE_CHECKING:
    from settings import Connection
    from tui.core.events import Event, TimeoutEvent

__all__ = ["BACKLOG", "TICK", "Analysis"]

BACKLOG: Final = 256
"""Batches that may wait for the thread (the drain sends at most 60 a second)."""

TICK: Final = RESOLUTION / 2
"""Seconds between two looks at the clock: requests that waited too long time out, and
the fields of messages that ended an interval are extracted (see FieldStore.take)."""


class Analysis:
    """The field store and the pairings, fed by :meth:`offer` and run by a daemon thread."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        """``clock``: the wall clock the request timeouts are measured on."""
        self.fields = FieldStore()
        self.pairings = Pairings()
        self.skipped = 0
        """Events not analysed because the thread was :data:`BACKLOG` batches behind."""
        self.analysed = 0
        """Batches analysed so far (tests and benchmarks wait on it)."""
        self.failures = 0
        """Batches (or clock ticks) whose analysis raised; the thread went on."""
        self.failure: str | None = None
        """The last such error, for a person."""
        self.on_timeouts: Callable[[list[TimeoutEvent]], None] | None = None
        """Called in the thread with the timeout events of requests that went unanswered
        (it must hand them to the event loop: the bus is not thread-safe)."""
        self._clock = clock
        self._settings: dict[str, dict[str, str]] = {}
        self._adhoc: dict[str, dict[str, str]] = {}
        self._sparkline: dict[str, bool | frozenset[str]] = {}
        self._queue: queue.SimpleQueue[list[Event] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._queued = 0  # batches put on the queue (written by the offering thread only)
        # What makes a batch worth the thread's time (see offer); the offering thread's.
        self._with_fields: set[str] = set()
        self._correlated: set[str] = set()
        self._sent = False  # a message went out: JSON-RPC pairing may wait for its response

    def configure(self, connection: Connection) -> None:
        """Take ``connection``'s fields and pairing settings (new or changed)."""
        self._settings[connection.name] = dict(connection.fields)
        spark = connection.sparkline
        self._sparkline[connection.name] = spark if isinstance(spark, bool) else frozenset(spark)
        self._apply_fields(connection.name)
        self.pairings.configure(connection.name, connection.correlate, connection.correlate_timeout)
        if connection.correlate is not None:
            self._correlated.add(connection.name)
        else:
            self._correlated.discard(connection.name)

    def forget(self, name: str) -> None:
        """A deleted connection: drop its fields and pending requests."""
        self._settings.pop(name, None)
        self._adhoc.pop(name, None)
        self._sparkline.pop(name, None)
        self._with_fields.discard(name)
        self._correlated.discard(name)
        self.fields.forget(name)
        self.pairings.forget(name)

    def add_field(self, connection: str, name: str, program: str) -> str | None:
        """Add a field to ``connection`` for this run (the palette's ``field: add``).

        Returns why it cannot be added (``None``: added). Its settings' fields of the same
        name are shadowed until :meth:`remove_field`.
        """
        problem = added_field_problem(name, program)
        if problem is not None:
            return problem
        fields = {**self._settings.get(connection, {}), **self._adhoc.get(connection, {})}
        if name not in fields and len(fields) >= MAX_FIELDS:
            return f"at most {MAX_FIELDS} fields per connection"
        self._adhoc.setdefault(connection, {})[name] = program
        self._apply_fields(connection)
        return None

    def remove_field(self, connection: str, name: str) -> None:
        """Remove a field added with :meth:`add_field`."""
        self._adhoc.get(connection, {}).pop(name, None)
        self._apply_fields(connection)

    def added_fields(self, connection: str) -> dict[str, str]:
        """The fields added to ``connection`` for this run."""
        return dict(self._adhoc.get(connection, {}))

    def sparklines(self, connection: str) -> list[str]:
        """``connection``'s fields that also have a sparkline column (``sparkline`` in its
        settings: ``true`` is every field, those added for the run too)."""
        fields = self.fields.fields_of(connection)
        wanted = self._sparkline.get(connection, False)
        if fields is None or wanted is False:
            return []
        return [name for name in fields.names if wanted is True or name in wanted]

    def _apply_fields(self, connection: str) -> None:
        fields = {**self._settings.get(connection, {}), **self._adhoc.get(connection, {})}
        if fields:
            self._with_fields.add(connection)
        else:
            self._with_fields.discard(connection)
        self.fields.configure(connection, fields)

    def offer(self, batch: list[Event]) -> None:
        """Queue ``batch`` for the thread (the drain's tap) if anything in it can be
        analysed; skipped when far behind."""
        if not (self._with_fields or self._correlated or self._sent):
            if not has_sends(batch):
                return  # nothing to extract, nobody waits for a response
            self._sent = True  # from now on every batch: a response may follow any time
        if self._queue.qsize() >= BACKLOG:
            self.skipped += len(batch)
            return
        self._queued += 1
        self._queue.put(batch)

    def process(self, batch: list[Event]) -> None:
        """Analyse ``batch`` now, in the calling thread (what the thread does with each)."""
        try:
            self.fields.take(batch)
            self.pairings.take(batch)
        finally:
            self.analysed += 1  # tried, even if it raised: idle must not wait for it

    @property
    def idle(self) -> bool:
        """Whether every batch offered so far has been analysed (benchmarks wait for it)."""
        return self.analysed >= self._queued and not self.fields.waiting

    def start(self) -> None:
        """Start the thread (once)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="wsdeck-analysis", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 1.0) -> None:
        """Stop the thread after the batches already queued."""
        thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout)

    def _run(self) -> None:
        get = self._queue.get
        due = self._clock() + TICK
        pairings = self.pairings
        while True:
            try:
                # Woken when a request's timeout is due too: its event is not a tick late.
                batch = get(timeout=max(0.0, min(due, pairings.due) - self._clock()))
            except queue.Empty:
                batch = []
            if batch is None:
                return
            # A batch that raises (a bug meeting a hostile payload) is counted and the
            # thread goes on: ending it stopped every field and pairing for the run.
            try:
                if batch:
                    self.process(batch)
                now = self._clock()
                if now >= due or now >= pairings.due:
                    timeouts = pairings.expire(now)
                    if timeouts and self.on_timeouts is not None:
                        self.on_timeouts(timeouts)
                if now >= due:
                    self.fields.flush(now)
                    due = now + TICK
            except Exception as error:
                self.failures += 1
                self.failure = f"{type(error).__name__}: {error}"[:200]
