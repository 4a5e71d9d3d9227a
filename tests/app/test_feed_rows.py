"""Rows of a paused feed between the App's announcements of new batches."""

from __future__ import annotations

from tests.app.test_feed import receive
from tui.core.ring import EventRing
from tui.widgets.feed_rows import FeedRows


def test_rows_read_between_announcements_see_evictions_as_ghosts() -> None:
    """The ring evicts when a batch is stored; the feed hears of it later (the drain
    announces batches on a grid). Rows drawn in between must not jump to newer events."""
    ring = EventRing(100)
    ring.extend([receive(i) for i in range(1, 101)])
    rows = FeedRows(ring)
    rows.view.sync()
    rows.pause()
    rows.top = rows.pos_at(80)
    rows.find_ghosts()
    rows.pin(80, 20)  # rows 80..99 on screen
    on_screen = [rows.pos_at(row) for row in range(rows.row_of(rows.top), len(rows))]
    ring.extend([receive(i) for i in range(101, 191)])  # evicts 0..89, not announced yet
    top = rows.row_of(rows.top)
    assert [rows.pos_at(top + i) for i in range(20)] == on_screen
    assert [rows.event(pos).seq for pos in on_screen] == list(range(81, 101))  # type: ignore[union-attr]
