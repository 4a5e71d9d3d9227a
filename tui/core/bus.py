"""A bounded, batching hand-over of events from many clients to one consumer.

Readers call :meth:`EventBus.offer` (no await on the fast path) and fall back to
:meth:`EventBus.put`, which waits while the bus is full: a consumer that lags slows the
readers down (and, through TCP flow control, the servers) instead of growing memory or
dropping events. The consumer takes everything pending at once with :meth:`get_batch`,
so a flood costs one hand-over per batch, not one per message.
"""

from __future__ import annotations

import asyncio

from tui.core.events import Event


class EventBus:
    """Assigns ``seq`` in arrival order and holds at most ``limit`` events."""

    def __init__(self, limit: int = 10_000) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.limit = limit
        self._pending: list[Event] = []
        self._seq = 0
        self._ready = asyncio.Event()
        self._space = asyncio.Event()
        self.high_water = 0

    @property
    def pending(self) -> int:
        """Events waiting for the consumer."""
        return len(self._pending)

    @property
    def full(self) -> bool:
        """Whether :meth:`offer` would refuse an event now."""
        return len(self._pending) >= self.limit

    def offer(self, event: Event) -> bool:
        """Add ``event`` unless the bus is full; returns whether it was taken."""
        pending = self._pending
        if len(pending) >= self.limit:
            return False
        self._seq += 1
        event.seq = self._seq
        pending.append(event)
        if len(pending) == 1:
            self._ready.set()
        return True

    async def put(self, event: Event) -> None:
        """Add ``event``, waiting while the bus is full."""
        while not self.offer(event):
            self.high_water = self.limit
            self._space.clear()
            await self._space.wait()

    def take(self) -> list[Event]:
        """Everything pending, without waiting (may be empty)."""
        batch = self._pending
        if batch:
            self._pending = []
            self._ready.clear()
            self._space.set()
        return batch

    async def get_batch(self, timeout: float | None = None) -> list[Event]:
        """Wait for at least one event (or ``timeout``, or :meth:`wake`) and return
        everything pending."""
        if not self._pending:
            try:
                async with asyncio.timeout(timeout):
                    await self._ready.wait()
            except TimeoutError:
                return []
            if not self._pending:  # woken
                self._ready.clear()
                return []
        return self.take()

    def wake(self) -> None:
        """Make a waiting :meth:`get_batch` return now, even with nothing pending."""
        self._ready.set()
