"""Pairing's timeout events onto the bus: the feed, recordings, ``tail`` and watches see them.

:meth:`Pairings.expire <tui.core.pairing.Pairings.expire>` gives a
:class:`~tui.core.events.TimeoutEvent` for each request that went unanswered. The dashboard
finds them in its analysis thread, ``tail`` in its own loop; either way they reach the bus
through :meth:`TimeoutPoster.put` in the event loop's thread (the bus is not thread-safe),
and each is shown to the watches once the bus gave it its ``seq`` (the ``unanswered`` watch
counts them), as a watched client's own events are.

At most :data:`WAITING` events wait for room on a full bus; later ones are counted as
:attr:`TimeoutPoster.lost` and told to ``on_lost`` once the waiting ones are on the bus (the
requests' ``timeout`` marks stay right: only their events are missing from the feed, the
recording, ``tail``'s output and the ``unanswered`` watch).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui.core.bus import EventBus
    from tui.core.events import TimeoutEvent
    from tui.core.watch import WatchEngine

__all__ = ["WAITING", "TimeoutPoster", "lost_message"]

WAITING = 1000
"""Most timeout events waiting for room on a full bus; later ones are counted as lost."""


class TimeoutPoster:
    """Puts timeout events on ``bus`` and shows them to ``watches``, in order."""

    def __init__(
        self,
        bus: EventBus,
        watches: WatchEngine,
        on_lost: Callable[[int], None] | None = None,
    ) -> None:
        """``on_lost``: told how many events were lost since it was last told, once the
        events that waited are on the bus."""
        self._bus = bus
        self._watches = watches
        self._on_lost = on_lost
        self._late: deque[TimeoutEvent] = deque()  # refused by a full bus, in order
        self._task: asyncio.Task[None] | None = None
        self.lost = 0
        """Timeout events dropped while :data:`WAITING` waited for a full bus."""
        self._told = 0  # of `lost`, the part on_lost was told

    def put(self, events: Iterable[TimeoutEvent]) -> None:
        """Put ``events`` on the bus (call in the event loop's thread); what a full bus
        refuses goes on once it has room, after the events refused before it."""
        late = self._late
        for event in events:
            if not late and self._bus.offer(event):
                self._watches.observe(event)
            elif len(late) < WAITING:
                late.append(event)
            else:  # the first keep their order; a bus full for long must not grow this
                self.lost += 1
        if self._late and self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._put_late())

    async def _put_late(self) -> None:
        try:
            late = self._late
            while late:
                await self._bus.put(late[0])
                self._watches.observe(late.popleft())
        finally:
            self._task = None
        if self.lost > self._told and self._on_lost is not None:
            count, self._told = self.lost - self._told, self.lost
            self._on_lost(count)

    def threadsafe(self, loop: asyncio.AbstractEventLoop) -> Callable[[list[TimeoutEvent]], None]:
        """:meth:`put` for another thread (the analysis thread): it runs in ``loop``."""

        def put(events: list[TimeoutEvent]) -> None:
            # A loop already closed: the run is over, nobody is left to see the events.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self.put, events)

        return put


def lost_message(count: int) -> str:
    """What to tell a person about ``count`` timeout events lost to a full bus."""
    return (
        f"{count} timeout event{'s' * (count != 1)} lost: the event bus stayed full"
        " (the requests are marked timeout all the same)"
    )
