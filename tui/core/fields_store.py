"""What the fields of every connection last said, and their numeric values over time.

:meth:`FieldStore.take` runs in the analysis thread (:mod:`tui.core.analysis`) while the UI
reads :meth:`FieldStore.latest` and :meth:`FieldStore.series`: values are replaced whole
(one reference assignment, atomic under the GIL) and a series is guarded by its own lock,
so a reader never sees half an update.
"""

from __future__ import annotations

import threading
from array import array
from collections.abc import Iterable, Mapping
from typing import Final

from tui.core.events import Event, ReceiveEvent
from tui.core.fields import FieldSet, numeric
from tui.core.jq import NO_VALUE

__all__ = ["RESOLUTION", "SPAN", "FieldStore", "Series"]

RESOLUTION: Final = 0.25
"""Seconds per point of a series: the last value in each quarter second is kept (a plot 200
cells wide shows 50 s at this resolution; a flood of 10 000 values a second is not kept)."""

SPAN: Final = 900.0
"""Seconds of values a series keeps (15 minutes: 3 600 points, ~58 KB)."""


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
            self._times.append(ts)
            self._values.append(value)
            limit = int(SPAN / RESOLUTION)
            if len(self._times) > 2 * limit:  # trimmed in halves: amortised O(1)
                del self._times[:-limit]
                del self._values[:-limit]

    def since(self, start: float) -> tuple[list[float], list[float]]:
        """The points from ``start`` on: their times and values."""
        with self._lock:
            times, values = self._times, self._values
            first = len(times)
            while first > 0 and times[first - 1] >= start:
                first -= 1
            return times[first:].tolist(), values[first:].tolist()

    def __len__(self) -> int:
        return len(self._times)


class FieldStore:
    """Every connection's :class:`FieldSet`, latest values and numeric series."""

    def __init__(self) -> None:
        self._sets: dict[str, FieldSet] = {}
        self._latest: dict[str, tuple[object, ...]] = {}
        self._series: dict[tuple[str, str], Series] = {}

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
        """Extract the fields of every received message of a connection that has fields."""
        sets = self._sets
        if not sets:
            return
        latest = self._latest
        series = self._series
        for event in events:
            if type(event) is not ReceiveEvent:
                continue
            fields = sets.get(event.connection)
            if fields is None:
                continue
            values = fields.extract(event.data)
            latest[event.connection] = values
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
