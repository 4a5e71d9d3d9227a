"""Drawing the feed's rows and scrolling over them: the line API over :class:`FeedRows`.

Only visible rows are rendered (``render_line``), rendered rows are cached per
(position, width, cursor, dropped), and the viewport moves without a layout of the screen
when only the scrollbar changes. What the rows are, and when they change, is
:class:`tui.widgets.feed.EventFeed`'s business.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from math import ceil
from typing import ClassVar

from rich.style import Style
from textual import events
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar
from textual.strip import Strip

from tui.core.events import EVENT_NAMES, Event, PayloadEvent
from tui.core.ring import EventRing
from tui.widgets.feed_matches import SearchMatches, highlight
from tui.widgets.feed_row import NAME_WIDTH, RowStyles, row_strip
from tui.widgets.feed_rows import FeedRows
from tui.widgets.line_finish import LineFinish, line_finish

__all__ = ["FeedView"]


def hex_view(name: str) -> str:
    """The default ``receive_view``: binary payloads as hex."""
    return "hex"


class FeedView(ScrollView, can_focus=True):
    """A scrollable view of one row per event, newest at the bottom, with a highlighted row."""

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
        "feed--note",
        "feed--alert",
        "feed--timeout",
        "feed--cursor",
        "feed--match",
    }
    """
    | Class | Description |
    | :- | :- |
    | `feed--time` | The timestamp column. |
    | `feed--name` | The connection-name column. |
    | `feed--size` | The payload-size column. |
    | `feed--start` … `feed--timeout` | Glyph and preview of each event kind. |
    | `feed--cursor` | The highlighted row. |
    | `feed--match` | Text that matches the search. |
    """

    DEFAULT_CSS = """
    FeedView {
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
        & > .feed--note { color: $text-accent; text-style: italic; }
        /* Italic as well as coloured: an alert reads apart from an error in monochrome. */
        & > .feed--alert { color: $warning; text-style: bold italic; }
        & > .feed--timeout { color: $text-warning; }
        /* Bold and underlined as well as coloured: a match shows in monochrome too. */
        & > .feed--match { background: $warning 50%; text-style: bold underline; }
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

    CACHE_ROWS: ClassVar[int] = 1024
    """Rendered rows kept in the LRU cache."""

    _matches: SearchMatches | None = None  # the search whose matches are highlighted

    def __init__(
        self,
        ring: EventRing,
        *,
        receive_view: Callable[[str], str] = hex_view,
        utc: bool = False,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        """Create a view over ``ring``.

        Args:
            ring: The events.
            receive_view: Maps a connection name to how its binary payloads are shown
                (``text``, ``hex`` or ``base64``).
            utc: Show timestamps in UTC instead of local time.
            name: The name of the widget.
            id: The ID of the widget in the DOM.
            classes: The CSS classes of the widget.
            disabled: Whether the widget is disabled.
        """
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._rows = FeedRows(ring)
        self._receive_view = receive_view
        self._utc = utc
        self._cache: LRUCache[tuple[int, int, bool, bool], Strip] = LRUCache(self.CACHE_ROWS)
        self._styles: RowStyles | None = None
        self._finished_styles: RowStyles | None = None  # _styles, finished by _finish
        # How rows are finished (see render_lines); None: Textual's styles cache does it.
        self._finish: LineFinish | None = None
        self._painted: tuple[object, ...] | None = None
        self._name_width = NAME_WIDTH
        self._pass: tuple[int, int, int, int] | None = None  # see render_lines
        self.annotate: Callable[[Event], tuple[str, str | None]] | None = None
        """Gives an event's mark and its text in place of the payload (``None``: the
        payload), printable; see :func:`row_strip`'s ``lead`` and ``text``."""

    @property
    def utc(self) -> bool:
        """Whether timestamps are shown in UTC."""
        return self._utc

    @utc.setter
    def utc(self, value: bool) -> None:
        self._utc = value
        self.redraw()

    @property
    def name_width(self) -> int:
        """Cells of the connection-name column (at most ``NAME_WIDTH``)."""
        return self._name_width

    @name_width.setter
    def name_width(self, value: int) -> None:
        value = max(1, min(value, NAME_WIDTH))
        if value != self._name_width:
            self._name_width = value
            self.redraw()

    def redraw(self) -> None:
        """Forget rendered rows (after a settings or theme change) and repaint."""
        self._forget_rows()
        self._painted = None
        self.refresh()

    def _forget_rows(self) -> None:
        """Forget rendered rows and the styles they were built with."""
        self._cache.clear()
        self._styles = self._finished_styles = None

    def on_focus(self, event: events.Focus) -> None:
        self.redraw()

    def on_blur(self, event: events.Blur) -> None:
        self.redraw()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._forget_rows()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        row = int(new_value)
        rows = self._rows
        rows.top = rows.pos_at(row) if row < len(rows) else None

    # -- rendering ------------------------------------------------------------------------

    def render_lines(self, crop: Region) -> list[Strip]:
        # Textual asks for a repaint's lines one by one; what they share (the width, the
        # first row, the row count) is worked out once per repaint, not per line: the
        # width alone (scrollable_content_region) was a fifth of each row's cost.
        self._pass = self._line_pass()
        try:
            # Rows are built finished (the App's line filters in their styles, as wide as
            # the scrollbar leaves) when the styles allow: Textual's styles cache made
            # four more Strips of each new row (see tui.widgets.line_finish).
            finish = line_finish(self)
            if finish is not None and (finish.pad_left or finish.pad_right):
                finish = None  # rows are built as wide as the content, unpadded
            if finish != self._finish:
                self._finish = finish
                self._forget_rows()
                self._styles_cache.clear()  # lines kept by line, finished or not
            if finish is None:
                return super().render_lines(crop)
            return finish.lines(self, crop, self.render_line)
        finally:
            self._pass = None

    def _line_pass(self) -> tuple[int, int, int, int]:
        """The content width, the row at the top, the row count and the ghost count."""
        rows = self._rows
        # While paused the top row is an event, not an index: evictions shift indices.
        top = rows.top
        first = int(self.scroll_y) if rows.following or top is None else rows.row_of(top)
        return self.scrollable_content_region.width, first, len(rows), len(rows.ghosts)

    def render_line(self, y: int) -> Strip:
        width, first, count, ghosts = self._pass or self._line_pass()
        row = first + y
        if row >= count:
            return self._blank(width)
        rows = self._rows
        pos = rows.pos_at(row)
        dropped = row < ghosts
        cursor = pos == rows.cursor
        key = (pos, width, cursor, dropped)
        strip = self._cache.get(key)
        if strip is None:
            strip = self._render_row(pos, width, cursor, dropped)
            self._cache[key] = strip
        return strip

    def _render_row(self, pos: int, width: int, cursor: bool, dropped: bool) -> Strip:
        """Render one row (a cache miss)."""
        event = self._rows.event(pos)
        if event is None:
            return self._blank(width)
        lead, text = ("", None) if self.annotate is None else self.annotate(event)
        # Only a binary payload's preview depends on the connection's view (the look-up
        # goes through the App's settings: a few µs a row).
        binary = isinstance(event, PayloadEvent) and isinstance(event.data, bytes)
        finish, matches = self._finish, self._matches
        # A match's style goes over the row's own before the filters see them.
        strip = row_strip(
            event,
            width,
            self._row_styles() if matches is not None else self._row_styles(finish),
            view=self._receive_view(event.connection) if binary else "text",
            utc=self._utc,
            cursor=cursor,
            dropped=dropped,
            name_width=self._name_width,
            lead=lead,
            text=text,
        )
        if matches is not None:
            style = self.get_component_rich_style("feed--match", partial=True)
            strip = highlight(strip, matches.spans(strip.text), style)
            if finish is not None:
                strip = finish.strip(strip)
        return strip

    def _blank(self, width: int) -> Strip:
        style = self.rich_style
        return Strip.blank(width, style if self._finish is None else self._finish.style(style))

    def _row_styles(self, finish: LineFinish | None = None) -> RowStyles:
        """The styles rows are built with, finished by ``finish`` if given."""
        if finish is not None:
            if self._finished_styles is None:
                self._finished_styles = replace(self._row_styles(), finish=finish.style)
            return self._finished_styles
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

    # -- scrolling ------------------------------------------------------------------------

    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height)

    def _show(self, count: int, top: int) -> None:
        """Apply row count and scroll position; repaint only if what is visible changed."""
        rows = self._rows
        height = self._page()
        top = min(max(0, top), max(0, count - height))
        last = min(count, top + height) - 1
        cursor = rows.cursor
        signature = (
            rows.pos_at(top) if count else None,
            rows.pos_at(last) if last >= top else None,
            last - top,
            len(rows.ghosts),
            cursor if cursor is not None and rows.shows(cursor) else None,
            self.scrollable_content_region.size,
        )
        size = Size(0, count)
        # The scrollbar comes or goes, which changes the width: a layout's job.
        bar_changes = (count > height) != self.show_vertical_scrollbar
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
        rows.top = rows.pos_at(row) if row < count else None
        self.refresh()

    def _move_viewport(self, size: Size, top: int) -> None:
        """Set the virtual size and scroll position without a layout of the screen.

        Setting ``virtual_size`` asks for a layout, which re-renders every widget on the
        screen; a line-API widget's own region does not depend on it, so only the
        scrollbar needs telling (up to 15 times a second while events arrive), and only
        repainting when its thumb moves: with thousands of rows a new page moves it by a
        fraction of an eighth of a cell, and repainting the bar was ~0.9 ms of each ~6 ms
        screen update under fan-in.
        """
        self.set_reactive(FeedView.virtual_size, size)
        self.set_reactive(FeedView.scroll_y, float(top))
        self.set_reactive(FeedView.scroll_target_y, float(top))
        if self.show_vertical_scrollbar:
            bar = self.vertical_scrollbar
            thumb = _thumb(bar, bar.window_virtual_size, bar.position)
            if bar.grabbed or _thumb(bar, size.height, top) != thumb:
                bar.window_virtual_size = size.height
                bar.position = top
            else:
                bar.set_reactive(ScrollBar.window_virtual_size, size.height)
                bar.set_reactive(ScrollBar.position, top)


def _thumb(bar: ScrollBar, virtual: int, position: float) -> tuple[int, int] | None:
    """Where ``bar`` draws its thumb, in eighths of a cell (as Textual's ScrollBarRender
    places it), for a virtual size and position; ``None`` when it draws none."""
    size = bar.size.height
    window = bar.window_size if bar.window_size < virtual else 0
    if not (window and size and virtual and size != virtual):
        return None
    thumb = max(1, window / (virtual / size))
    start = int((size - thumb) * (position / (virtual - window)) * 8)
    return start, start + ceil(thumb * 8)
