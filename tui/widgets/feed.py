"""The live event feed: one row per event, drawn through the line API from a bounded ring.

Only visible rows are rendered (``render_line``), rendered rows are cached per
(position, width, cursor), and repaints are capped at :attr:`EventFeed.REPAINT_INTERVAL`
because over SSH every repaint costs bandwidth. The App extends the ring with a batch and
calls :meth:`EventFeed.events_added` at most once per frame.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollTo, ScrollUp
from textual.strip import Strip
from textual.timer import Timer

from tui.core.events import EVENT_NAMES, Event, PayloadEvent, encode_line
from tui.core.export import export_jsonl
from tui.core.ring import Cleared, EventRing, FeedFilter, FilteredView
from tui.widgets.clipboard import copy_event, copy_payload
from tui.widgets.feed_row import RowStyles, row_strip

__all__ = ["EventFeed"]

# The shortest repaint timer asked of Textual (see _request_flush).
_MIN_TIMER = 0.001

_NO_CURSOR = -1


def _hex_view(name: str) -> str:
    return "hex"


class EventFeed(ScrollView, can_focus=True):
    """Every event of every connection, newest at the bottom, with a highlighted row.

    Follow mode (the default) keeps the newest event in view and highlighted; moving up or
    scrolling up pauses it, and ``End`` resumes it. While paused the screen is frozen: new
    events do not move the rows, the highlight or what the detail pane shows, and
    :attr:`new_since_pause` counts them. The events on screen are kept (a page of them) so
    that a row whose event the ring evicts stays on screen, marked as dropped, until the
    operator moves away from it.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "feed--time",
        "feed--name",
        "feed--size",
        "feed--start",
        "feed--stop",
        "feed--receive",
        "feed--send",
        "feed--error",
        "feed--pong",
        "feed--cursor",
    }
    """
    | Class | Description |
    | :- | :- |
    | `feed--time` | The timestamp column. |
    | `feed--name` | The connection-name column. |
    | `feed--size` | The payload-size column. |
    | `feed--start` … `feed--pong` | Glyph and preview of each event kind. |
    | `feed--cursor` | The highlighted row. |
    """

    DEFAULT_CSS = """
    EventFeed {
        height: 1fr;
        width: 1fr;
        overflow-x: hidden;
        overflow-y: auto;
        background: $surface;
        & > .feed--time { color: $text-muted; }
        & > .feed--name { color: $text-primary; }
        & > .feed--size { color: $text-muted; }
        & > .feed--start { color: $text-primary; }
        & > .feed--stop { color: $text-warning; }
        & > .feed--receive { color: $text-success; }
        & > .feed--send { color: $text-accent; }
        & > .feed--error { color: $text-error; text-style: bold; }
        & > .feed--pong { color: $text-secondary; }
        & > .feed--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .feed--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
    }
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
    CACHE_ROWS: ClassVar[int] = 1024
    """Rendered rows kept in the LRU cache."""

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

    def __init__(
        self,
        ring: EventRing,
        *,
        receive_view: Callable[[str], str] = _hex_view,
        utc: bool = False,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        """Create a feed over ``ring``.

        Args:
            ring: The events; the App extends it and then calls :meth:`events_added`.
            receive_view: Maps a connection name to how its binary payloads are shown
                (``text``, ``hex`` or ``base64``).
            utc: Show timestamps in UTC instead of local time.
            name: The name of the widget.
            id: The ID of the widget in the DOM.
            classes: The CSS classes of the widget.
            disabled: Whether the widget is disabled.
        """
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._ring = ring
        self._view = FilteredView(ring)
        self._receive_view = receive_view
        self._utc = utc
        self._cursor: int | None = None
        self._following = True
        self._pause_mark = 0
        self._top: int | None = None
        self._cache: LRUCache[tuple[int, int, bool, bool], Strip] = LRUCache(self.CACHE_ROWS)
        self._styles: RowStyles | None = None
        self._flush_timer: Timer | None = None
        self._behind = False  # events taken in that no flush has shown yet
        self._behind_at_last_tick = False
        self._last_flush = float("-inf")
        self._scan_scheduled = False
        self._recentre = False
        self._painted: tuple[object, ...] | None = None
        self._posted_cursor: int | None = _NO_CURSOR
        self._posted_status: tuple[object, ...] | None = None
        self._pause_end = 0  # the ring's end when following paused
        # While paused: the events on screen (and the highlighted one) by position, so that
        # they outlive their eviction; and the evicted ones still shown, oldest first, as
        # rows above the view's (see _pos_at).
        self._pinned: dict[int, Event] = {}
        self._ghosts: list[int] = []
        self._cleared: Cleared | None = None  # the last clear, for undo

    # -- state the App reads ---------------------------------------------------------------

    @property
    def ring(self) -> EventRing:
        """The ring this feed shows."""
        return self._ring

    @property
    def view(self) -> FilteredView:
        """The filtered rows (read-only use)."""
        return self._view

    @property
    def filter(self) -> FeedFilter:
        """The filter in use."""
        return self._view.filter

    @property
    def following(self) -> bool:
        """Whether new events keep the view at the bottom."""
        return self._following

    @property
    def new_since_pause(self) -> int:
        """Matching events that arrived since following paused and are still in the ring.

        Never more than ``End`` would show (0 while following).
        """
        if self._following:
            return 0
        view = self._view
        return len(view) - view.row_of(self._pause_end)

    @property
    def dropped_since_pause(self) -> int:
        """Matching events that arrived since following paused and were evicted already."""
        if self._following:
            return 0
        return self._view.arrived - self._pause_mark - self.new_since_pause

    @property
    def dropped(self) -> int:
        """Events evicted from the ring unseen since the last clear of everything.

        A clear under a filter does not reset it (see :attr:`FilteredView.dropped`).
        """
        return self._view.dropped

    @property
    def can_undo_clear(self) -> bool:
        """Whether there is a clear to undo."""
        return self._cleared is not None

    @property
    def filtering(self) -> bool:
        """Whether a re-filter is still running in the background."""
        return self._view.pending

    @property
    def filter_error(self) -> str | None:
        """Why regex filtering gave up (catastrophic pattern), or ``None``."""
        return self._view.error

    @property
    def highlighted(self) -> Event | None:
        """The highlighted event."""
        if self._cursor is None:
            return None
        return self._event(self._cursor)

    @property
    def highlighted_dropped(self) -> bool:
        """Whether the highlighted event was evicted while the feed was paused on it."""
        return self._cursor is not None and self._cursor in self._ghosts

    @property
    def utc(self) -> bool:
        """Whether timestamps are shown in UTC."""
        return self._utc

    @utc.setter
    def utc(self, value: bool) -> None:
        self._utc = value
        self.redraw()

    # -- the App's calls ----------------------------------------------------------------

    def events_added(self) -> None:
        """Take in the batch just added to the ring; repaints at most every REPAINT_INTERVAL."""
        if self._view.sync():
            self._schedule_scan()
        if not self._following:
            # Rows evicted just now stay where they are until the next repaint and after.
            self._ghosts = self._find_ghosts()
        self._request_flush()

    def flush(self) -> None:
        """Bring geometry, follow position and status up to date now (skipping the rate cap)."""
        if self._flush_timer is not None:
            self._flush_timer.stop()
            self._flush_timer = None
        self._behind = self._behind_at_last_tick = False
        self._last_flush = time.monotonic()
        view = self._view
        if self._following:
            rows = len(view)
            self._cursor = view.position(-1) if rows else None
            top = max(0, rows - self._page())
        else:
            self._ghosts = self._find_ghosts()
            rows = self._rows()
            cursor = self._cursor
            # A cursor beyond the re-filter's progress may still turn up: keep it until then.
            settled = cursor is not None and (not view.pending or cursor < view.scanned)
            if cursor is not None and settled and not self._shows(cursor):
                row = min(self._row_of(cursor), rows - 1)
                self._cursor = cursor = self._pos_at(row) if rows else None
            if self._recentre and cursor is not None and (settled or view.contains(cursor)):
                self._recentre = False
                self._top = self._pos_at(max(0, self._row_of(cursor) - self._page() // 2))
            top = self._row_of(self._top) if self._top is not None else 0
        if self.is_mounted:
            self._show(rows, top)
        self._pin()
        self._post_highlighted()
        self._post_status()

    def set_filter(self, flt: FeedFilter) -> None:
        """Show only the events that pass ``flt``; the re-filter runs in steps.

        Raises:
            ValueError: the regular expression is invalid (the message says why).
        """
        self._view.set_filter(flt)
        self._pause_mark = self._view.arrived
        self._pause_end = self._ring.end
        self._pinned.clear()
        self._ghosts = []
        self._top = None
        self._recentre = not self._following
        if self._view.step():
            self._schedule_scan()
        self.flush()

    def clear(self, upto: int | None = None) -> int:
        """Hide the rows the filter shows (all of them with no filter); follow again.

        ``upto``: only rows before this ring position (what was on offer when the operator
        was asked). The events stay in the ring, so :meth:`undo_clear` can show them while
        they are kept. Returns the number of rows cleared.
        """
        self._cleared = self._view.clear(upto)
        self._restart()
        return self._cleared.count

    def undo_clear(self) -> int | None:
        """Show again what the last clear hid; returns how many of its events were still kept
        (``None``: nothing to undo)."""
        if self._cleared is None:
            return None
        back = self._view.undo(self._cleared)
        self._cleared = None
        if self._view.step():
            self._schedule_scan()
        self._restart()
        return back

    def _restart(self) -> None:
        """Follow from scratch after the rows changed under the view."""
        self._cursor = None
        self._top = None
        self._following = True
        self._pause_mark = self._view.arrived
        self._pinned.clear()
        self._ghosts = []
        self._cache.clear()
        self._painted = None
        self.flush()

    def export(self, path: Path, *, create_folders: bool = False) -> int:
        """Write the shown (filtered) events to ``path`` as JSON Lines (see :func:`export_jsonl`).

        Returns the number of events written.
        """
        self._view.finish()
        count = export_jsonl(self._view, path, create_folders=create_folders)
        self._request_flush()
        return count

    def copy_highlighted(self) -> str | None:
        """Copy the highlighted event's JSON line to the clipboard (OSC 52); returns it."""
        event = self.highlighted
        if event is None:
            return None
        line = encode_line(event)
        self.app.copy_to_clipboard(line)
        return line

    def redraw(self) -> None:
        """Forget rendered rows (after a settings or theme change) and repaint."""
        self._cache.clear()
        self._styles = None
        self._painted = None
        self.refresh()

    # -- actions --------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "copy":
            return True if self._cursor is not None else None
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
        self._following = True
        self.flush()

    def action_copy(self) -> None:
        copy_event(self, self.highlighted)

    def action_copy_payload(self) -> None:
        copy_payload(self, self.highlighted)

    # -- events ---------------------------------------------------------------------------

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        if self.scroll_y > 0:
            self._pause()

    def on_scroll_up(self, message: ScrollUp) -> None:
        self._pause()

    def on_scroll_to(self, message: ScrollTo) -> None:
        if message.y is not None and message.y < self.scroll_y:
            self._pause()

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        row = int(self.scroll_y) + offset.y
        if row < self._rows():
            self._move(to=row)

    def on_mount(self) -> None:
        self.flush()
        self.set_interval(self.SAFETY_INTERVAL, self._catch_up, name="feed-catch-up")

    def on_resize(self, event: events.Resize) -> None:
        self.flush()

    def on_focus(self, event: events.Focus) -> None:
        self.redraw()

    def on_blur(self, event: events.Blur) -> None:
        self.redraw()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache.clear()
        self._styles = None

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        row = int(new_value)
        self._top = self._pos_at(row) if row < self._rows() else None

    # -- rendering ------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        # While paused the top row is an event, not an index: evictions shift indices.
        top = self._top
        row = (int(self.scroll_y) if self._following or top is None else self._row_of(top)) + y
        if row >= self._rows():
            return Strip.blank(width, self.rich_style)
        pos = self._pos_at(row)
        dropped = row < len(self._ghosts)
        key = (pos, width, pos == self._cursor, dropped)
        strip = self._cache.get(key)
        if strip is None:
            strip = self._render_row(pos, width, pos == self._cursor, dropped)
            self._cache[key] = strip
        return strip

    def _render_row(self, pos: int, width: int, cursor: bool, dropped: bool) -> Strip:
        """Render one row (a cache miss)."""
        event = self._event(pos)
        if event is None:
            return Strip.blank(width, self.rich_style)
        return row_strip(
            event,
            width,
            self._row_styles(),
            view=self._receive_view(event.connection),
            utc=self._utc,
            cursor=cursor,
            dropped=dropped,
        )

    def _row_styles(self) -> RowStyles:
        if self._styles is None:
            style = self.get_component_rich_style
            cursor = style("feed--cursor", partial=True)
            if self.app.no_color:
                # Without colour a cursor background may vanish; reverse video never does.
                cursor += Style(reverse=True)
            self._styles = RowStyles(
                base=self.rich_style,
                time=style("feed--time", partial=True),
                name=style("feed--name", partial=True),
                size=style("feed--size", partial=True),
                kinds={kind: style(f"feed--{kind}", partial=True) for kind in EVENT_NAMES},
                cursor=cursor,
            )
        return self._styles

    # -- internals ------------------------------------------------------------------------

    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height)

    def _cursor_row(self) -> int:
        """The highlighted row (the last one if nothing is highlighted)."""
        if self._cursor is None:
            return self._rows()
        return self._row_of(self._cursor)

    # Rows on screen are the evicted events still shown while paused ("ghosts", at the
    # top), then the view's rows. While following there are no ghosts.

    def _rows(self) -> int:
        return len(self._ghosts) + len(self._view)

    def _pos_at(self, row: int) -> int:
        """The absolute position of row ``row`` (``-1``: the last)."""
        ghosts = self._ghosts
        if 0 <= row < len(ghosts):
            return ghosts[row]
        return self._view.position(row - len(ghosts) if row >= 0 else row)

    def _row_of(self, pos: int) -> int:
        """The row of ``pos``, or of the first row shown after it."""
        ghosts = self._ghosts
        if ghosts and pos <= ghosts[-1]:
            return bisect.bisect_left(ghosts, pos)
        return len(ghosts) + self._view.row_of(pos)

    def _shows(self, pos: int) -> bool:
        """Whether the event at ``pos`` has a row."""
        return pos in self._ghosts or self._view.contains(pos)

    def _event(self, pos: int) -> Event | None:
        try:
            return self._ring.at(pos)
        except IndexError:
            return self._pinned.get(pos)

    def _find_ghosts(self) -> list[int]:
        """The kept events the ring evicted that are still on screen, or highlighted."""
        first = self._ring.first
        top = self._top if self._top is not None else first
        keep = [p for p in self._pinned if p < first and (p >= top or p == self._cursor)]
        return sorted(keep)

    def _pin(self) -> None:
        """Keep the events on screen and the highlighted one while paused; forget the rest."""
        if self._following:
            self._pinned.clear()
            self._ghosts = []
            return
        rows = self._rows()
        top = int(self.scroll_y)
        wanted = [self._pos_at(row) for row in range(top, min(rows, top + self._page()))]
        if self._cursor is not None:
            wanted.append(self._cursor)
        pinned = self._pinned
        kept: dict[int, Event] = {}
        for pos in wanted:
            event = pinned.get(pos) or self._event(pos)
            if event is not None:
                kept[pos] = event
        self._pinned = kept

    def _move(self, delta: int = 0, *, to: int | None = None, keep_line: bool = False) -> None:
        """Move the highlight by ``delta`` rows (or to row ``to``); leaving the last row pauses."""
        self.flush()
        rows = self._rows()
        if not rows:
            return
        current = self._cursor_row()
        row = min(max(current + delta if to is None else to, 0), rows - 1)
        if row < rows - 1:
            self._pause()
        height = self._page()
        top = int(self.scroll_y)
        if keep_line:
            top = row - min(max(current - top, 0), height - 1)
        if row < top:
            top = row
        elif row >= top + height:
            top = row - height + 1
        self._cursor = self._pos_at(row)
        self._show(rows, top)
        self._pin()
        self._post_highlighted()
        self._post_status()

    def _pause(self) -> None:
        if self._following:
            self._following = False
            self._pause_mark = self._view.arrived
            self._pause_end = self._ring.end
            self.flush()

    def _show(self, rows: int, top: int) -> None:
        """Apply row count and scroll position; repaint only if what is visible changed."""
        height = self._page()
        top = min(max(0, top), max(0, rows - height))
        last = min(rows, top + height) - 1
        signature = (
            self._pos_at(top) if rows else None,
            self._pos_at(last) if last >= top else None,
            last - top,
            len(self._ghosts),
            self._cursor if self._cursor is not None and self._shows(self._cursor) else None,
            self.scrollable_content_region.size,
        )
        size = Size(0, rows)
        # The scrollbar comes or goes, which changes the width: a layout's job.
        bar_changes = (rows > height) != self.show_vertical_scrollbar
        if signature == self._painted and not bar_changes:
            # Rows arrived or left outside the viewport: move the scrollbar, not the rows.
            if size != self.virtual_size or top != self.scroll_y:
                self._move_viewport(size, top)
            return
        self._painted = signature
        if bar_changes:
            self.virtual_size = size
            self.scroll_to(y=top, animate=False, force=True)
        else:
            self._move_viewport(size, top)
        row = int(self.scroll_y)
        self._top = self._pos_at(row) if row < rows else None
        self.refresh()

    def _move_viewport(self, size: Size, top: int) -> None:
        """Set the virtual size and scroll position without a layout of the screen.

        Setting ``virtual_size`` asks for a layout, which re-renders every widget on the
        screen; a line-API widget's own region does not depend on it, so only the
        scrollbar needs telling (up to 15 times a second while events arrive).
        """
        self.set_reactive(EventFeed.virtual_size, size)
        self.set_reactive(EventFeed.scroll_y, float(top))
        self.set_reactive(EventFeed.scroll_target_y, float(top))
        if self.show_vertical_scrollbar:
            bar = self.vertical_scrollbar
            bar.window_virtual_size = size.height
            bar.position = top

    def _request_flush(self) -> None:
        self._behind = True
        if self._flush_timer is not None:
            return
        wait = self._last_flush + self.REPAINT_INTERVAL - time.monotonic()
        if wait <= 0 or not self.is_mounted:
            self.flush()
        else:
            # Textual 8.2.8: a one-shot timer under ~1 µs returns without ever firing,
            # and only flush() clears _flush_timer: one lost timer stopped the feed for good.
            wait = max(wait, _MIN_TIMER)
            self._flush_timer = self.set_timer(wait, self.flush, name="feed-flush")

    def _catch_up(self) -> None:
        """The safety net: repaint if events have waited a whole tick with no repaint."""
        if self._behind and self._behind_at_last_tick:
            self.flush()
        self._behind_at_last_tick = self._behind

    def _schedule_scan(self) -> None:
        if not self._scan_scheduled:
            # After the next refresh, so keys and repaints get their turn between steps.
            self._scan_scheduled = self.call_after_refresh(self._scan_step)

    def _scan_step(self) -> None:
        self._scan_scheduled = False
        if self._view.step():
            self._schedule_scan()
        self._request_flush()

    def _post_highlighted(self) -> None:
        if self._cursor != self._posted_cursor:
            self._posted_cursor = self._cursor
            self.post_message(self.Highlighted(self, self.highlighted))

    def _post_status(self) -> None:
        status = (
            self._following,
            self.new_since_pause,
            self.dropped_since_pause,
            self.dropped,
            len(self._view),
            self.filtering,
            self.filter_error,
        )
        if status != self._posted_status:
            self._posted_status = status
            self.post_message(self.StatusChanged(self, *status))
