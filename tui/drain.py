"""The App's drain: event batches from the hub's bus into the ring and the recording."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui.core.bus import EventBus
    from tui.core.recorder import Recorder
    from tui.core.ring import EventRing

# The drain moves events from the bus to the ring once per FRAME (the bus holds 10 000, so
# readers never wait on it below ~600 000 messages/s), and tells the widgets at most every
# NOTIFY_FRAMES frames (15 times a second, the feed's repaint cap): each notice costs a
# screen update (feed, status line, twice a second the table), worth it 15 times a
# second, not 60.
FRAME = 1 / 60
NOTIFY_FRAMES = 4


async def drain(
    bus: EventBus, ring: EventRing, recorder: Recorder | None, notify: Callable[[], None]
) -> None:
    """Move batches from ``bus`` into ``ring`` (and ``recorder``), once per frame at most.

    ``notify`` is called when the ring holds events the widgets have not been told about,
    at most every NOTIFY_FRAMES frames. Runs until cancelled.
    """
    clock = time.monotonic
    notify_every = NOTIFY_FRAMES * FRAME
    notified_at = float("-inf")
    unseen = False  # events in the ring the widgets have not been told about
    while True:
        wait = 0.5 if not unseen else max(0.0, notified_at + notify_every - clock())
        batch = await bus.get_batch(timeout=wait)
        if recorder is not None:
            recorder.write(batch)
        if batch:
            ring.extend(batch)
            unseen = True
        # The first event after a quiet spell is shown at once; a flood's, every
        # notify_every; the last batch of a flood is shown when its wait runs out.
        if unseen and clock() - notified_at >= notify_every:
            notified_at = clock()
            unseen = False
            notify()
        if batch:
            await asyncio.sleep(FRAME)
