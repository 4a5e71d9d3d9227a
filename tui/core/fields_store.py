"""What the fields of every connection last said, and their numeric values over time.

:meth:`FieldStore.take` runs in the analysis thread (:mod:`tui.core.analysis`) while the UI
reads :meth:`FieldStore.latest` and :meth:`FieldStore.series`: values are replaced whole
(one reference assignment, atomic under the GIL) and a series is guarded by its own lock,
so a reader never sees half an update.
"""

from __future__ import annotations

import bisect
import threading
from array import array
from collections.abc import Iterable, Mapping
from typing import Final

from tui.core.events import Event, ReceiveEvent
from tui.core.fields import FieldSet, numeric
from tui.core.jq import NO_VALUE

__all__ = ["RESOLUTION", "SPAN", "FieldStore", "Series"]

RESOLUTION: Final = 0.5
"""Seconds per point of a series: the last value in each half second is kept (a plot 120
cells wide shows 60 s at this resolution; a flood of 10 000 values a second is not kept)."""

SPAN: Final = 900.0
"""Seconds of values a series keeps (15 minutes: 1 800 points, ~29 KB)."""

_SLACK: Final = 64
"""Points a series holds beyond its span before it drops the old ones: a drop moves the
~14 KB of the points kept, once every 64 points (amortised, and bounded memory)."""


class Series:
    """One numeric field's recent values: at most one point per :data:`RESOLUTION` seconds,
    the last :data:`SPAN` seconds, in two flat arrays (no object per point)."""

    __slots__ = ("_bucket", "_lock", "_times", "_values")

    def __init__(self) -> None:
        self._times = array("d")
        self._values = array("d")
        self._bucket = -1
        self._lock = threading.Lock()

    def add(self, ts: float, value: float) -> None:
        """Note ``value`` at ``ts``; a later value in the same point's interval replaces it."""
        bucket = int(ts / RESOLUTION)
        with self._lock:
            if bucket == self._bucket:
                self._times[-1], self._values[-1] = ts, value
                return
            self._bucket = bucket
            times = self._times
            times.append(ts)
            self._values.append(value)
            # Dropped by age as well as by count: a series with a point a second (the rate
            # plot's) held twice its span, and grew for an hour before the count cut it.
            limit = int(SPAN / RESOLUTION)
            if len(times) > limit + _SLACK or times[0] < ts - SPAN - _SLACK * RESOLUTION:
                old = max(len(times) - limit, bisect.bisect_left(times, ts - SPAN))
                del times[:old]
                del self._values[:old]

    def since(self, start: float) -> tuple[list[float], list[float]]:
        """The points from ``start`` on: their times and values."""
        with self._lock:
            times, values = self._times, self._values
            first = len(times)
            while first > 0 and times[first - 1] >= start:
                first -= 1
            return times[first:].tolist(), values[first:].tolist()

    def last(self, count: int) -> list[float]:
        """The values of the last ``count`` points (fewer when there are not so many)."""
        with self._lock:
            return self._values[-count:].tolist()

    def __len__(self) -> int:
        return len(self._times)


class FieldStore:
    """Every connection's :class:`FieldSet`, latest values and numeric series."""

    def __init__(self) -> None:
        self._sets: dict[str, FieldSet] = {}
        self._latest: dict[str, tuple[object, ...]] = {}
        self._series: dict[tuple[str, str], Series] = {}
        self._waiting: dict[str, tuple[int, ReceiveEvent]] = {}
        """Each connection's last message so far in its latest interval, and the interval
        (the analysis thread's alone)."""

    def configure(self, connection: str, fields: Mapping[str, str]) -> None:
        """Give ``connection`` these fields (none: forget it); values of unchanged fields stay.

        Raises:
            JqError: a program does not compile.
        """
        old = self._sets.get(connection)
        sets = dict(self._sets)  # replaced whole: the analysis thread reads it unlocked
        if fields:
            sets[connection] = FieldSet(fields)
        else:
            sets.pop(connection, None)
        self._sets = sets
        if old is not None and old.items() != list(fields.items()):
            self._latest.pop(connection, None)
        kept = set(fields)
        # list() copies in one step: the analysis thread may add a series meanwhile.
        for key in [key for key in list(self._series) if key[0] == connection]:
            if key[1] in kept:
                continue
            self._series.pop(key, None)

    def rename(self, old: str, new: str) -> None:
        """Keep a renamed connection's fields and values under its new name."""
        fields = self._sets.get(old)
        self.forget(old)
        if fields is not None:
            self.configure(new, dict(fields.items()))

    def forget(self, connection: str) -> None:
        """Drop everything about ``connection``."""
        self.configure(connection, {})
        self._latest.pop(connection, None)

    @property
    def connections(self) -> frozenset[str]:
        """The connections that have fields."""
        return frozenset(self._sets)

    def fields_of(self, connection: str) -> FieldSet | None:
        """``connection``'s fields, if it has any."""
        return self._sets.get(connection)

    def take(self, events: Iterable[Event]) -> None:
        """Note the received messages of connections that have fields; extract those that
        are the last of their connection in a :data:`RESOLUTION` interval that has ended.

        Only what can be seen is extracted: the last message of each connection in each
        interval gives the table its latest value and each series its point. jq costs ~6 µs
        a message (three fields), as much again as the rest of a message's way into the
        dashboard: extracting every message of a 10 000 messages/s stream doubled the App's
        CPU, for values nobody could see. An interval's last message is known once a later
        one arrives, or once the interval is over (:meth:`flush`). The feed's fields view
        extracts the rows it draws.
        """
        sets = self._sets
        if not sets:
            return
        waiting = self._waiting
        for event in events:
            if type(event) is not ReceiveEvent:
                continue
            name = event.connection
            if name not in sets:
                continue
            interval = int(event.ts / RESOLUTION)
            previous = waiting.get(name)
            if previous is not None and previous[0] != interval:
                self._extract(previous[1])
            waiting[name] = (interval, event)

    @property
    def waiting(self) -> int:
        """Messages noted whose fields are not extracted yet."""
        return len(self._waiting)

    def flush(self, now: float) -> None:
        """Extract the messages waiting whose interval ended before ``now``."""
        current = int(now / RESOLUTION)
        waiting = self._waiting
        for name, (interval, event) in list(waiting.items()):
            if interval < current:
                del waiting[name]
                self._extract(event)

    def _extract(self, event: ReceiveEvent) -> None:
        fields = self._sets.get(event.connection)
        if fields is None:  # its fields were removed meanwhile
            return
        values = fields.extract(event.data)
        self._latest[event.connection] = values
        series = self._series
        for name, value in zip(fields.names, values, strict=True):
            number = numeric(value)
            if number is None:
                continue
            key = (event.connection, name)
            line = series.get(key)
            if line is None:
                line = series[key] = Series()
            line.add(event.ts, number)

    def latest(self, connection: str) -> dict[str, object]:
        """Each of ``connection``'s fields and its value in the last message received
        (``NO_VALUE`` before the first, or where that message lacked it)."""
        fields = self._sets.get(connection)
        if fields is None:
            return {}
        values = self._latest.get(connection, ())
        if len(values) != len(fields.names):  # none yet, or from fields since replaced
            values = (NO_VALUE,) * len(fields.names)
        return dict(zip(fields.names, values, strict=True))

    def series(self, connection: str, field: str) -> Series | None:
        """The numeric values of ``field`` of ``connection``, if any arrived."""
        return self._series.get((connection, field))

    def plottable(self) -> list[tuple[str, str]]:
        """Every (connection, field) with numeric values, in the order they first came."""
        return list(self._series)
