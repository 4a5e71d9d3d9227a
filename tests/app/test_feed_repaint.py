"""The feed always catches up: no lost repaint timer can freeze it (issue 18 item 2).

Textual 8.2.8 one-shot timers under ~1 µs return without firing, and the feed used to ask
for one whenever a batch came REPAINT_INTERVAL minus a hair after the last repaint.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import pytest

import tui.widgets.feed_flush as flush_module
from tests.app.test_feed import SIZE, FeedApp, receive
from tui.core.ring import EventRing
from tui.widgets.feed import EventFeed

FROZEN = 1_000.0


async def shows_newest(app: FeedApp, pilot: Any, ring: EventRing, timeout: float) -> bool:
    """Whether the feed's highlighted (newest, while following) row shows the last event."""
    for _ in range(int(timeout / 0.05)):
        feed = app.feed
        if feed.highlighted is not None and feed.highlighted.seq == ring[len(ring) - 1].seq:
            return True
        await pilot.pause(0.05)
    return False


@pytest.fixture
async def shown() -> AsyncIterator[tuple[FeedApp, Any, EventRing]]:
    """A feed app that has shown its first event: (app, pilot, ring)."""
    ring = EventRing(1000)
    app = FeedApp(ring)
    async with app.run_test(size=SIZE) as pilot:
        ring.extend([receive(1)])
        app.feed.events_added()
        assert await shows_newest(app, pilot, ring, 2.0)
        yield app, pilot, ring


async def test_a_sub_microsecond_repaint_delay_still_repaints(
    shown: tuple[FeedApp, Any, EventRing], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, pilot, ring = shown
    # The clock the feed reads stands still so that the delay it computes is exactly
    # REPAINT_INTERVAL after the last repaint minus 0.2 µs.
    monkeypatch.setattr(flush_module, "time", SimpleNamespace(monotonic=lambda: FROZEN))
    app.feed._pacer.last_flush = FROZEN - EventFeed.REPAINT_INTERVAL + 2e-7
    ring.extend([receive(2)])
    app.feed.events_added()
    assert await shows_newest(app, pilot, ring, 2.0)
    ring.extend([receive(3)])  # and the next batch is not stuck behind a dead timer
    app.feed.events_added()
    assert await shows_newest(app, pilot, ring, 2.0)


async def test_a_lost_timer_is_caught_by_the_safety_refresh(
    shown: tuple[FeedApp, Any, EventRing], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, pilot, ring = shown
    feed = app.feed
    # Whatever the cause, a repaint timer that never fires.
    real_set_timer = feed.set_timer

    def dead_timer(delay: float, callback: Any = None, **kwargs: Any) -> Any:
        return real_set_timer(3600, None, **kwargs)

    monkeypatch.setattr(feed, "set_timer", dead_timer)
    for seq in range(2, 6):
        feed._pacer.last_flush = flush_module.time.monotonic()  # within the rate cap
        ring.extend([receive(seq)])
        feed.events_added()
    assert await shows_newest(app, pilot, ring, 2 * EventFeed.SAFETY_INTERVAL + 1.0)
