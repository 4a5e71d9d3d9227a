"""The live event feed: follow and pause, filter, clear and undo, its keys and messages.

The App extends the ring with a batch and calls :meth:`EventFeed.events_added` at most once
per frame; repaints are paced by :class:`tui.widgets.feed_flush.FlushPacer`. Drawing and
scrolling are :class:`tui.widgets.feed_view.FeedView`'s, which rows show which events
:class:`tui.widgets.feed_rows.FeedRows`', the status line :mod:`tui.widgets.feed_status`'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import var
from textual.scrollbar import ScrollTo, ScrollUp

from tui.core.events import Event, PayloadEvent, encode_line
from tui.core.export import export_jsonl
from tui.core.ring import Cleared, EventRing, FeedFilter, FilteredView
from tui.widgets.clipboard import copy_event, copy_payload
from tui.widgets.feed_flush import FlushPacer
from tui.widgets.feed_matches import SearchMatches
from tui.widgets.feed_view import FeedView

__all__ = ["EventFeed"]

_NO_CURSOR = -1


class EventFeed(FeedView):
    """Every event of every connection, newest at the bottom, with a highlighted row.

    Follow mode (the default) keeps the newest event in view and highlighted; moving up or
    scrolling up pauses it, and ``End`` resumes it. While paused the screen is frozen: new
    events do not move the rows, the highlight or what the detail pane shows, and
    :attr:`new_since_pause` counts them. The events on screen are kept (a page of them) so
    that a row whose event the ring evicts stays on screen, marked as dropped, until the
    operator moves away from it.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Up", id="feed.up", show=False),
        Binding("down,j", "cursor_down", "Down", id="feed.down", show=False),
        Binding("pageup", "page_up", "Page up", id="feed.page_up", show=False),
        Binding("pagedown", "page_down", "Page down", id="feed.page_down", show=False),
        Binding("home,g", "top", "Top", id="feed.top", show=False),
        Binding("G", "bottom", "Bottom", id="feed.bottom", show=False),
        Binding("end", "follow", "Follow", id="feed.follow"),
        Binding("y", "copy", "Copy", id="feed.copy"),
        Binding("Y", "copy_payload", "Copy payload", id="feed.copy_payload", show=False),
        # The main screen asks before a big clear and says what was cleared.
        Binding("c", "screen.clear_feed", "Clear", id="feed.clear"),
        Binding("u", "screen.undo_clear", "Undo clear", id="feed.undo_clear"),
    ]

    REPAINT_INTERVAL: ClassVar[float] = 1 / 15
    """Shortest time between two repaints caused by new events (at most ~15 per second)."""
    SAFETY_INTERVAL: ClassVar[float] = 0.4
    """How often the feed checks that no repaint was lost: events left waiting for a whole
    interval are shown then (so never more than two intervals late)."""

    @dataclass
    class Highlighted(Message):
        """The highlighted event changed (``None`` when nothing is highlighted)."""

        feed: EventFeed
        """The feed that posted it."""
        event: Event | None
        """The highlighted event."""

        @property
        def control(self) -> EventFeed:
            """Alias for :attr:`feed`."""
            return self.feed

    @dataclass
    class StatusChanged(Message):
        """Follow state, "N new", dropped count or filter progress changed (once per repaint)."""

        feed: EventFeed
        """The feed that posted it."""
        following: bool
        """Whether new events keep the view at the bottom."""
        new_since_pause: int
        """Matching events that arrived since following paused and are still kept."""
        dropped_since_pause: int
        """Matching events that arrived since following paused and were evicted."""
        dropped: int
        """Events evicted from the ring since the last clear."""
        shown: int
        """Rows in the (filtered) feed."""
        filtering: bool
        """Whether a re-filter is still running."""
        error: str | None
        """Why regex filtering gave up, or ``None``."""

        @property
        def control(self) -> EventFeed:
            """Alias for :attr:`feed`."""
            return self.feed

    # Per-feed state, set on the instance as it changes (the constructor is FeedView's).
    _scan_scheduled = False
    _recentre = False  # centre the highlight once a re-filter has found it
    _posted_cursor: int | None = _NO_CURSOR
    status: var[tuple[object, ...] | None] = var(None, init=False)
    """What the status line reports (follow state, counts, filter and search progress);
    set when it changes, with a :class:`StatusChanged` message. A watcher runs at once, so
    a line drawn from it repaints in the same screen update as the rows (the message
    reached the screen a screen update later about half the time under fan-in, and
    each screen update costs milliseconds whatever it holds)."""
    _cleared: Cleared | None = None  # the last clear, for undo

    @cached_property
    def _pacer(self) -> FlushPacer:
        return FlushPacer(self, self.flush, self.REPAINT_INTERVAL)

    # -- state the App reads ---------------------------------------------------------------

    @property
    def ring(self) -> EventRing:
        """The ring this feed shows."""
        return self._rows.ring

    @property
    def view(self) -> FilteredView:
        """The filtered rows (read-only use)."""
        return self._rows.view

    @property
    def filter(self) -> FeedFilter:
        """The filter in use."""
        return self._rows.view.filter

    @property
    def following(self) -> bool:
        """Whether new events keep the view at the bottom."""
        return self._rows.following

    @property
    def new_since_pause(self) -> int:
        """The rows below the screen: the newer events ``End`` would show (0 while following).

        Counted under the current filter, whether they arrived after the pause or were
        already there (a search jump or a filter pauses far from the end).
        """
        rows = self._rows
        if rows.following:
            return 0
        count = len(rows)
        top = rows.row_of(rows.top) if rows.top is not None else int(self.scroll_y)
        return count - min(count, top + self._page())

    @property
    def dropped_since_pause(self) -> int:
        """Matching events that arrived since following paused and were evicted already."""
        return self._rows.dropped_since_pause

    @property
    def dropped(self) -> int:
        """Events evicted from the ring unseen since the last clear of everything.

        A clear under a filter does not reset it (see :attr:`FilteredView.dropped`).
        """
        return self._rows.view.dropped

    @property
    def can_undo_clear(self) -> bool:
        """Whether there is a clear to undo."""
        return self._cleared is not None

    @property
    def filtering(self) -> bool:
        """Whether a re-filter is still running in the background."""
        return self._rows.view.pending

    @property
    def filter_error(self) -> str | None:
        """Why regex filtering gave up (catastrophic pattern), or ``None``."""
        return self._rows.view.error

    @property
    def highlighted(self) -> Event | None:
        """The highlighted event."""
        return self._rows.highlighted

    @property
    def highlighted_dropped(self) -> bool:
        """Whether the highlighted event was evicted while the feed was paused on it."""
        return self._rows.highlighted_dropped

    # -- the App's calls ----------------------------------------------------------------

    def events_added(self) -> bool:
        """Take in the batch just added to the ring; repaints at most every REPAINT_INTERVAL.

        Returns whether the feed repainted now (else it does within the interval).
        """
        rows = self._rows
        if rows.view.sync():
            self._schedule_scan()
        if self._matches is not None and self._matches.sync():
            self._schedule_scan()
        if not rows.following:
            # Rows evicted just now stay where they are until the next repaint and after.
            rows.find_ghosts()
        return self._pacer.request()

    def flush(self) -> None:
        """Bring geometry, follow position and status up to date now (skipping the rate cap)."""
        self._pacer.flushed()
        rows = self._rows
        view = rows.view
        if rows.following:
            count = len(view)
            rows.cursor = view.position(-1) if count else None
            top = max(0, count - self._page())
        else:
            rows.find_ghosts()
            count = len(rows)
            cursor = rows.cursor
            # A cursor beyond the re-filter's progress may still turn up: keep it until then.
            settled = cursor is not None and (not view.pending or cursor < view.scanned)
            if cursor is not None and settled and not rows.shows(cursor):
                row = min(rows.row_of(cursor), count - 1)
                rows.cursor = cursor = rows.pos_at(row) if count else None
            if self._recentre and cursor is not None and (settled or view.contains(cursor)):
                self._recentre = False
                rows.top = rows.pos_at(max(0, rows.row_of(cursor) - self._page() // 2))
            top = rows.row_of(rows.top) if rows.top is not None else 0
        if self.is_mounted:
            self._show(count, top)
        rows.pin(int(self.scroll_y), self._page())
        self._post_highlighted()
        self._post_status()

    # -- search: highlight, count, jump ----------------------------------------------------

    @property
    def search(self) -> FeedFilter | None:
        """The search whose matches are highlighted (its text, regex and case), if any."""
        return None if self._matches is None else self._matches.search

    @property
    def match_count(self) -> int:
        """Matches found so far among the events shown (all of them once not pending)."""
        return 0 if self._matches is None else len(self._matches)

    @property
    def matching(self) -> bool:
        """Whether the search is still scanning the ring."""
        return self._matches is not None and self._matches.pending

    @property
    def match_number(self) -> int | None:
        """The 1-based number of the highlighted event among the matches, if it is one."""
        return None if self._matches is None else self._matches.number(self._rows.cursor)

    def set_search(self, search: FeedFilter | None) -> None:
        """Highlight the matches of ``search`` (its text, regex, case) without hiding a row.

        ``None`` or an empty search removes the highlights. Matches are counted over the
        whole ring in steps between frames (a first short step at once).

        Raises:
            ValueError: the regular expression is invalid (the message says why).
        """
        if search is None or not search.search:
            self._matches = None
        else:
            self._matches = SearchMatches(self._rows.ring, self.filter, search)
            if self._matches.step():
                self._schedule_scan()
        self.redraw()
        self._post_status()

    def jump_to_match(self, step: int) -> bool:
        """Highlight the next (``step`` 1) or previous (-1) match, all rows staying shown;
        the feed pauses there. Returns whether there was a match to go to."""
        matches = self._matches
        if matches is None:
            return False
        self.flush()
        rows = self._rows
        pos = rows.cursor
        for _ in range(len(matches)):  # skip matches a clear hid
            pos = matches.after(pos) if step > 0 else matches.before(pos)
            if pos is None:
                return False
            if rows.shows(pos):
                break
        else:
            return False
        assert pos is not None
        self._highlight_at(pos)
        return True

    def jump_to_seq(self, seq: int) -> bool:
        """Highlight the event numbered ``seq`` (the other side of a paired request, the
        event that raised an alert), if the ring still holds it and the filter shows it;
        the feed pauses there."""
        self.flush()
        ring = self.ring
        low, high = ring.first, ring.end
        while low < high:  # seqs grow with positions: every event of the bus is in the ring
            middle = (low + high) // 2
            if ring.at(middle).seq < seq:
                low = middle + 1
            else:
                high = middle
        if low >= ring.end or ring.at(low).seq != seq or not self._rows.shows(low):
            return False
        self._highlight_at(low)
        return True

    def _highlight_at(self, pos: int) -> None:
        """Pause with the event at ``pos`` highlighted in the middle of the page."""
        rows = self._rows
        rows.pause()
        rows.cursor = pos
        count = len(rows)
        page = self._page()
        self._show(count, rows.row_of(pos) - page // 2)
        rows.pin(int(self.scroll_y), page)
        self._post_highlighted()
        self._post_status()

    def set_filter(self, flt: FeedFilter) -> None:
        """Show only the events that pass ``flt``; the re-filter runs in steps.

        The highlighted event stays highlighted and on screen if ``flt`` shows it.

        Raises:
            ValueError: the regular expression is invalid (the message says why).
        """
        rows = self._rows
        rows.view.set_filter(flt)
        if self._matches is not None:  # matches among what the new filter shows
            self._matches = SearchMatches(rows.ring, flt, self._matches.search)
        rows.mark_pause()
        rows.forget_screen()
        rows.top = None
        self._recentre = not rows.following
        if rows.view.step():
            self._schedule_scan()
        self.flush()

    def clear(self, upto: int | None = None) -> int:
        """Hide the rows the filter shows (all of them with no filter); follow again.

        ``upto``: only rows before this ring position (what was on offer when the operator
        was asked). The events stay in the ring, so :meth:`undo_clear` can show them while
        they are kept. Returns the number of rows cleared.
        """
        self._cleared = self._rows.view.clear(upto)
        self._restart()
        return self._cleared.count

    def undo_clear(self) -> int | None:
        """Show again what the last clear hid; returns how many of its events were still kept
        (``None``: nothing to undo)."""
        if self._cleared is None:
            return None
        back = self._rows.view.undo(self._cleared)
        self._cleared = None
        if self._rows.view.step():
            self._schedule_scan()
        self._restart()
        return back

    def _restart(self) -> None:
        """Follow from scratch after the rows changed under the view."""
        rows = self._rows
        rows.cursor = None
        rows.top = None
        rows.following = True
        rows.pause_mark = rows.view.arrived
        rows.forget_screen()
        self._cache.clear()
        self._painted = None
        self.flush()

    def export(self, path: Path, *, create_folders: bool = False) -> int:
        """Write the shown (filtered) events to ``path`` as JSON Lines (see :func:`export_jsonl`).

        Returns the number of events written.
        """
        self._rows.view.finish()
        count = export_jsonl(self._rows.view, path, create_folders=create_folders)
        self._pacer.request()
        return count

    def copy_highlighted(self) -> str | None:
        """Copy the highlighted event's JSON line to the clipboard (OSC 52); returns it."""
        event = self.highlighted
        if event is None:
            return None
        line = encode_line(event)
        self.app.copy_to_clipboard(line)
        return line

    # -- actions --------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "copy":
            return True if self._rows.cursor is not None else None
        if action == "copy_payload":
            return True if isinstance(self.highlighted, PayloadEvent) else None
        return True

    def action_cursor_up(self) -> None:
        self._move(-1)

    def action_cursor_down(self) -> None:
        self._move(1)

    def action_page_up(self) -> None:
        self._move(-max(1, self._page() - 1), keep_line=True)

    def action_page_down(self) -> None:
        self._move(max(1, self._page() - 1), keep_line=True)

    def action_top(self) -> None:
        self._move(to=0)

    def action_bottom(self) -> None:
        self.action_follow()

    def action_follow(self) -> None:
        """Jump to the newest event and keep following."""
        self._rows.following = True
        self.flush()

    def action_copy(self) -> None:
        copy_event(self, self.highlighted)

    def action_copy_payload(self) -> None:
        copy_payload(self, self.highlighted)

    # -- events ---------------------------------------------------------------------------

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        if self.scroll_y > 0:
            self.pause()

    def on_scroll_up(self, message: ScrollUp) -> None:
        self.pause()

    def on_scroll_to(self, message: ScrollTo) -> None:
        if message.y is not None and message.y < self.scroll_y:
            self.pause()

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        row = int(self.scroll_y) + offset.y
        if row < len(self._rows):
            self._move(to=row)

    def on_mount(self) -> None:
        self.flush()
        self.set_interval(self.SAFETY_INTERVAL, self._pacer.catch_up, name="feed-catch-up")

    def on_resize(self, event: events.Resize) -> None:
        rows = self._rows
        if not rows.following and rows.cursor is not None and rows.top is not None:
            # Keep the highlighted row in view: d and y act on it.
            page = self._page()
            row = rows.cursor_row()
            top = rows.row_of(rows.top)
            if row < top:
                rows.top = rows.cursor
            elif row >= top + page:
                rows.top = rows.pos_at(row - page + 1)
        self.flush()

    def _move(self, delta: int = 0, *, to: int | None = None, keep_line: bool = False) -> None:
        """Move the highlight by ``delta`` rows (or to row ``to``); leaving the last row pauses."""
        self.flush()
        rows = self._rows
        count = len(rows)
        if not count:
            return
        current = rows.cursor_row()
        row = min(max(current + delta if to is None else to, 0), count - 1)
        if row < count - 1:
            self.pause()
        height = self._page()
        top = int(self.scroll_y)
        if keep_line:
            top = row - min(max(current - top, 0), height - 1)
        if row < top:
            top = row
        elif row >= top + height:
            top = row - height + 1
        rows.cursor = rows.pos_at(row)
        self._show(count, top)
        rows.pin(int(self.scroll_y), height)
        self._post_highlighted()
        self._post_status()

    def pause(self) -> None:
        """Stop following: the rows on screen stay where they are."""
        if self._rows.pause():
            self.flush()

    # -- background re-filter and messages ------------------------------------------------

    def _schedule_scan(self) -> None:
        if not self._scan_scheduled:
            # After the next refresh, so keys and repaints get their turn between steps.
            self._scan_scheduled = self.call_after_refresh(self._scan_step)

    def _scan_step(self) -> None:
        self._scan_scheduled = False
        more = self._rows.view.step()
        matches = self._matches
        if matches is not None and matches.step():
            more = True
        if more:
            self._schedule_scan()
        self._pacer.request()

    def _post_highlighted(self) -> None:
        cursor = self._rows.cursor
        if cursor != self._posted_cursor:
            self._posted_cursor = cursor
            self.post_message(self.Highlighted(self, self.highlighted))

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._post_status()  # "N new" counts the rows below the screen

    def _post_status(self) -> None:
        status = (
            self.following,
            self.new_since_pause,
            self.dropped_since_pause,
            self.dropped,
            len(self._rows.view),
            self.filtering,
            self.filter_error,
        )
        search = (self.search, self.match_count, self.matching, self.match_number)
        if (status, search) != self.status:
            self.status = (status, search)
            self.post_message(self.StatusChanged(self, *status))
