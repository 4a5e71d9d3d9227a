"""The App's drain: event batches from the hub's bus into the ring and the recording."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui.core.bus import EventBus
    from tui.core.events import Event
    from tui.core.recorder import Recorder
    from tui.core.ring import EventRing

# The drain moves events from the bus to the ring once per FRAME (the bus holds 10 000, so
# readers never wait on it below ~600 000 messages/s), and tells the widgets NOTICES times
# a second at most: each notice costs a screen update (feed, status line, twice a second
# the table), ~3-4 ms with a following feed under fan-in. The notices keep to a grid of
# 1/NOTICES s instead of counting from the last one, which the loop's delays made late
# (~13 a second were asked of 15): a steady NOTICES a second while events flow, the
# feed's refreshes at least 10 a second with room to spare (11: each notice fewer is
# ~1/12 of the screen updates' cost, ~0.8 µs a message under 500 x 10/s fan-in).
FRAME = 1 / 60
NOTICES = 11


async def drain(
    bus: EventBus,
    ring: EventRing,
    recorder: Recorder | None,
    notify: Callable[[], None],
    tap: Callable[[list[Event]], None] | None = None,
) -> None:
    """Move batches from ``bus`` into ``ring`` (and ``recorder``), once per frame at most.

    ``notify`` is called when the ring holds events the widgets have not been told about,
    at most NOTICES times a second (never twice within half a period). ``tap`` is given
    each batch after the ring (the fields and pairing thread's queue: once per batch, not
    per event). Runs until cancelled.
    """
    clock = time.monotonic
    period = 1 / NOTICES
    due = float("-inf")  # when the next notice may go out
    unseen = False  # events in the ring the widgets have not been told about
    while True:
        wait = 0.5 if not unseen else max(0.0, due - clock())
        batch = await bus.get_batch(timeout=wait)
        if recorder is not None:
            recorder.write(batch)
        if batch:
            ring.extend(batch)
            unseen = True
            if tap is not None:
                tap(batch)
        # The first event after a quiet spell is shown at once; a flood's, on the grid;
        # the last batch of a flood is shown when its wait runs out.
        now = clock()
        if unseen and now >= due:
            due = max(due + period, now + period / 2)
            unseen = False
            notify()
        if batch:
            await asyncio.sleep(FRAME)
