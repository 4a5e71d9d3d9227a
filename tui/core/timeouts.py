"""Pairing's timeout events onto the bus: the feed, recordings, ``tail`` and watches see them.

:meth:`Pairings.expire <tui.core.pairing.Pairings.expire>` gives a
:class:`~tui.core.events.TimeoutEvent` for each request that went unanswered. The dashboard
finds them in its analysis thread, ``tail`` in its own loop; either way they reach the bus
through :meth:`TimeoutPoster.put` in the event loop's thread (the bus is not thread-safe),
and each is shown to the watches once the bus gave it its ``seq`` (the ``unanswered`` watch
counts them), as a watched client's own events are.
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

__all__ = ["TimeoutPoster"]


class TimeoutPoster:
    """Puts timeout events on ``bus`` and shows them to ``watches``, in order."""

    def __init__(self, bus: EventBus, watches: WatchEngine) -> None:
        self._bus = bus
        self._watches = watches
        self._late: deque[TimeoutEvent] = deque()  # refused by a full bus, in order
        self._task: asyncio.Task[None] | None = None

    def put(self, events: Iterable[TimeoutEvent]) -> None:
        """Put ``events`` on the bus (call in the event loop's thread); what a full bus
        refuses goes on once it has room, after the events refused before it."""
        for event in events:
            if self._late or not self._bus.offer(event):
                self._late.append(event)
            else:
                self._watches.observe(event)
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

    def threadsafe(self, loop: asyncio.AbstractEventLoop) -> Callable[[list[TimeoutEvent]], None]:
        """:meth:`put` for another thread (the analysis thread): it runs in ``loop``."""

        def put(events: list[TimeoutEvent]) -> None:
            # A loop already closed: the run is over, nobody is left to see the events.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self.put, events)

        return put
