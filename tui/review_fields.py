"""Fields of the recorded connections (``wsdeck open``): the table's columns and the plots.

The live dashboard's :class:`~tui.core.fields_store.FieldStore` is fed here with the
recorded messages it would have extracted live: each connection's last received message
per :data:`~tui.core.fields_store.RESOLUTION` interval (the store's
:class:`~tui.review_store.Timeline` picks them while indexing), within the
:data:`~tui.core.fields_store.SPAN` a series keeps before the latest recorded time. So a
recording costs a jq run per picked message, not per message, and a field added from the
palette in review gets its values, and its plot, from the whole span at once.

One thread at a time feeds the field store (a lock), in order, so that each series gets
its points in time order; a change of a connection's fields (the palette adds or removes
one) starts that connection's series again from the beginning of the span.
"""

from __future__ import annotations

import bisect
import threading
from typing import TYPE_CHECKING

from tui.core.events import ReceiveEvent
from tui.core.fields_store import RESOLUTION, SPAN

if TYPE_CHECKING:
    from tui.core.fields_store import FieldStore
    from tui.review_store import RecordingStore

__all__ = ["ReviewFields"]


class ReviewFields:
    """Feeds a :class:`FieldStore` with the picked messages of a :class:`RecordingStore`."""

    def __init__(self, store: RecordingStore, fields: FieldStore) -> None:
        self._store = store
        self._fields = fields
        self._lock = threading.Lock()
        self._fed: dict[str, int] = {}  # per connection: picks taken so far
        self._fed_with: dict[str, list[tuple[str, str]]] = {}  # and the fields they fed

    def catch_up(self) -> None:
        """Extract the fields of the messages picked since the last call, and all of them
        again for a connection whose fields changed since."""
        with self._lock:
            timeline = self._store.timeline
            configured = self._fields.connections
            for name in [name for name in self._fed_with if name not in configured]:
                del self._fed_with[name]  # its fields were all removed, and their series
            for name in sorted(configured):
                fields = self._fields.fields_of(name)
                if fields is None:  # removed meanwhile
                    continue
                items = fields.items()
                start = self._fed.get(name, 0)
                if self._fed_with.get(name) != items:
                    if name in self._fed_with:  # series of the old fields: start again
                        self._fields.configure(name, {})
                        self._fields.configure(name, dict(items))
                    self._fed_with[name] = items
                    start = self._first_in_span(name)
                picks = timeline.picks(name, start)
                self._fed[name] = start + len(picks)
                if not picks:
                    continue
                events = [self._store.event(position) for position, _ in picks]
                self._fields.take(event for event in events if type(event) is ReceiveEvent)
                # Every picked message ended its interval: extract the last one too.
                self._fields.flush(timeline.end + 2 * RESOLUTION)

    def _first_in_span(self, name: str) -> int:
        """The first of ``name``'s picks a plot can show: within SPAN of the latest time."""
        times = [ts for _, ts in self._store.timeline.picks(name)]
        return bisect.bisect_left(times, self._store.timeline.end - SPAN)
