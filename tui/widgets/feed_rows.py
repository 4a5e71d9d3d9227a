"""Which event each row of the feed shows: the filtered view, the highlight, follow and pause.

Rows are the evicted events still shown while paused ("ghosts", at the top), then the
filtered view's rows. While following there are no ghosts. Positions are the ring's
absolute positions, which survive evictions; rows are indices into what is on screen.
No drawing here: :class:`tui.widgets.feed.EventFeed` owns one and scrolls over it.
"""

from __future__ import annotations

import bisect

from tui.core.events import Event
from tui.core.ring import EventRing, FilteredView


class FeedRows:
    """The feed's rows over a ring, with the highlighted position and the pause marks."""

    def __init__(self, ring: EventRing) -> None:
        self.ring = ring
        self.view = FilteredView(ring)
        self.cursor: int | None = None
        """The highlighted event's position (``None``: nothing highlighted)."""
        self.following = True
        """Whether new events keep the view at the bottom."""
        self.top: int | None = None
        """While paused: the position of the top row (evictions shift row indices)."""
        self.pause_mark = 0  # the view's arrival count when following paused
        self.pause_end = 0  # the ring's end when following paused
        # While paused: the events on screen (and the highlighted one) by position, so that
        # they outlive their eviction; and the evicted ones still shown, oldest first.
        self.pinned: dict[int, Event] = {}
        self._ghosts: list[int] = []
        self._ghosts_first = 0  # the ring's first position when the ghosts were found

    @property
    def ghosts(self) -> list[int]:
        """The evicted events still shown, oldest first.

        The ring evicts as batches arrive, but the App announces them only on a grid
        (``events_added``, 11 times a second): rows drawn in between must already show
        those evictions as ghosts, or a paused screen would jump to newer events.
        """
        if not self.following and self.ring.first != self._ghosts_first:
            self.find_ghosts()
        return self._ghosts

    def __len__(self) -> int:
        return len(self.ghosts) + len(self.view)

    # -- what the status line reports ------------------------------------------------------

    @property
    def dropped_since_pause(self) -> int:
        """Matching events that arrived since following paused and were evicted already."""
        if self.following:
            return 0
        kept = len(self.view) - self.view.row_of(self.pause_end)
        return self.view.arrived - self.pause_mark - kept

    @property
    def highlighted(self) -> Event | None:
        """The highlighted event."""
        return None if self.cursor is None else self.event(self.cursor)

    @property
    def highlighted_dropped(self) -> bool:
        """Whether the highlighted event was evicted while the feed was paused on it."""
        return self.cursor is not None and self.cursor in self.ghosts

    # -- rows and positions ----------------------------------------------------------------

    def pos_at(self, row: int) -> int:
        """The absolute position of row ``row`` (``-1``: the last)."""
        ghosts = self.ghosts
        if 0 <= row < len(ghosts):
            return ghosts[row]
        return self.view.position(row - len(ghosts) if row >= 0 else row)

    def row_of(self, pos: int) -> int:
        """The row of ``pos``, or of the first row shown after it."""
        ghosts = self.ghosts
        if ghosts and pos <= ghosts[-1]:
            return bisect.bisect_left(ghosts, pos)
        return len(ghosts) + self.view.row_of(pos)

    def cursor_row(self) -> int:
        """The highlighted row (one past the last if nothing is highlighted)."""
        return len(self) if self.cursor is None else self.row_of(self.cursor)

    def shows(self, pos: int) -> bool:
        """Whether the event at ``pos`` has a row."""
        return pos in self.ghosts or self.view.contains(pos)

    def event(self, pos: int) -> Event | None:
        """The event at ``pos``: from the ring, or kept on screen after its eviction."""
        try:
            return self.ring.at(pos)
        except IndexError:
            return self.pinned.get(pos)

    # -- follow and pause ------------------------------------------------------------------

    def pause(self) -> bool:
        """Stop following; returns whether the feed was following."""
        if not self.following:
            return False
        self.following = False
        self.mark_pause()
        return True

    def mark_pause(self) -> None:
        """Count new and dropped events from now on."""
        self.pause_mark = self.view.arrived
        self.pause_end = self.ring.end

    def forget_screen(self) -> None:
        """Drop the kept events: the rows changed under the view."""
        self.pinned.clear()
        self._ghosts = []

    def find_ghosts(self) -> None:
        """Keep as ghosts the pinned events the ring evicted that are on screen, or highlighted."""
        first = self.ring.first
        top = self.top if self.top is not None else first
        keep = [p for p in self.pinned if p < first and (p >= top or p == self.cursor)]
        self._ghosts = sorted(keep)
        self._ghosts_first = first

    def pin(self, top_row: int, page: int) -> None:
        """Keep the events on screen and the highlighted one while paused; forget the rest."""
        if self.following:
            self.forget_screen()
            return
        rows = len(self)
        wanted = [self.pos_at(row) for row in range(top_row, min(rows, top_row + page))]
        if self.cursor is not None:
            wanted.append(self.cursor)
        pinned = self.pinned
        kept: dict[int, Event] = {}
        for pos in wanted:
            event = pinned.get(pos) or self.event(pos)
            if event is not None:
                kept[pos] = event
        self.pinned = kept
