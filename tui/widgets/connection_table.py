"""The connections table: one row per connection with its state badge and counters."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.core.client import State, WsClient
from tui.core.display import printable
from tui.core.events import AlertLevel
from tui.core.pairing import percentile
from tui.widgets.table_columns import COLUMNS, PRIORITY, fit_columns, with_extra

_SPARK = "▁▂▃▄▅▆▇█"

GLYPHS: dict[str, str] = {
    "open": "●",
    "connecting": "◌",
    "closing": "◐",
    "reconnecting": "↻",
    "failed": "✖",
    "stopped": "○",
}
"""A shape per state class: 16 colours, ``NO_COLOR`` and monochrome still tell them apart
(in 16 colours "reconnecting" and "failed" were the same bright red)."""


def badge(client: WsClient, now: float | None = None) -> tuple[str, str]:
    """The state badge text (glyph and word) and its style class (``open``, ``failed``, …)."""
    state = client.state
    if state is State.RECONNECTING:
        remaining = client.reconnect_in(now)
        text, state_class = f"reconnecting in {remaining or 0:.0f}s", "reconnecting"
    elif state is State.STOPPED and client.crashed:
        text, state_class = "crashed", "failed"
    elif state is State.STOPPED and client.failed:
        text, state_class = "failed", "failed"
    else:
        text, state_class = state.value, state.value
    return f"{GLYPHS[state_class]} {text}", state_class


def alert_badge(alerts: tuple[AlertLevel, int] | None) -> tuple[str, str]:
    """The alert cell: ``⚠ crit`` (the worst active level), ``⚠ warn 3`` (three active),
    empty without alerts; and its style class."""
    if alerts is None:
        return "", ""
    level, count = alerts
    word = "crit" if level == "critical" else "warn"
    return f"⚠ {word}" + (f" {count}" if count > 1 else ""), f"alert-{level}"


def human_bytes(count: int) -> str:
    """``512 B``, ``1.5 KiB``, ``3.2 MiB``."""
    size = float(count)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GiB"


def round_trip(seconds: float | None, unit: str = " ms") -> str:
    """``-``, ``0.3 ms``, ``42 ms``: a loopback ping is well under a millisecond."""
    if seconds is None:
        return "-"
    ms = seconds * 1000
    return f"{ms:.1f}{unit}" if ms < 10 else f"{ms:.0f}{unit}"


def response_times(rtts: Iterable[float]) -> str:
    """``3.2 / 41 ms``: the median and 99th percentile of round trips (seconds)."""
    ordered = sorted(rtts)  # sorted once: percentile() of sorted data is a linear pass
    p50, p99 = percentile(ordered, 0.5), percentile(ordered, 0.99)
    return f"{round_trip(p50, '')} / {round_trip(p99)}"


def age(seconds: float | None) -> str:
    """``-``, ``3s``, ``4m``, ``2h`` since the last activity."""
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.0f}s"
    if seconds < 3600:
        return f"{seconds / 60:.0f}m"
    return f"{seconds / 3600:.0f}h"


def per_second(rate: float) -> str:
    """``4/s``, ``0.5/s``, ``120/s``: a slow rate keeps its tenths instead of reading 0/s."""
    if rate >= 9.95:
        return f"{rate:.0f}/s"
    return f"{rate:.1f}".removesuffix(".0") + "/s"


@dataclass
class _Rate:
    """Messages per second (in + out) in wall-clock buckets, for the sparkline.

    The table samples the counters at each refresh, and refreshes are irregular (they wait
    for the feed's repaints under load): charting the count between refreshes drew a steady
    2 messages/s as ``█▁▁▁▅▁▃▄``. The counters also carry the time of the last message: it
    goes into the second it arrived in, and the others counted at the same refresh are
    spread evenly over the time they can have arrived in (after the previous refresh and
    the previous last message). A stream slower than the refreshes is then placed exactly,
    and a faster one to within a refresh; only finished seconds are drawn.
    """

    BUCKET: ClassVar[float] = 1.0
    """Seconds per bar."""
    BARS: ClassVar[int] = 8

    last_total: int = 0
    last_activity: float | None = None
    last_time: float | None = None
    first: int | None = None
    """The first bucket sampled whole (the one sampling started in is partial)."""
    buckets: dict[int, float] = field(default_factory=dict)
    """Messages per bucket index (``int(time // BUCKET)``); older than ``BARS`` buckets
    before the last sample's are dropped once a bucket (see :meth:`sample`)."""
    oldest: int = 0
    """The oldest bucket kept since the last pruning."""

    def sample(self, total: int, activity: float | None, now: float) -> None:
        """Note the counters at one refresh (``activity``: the time of the last message).

        Runs for every row at every refresh (5 000 rows, twice a second), so this stays
        cheap, and cheapest for a row with nothing new: only the time of the sample moves.
        """
        if total == self.last_total:
            if self.last_time is not None:
                self.last_time = now
            return
        if total == 0 or activity is None:
            return  # no traffic yet: nothing to chart
        previous, since, before = self.last_total, self.last_activity, self.last_time
        self.last_total, self.last_activity, self.last_time = total, activity, now
        if since is None or before is None:
            self.first = int(now // self.BUCKET) + 1
            return
        count = total - previous  # negative when the counters were reset: nothing arrived
        if count > 0:
            buckets = self.buckets
            last = int(activity // self.BUCKET)
            buckets[last] = buckets.get(last, 0.0) + 1
            if count > 1:
                self._spread(count - 1, min(max(since, before), activity), activity)
        oldest = int(now // self.BUCKET) - self.BARS
        if oldest > self.oldest:
            # Once a bucket, not at every sample (500 rows under fan-in, twice a second):
            # a bucket spread into in between is older than any bar drawn.
            self.oldest = oldest
            for index in [i for i in self.buckets if i < oldest]:
                del self.buckets[index]

    def _spread(self, count: int, start: float, end: float) -> None:
        """Add ``count`` messages evenly over ``[start, end]``."""
        buckets, size = self.buckets, self.BUCKET
        last = int(end // size)
        if end - start < 1e-9:
            buckets[last] = buckets.get(last, 0.0) + count
            return
        density = count / (end - start)
        for index in range(max(int(start // size), last - self.BARS), last + 1):
            share = min(end, (index + 1) * size) - max(start, index * size)
            buckets[index] = buckets.get(index, 0.0) + density * share

    def label(self) -> str:
        """The sparkline of the last finished seconds and the rate in the newest of them.

        Built only for rows on screen; ``-`` until a whole second has been sampled.
        """
        if self.first is None or self.last_time is None:
            return "-"
        current = int(self.last_time // self.BUCKET)
        indices = range(max(self.first, current - self.BARS), current)
        if not indices:
            return "-"
        rates = [self.buckets.get(index, 0.0) / self.BUCKET for index in indices]
        peak = max(rates)
        if peak <= 0:
            return f"{(_SPARK[0] * len(rates)).rjust(self.BARS)} 0/s"
        spark = "".join(_SPARK[round(rate / peak * 7)] for rate in rates)
        # Padded to the full window: the column keeps its width while the bars fill in.
        return f"{spark.rjust(self.BARS)} {per_second(rates[-1])}"


class ConnectionTable(ScrollView, can_focus=True):
    """One row per connection, drawn line by line; the App calls :meth:`sync` twice a second.

    Only the rows on screen are formatted and drawn (Textual's line API), a row's line is
    redrawn only when one of its cells changed, and moving the cursor redraws two lines.
    Textual's ``DataTable`` re-rendered every visible cell through Rich on any change (a
    repaint of 8 rows cost ~5 ms) and measured every cell of every row it added (5 000
    rows: seconds).
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "connection-table--header",
        "connection-table--cursor",
    }
    """
    | Class | Description |
    | :- | :- |
    | `connection-table--header` | The column labels. |
    | `connection-table--cursor` | The selected row. |
    """

    # The look of Textual's DataTable (which this table was), in its row-cursor mode.
    DEFAULT_CSS = """
    ConnectionTable {
        background: $surface;
        color: $foreground;
        height: auto;
        max-height: 100%;
        overflow-x: auto;
        overflow-y: auto;
        & > .connection-table--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        &:ansi > .connection-table--header {
            background: ansi_bright_blue;
            color: ansi_default;
        }
        & > .connection-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus {
            background-tint: $foreground 5%;
            & > .connection-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .connection-table--header {
                background-tint: $foreground 5%;
            }
        }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", id="connections.down", show=False),
        Binding("k", "cursor_up", "Up", id="connections.up", show=False),
        Binding("down", "cursor_down", "Cursor down", show=False),
        Binding("up", "cursor_up", "Cursor up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("ctrl+home", "first", "Top", show=False),
        Binding("ctrl+end", "last", "Bottom", show=False),
        Binding("home", "first", "Home", show=False),
        Binding("end", "last", "End", show=False),
        Binding("right", "scroll_right", "Cursor right", show=False),
        Binding("left", "scroll_left", "Cursor left", show=False),
    ]

    STATE_STYLES: ClassVar[dict[str, str]] = {
        "open": "bold $success",
        "connecting": "$warning",
        "closing": "$warning",
        "reconnecting": "bold $warning",
        "stopped": "dim",  # $text-muted is "auto 60%": no colour Rich can draw
        "failed": "bold $error",
        # Alert badges: the word (crit / warn) tells them apart without colour.
        "alert-critical": "bold reverse $error",
        "alert-warning": "bold $warning",
    }

    HEADER_HEIGHT: ClassVar[int] = 1

    cursor_row: reactive[int] = reactive(0, always_update=False, repaint=False)
    """The index of the selected row."""

    @dataclass
    class ColumnsChanged(Message):
        """The columns shown changed (the terminal was resized or a column grew)."""

        table: ConnectionTable
        """The table whose columns changed."""

        @property
        def control(self) -> ConnectionTable:
            """Alias for :attr:`table`."""
            return self.table

    def __init__(self, *, id: str | None = None, clock: Callable[[], float] = time.time) -> None:
        """``clock``: the wall clock of the rates and ages (tests drive it)."""
        super().__init__(id=id)
        self._clock = clock
        self._columns: tuple[str, ...] = COLUMNS
        self._priority: tuple[str, ...] = PRIORITY
        self._extra: tuple[str, ...] = ()
        """The columns after the table's own: fields, and response times (issue 14)."""
        self.extra_cells: Callable[[str], Mapping[str, str]] | None = None
        """Gives a connection's texts of the extra columns (the main screen sets it)."""
        self._clients: dict[str, WsClient] = {}
        self._names: list[str] = []
        self._index: dict[str, int] = {}
        self._rates: dict[str, _Rate] = {}
        self._cells: dict[str, list[tuple[str, str]]] = {}
        """The cells each row shows: text and style name (``$variables`` resolved)."""
        self._widths = [cell_len(column) for column in self._columns]
        """Each column's width (without its padding): it widens, never narrows."""
        self._strips: dict[str, Strip] = {}
        """Each row's line without the cursor, until a cell or a width changes."""
        self._styles: dict[str, Style] = {}
        self._shown: list[int] = list(range(len(self._columns)))
        """The indices of the columns on screen: those that fit whole (see fit_columns)."""
        self._badges: Mapping[str, tuple[AlertLevel, int]] = {}

    # -- what the rest of the App reads ------------------------------------------------------

    @property
    def selected(self) -> str | None:
        """The name of the connection under the cursor."""
        names = self._names
        return names[self.cursor_row] if 0 <= self.cursor_row < len(names) else None

    @property
    def row_count(self) -> int:
        return len(self._names)

    @property
    def names(self) -> list[str]:
        """The connections, in the order of their rows."""
        return list(self._names)

    @property
    def header_height(self) -> int:
        return self.HEADER_HEIGHT

    @property
    def columns_shown(self) -> tuple[str, ...]:
        """The columns on screen, in display order (see :func:`fit_columns`)."""
        return tuple(self._columns[index] for index in self._shown)

    def get_row_index(self, name: str) -> int:
        """The row of connection ``name`` (``KeyError`` if it has none)."""
        return self._index[name]

    def get_cell(self, name: str, column: str) -> str:
        """What row ``name`` shows in ``column`` (as last formatted: rows off screen wait)."""
        return self._cells[name][self._columns.index(column)][0]

    def select(self, name: str) -> None:
        """Move the cursor to ``name``'s row."""
        if name in self._index:
            self.move_cursor(row=self._index[name])

    def move_cursor(self, *, row: int) -> None:
        """Move the cursor to ``row`` (clamped to the rows there are)."""
        self.cursor_row = max(0, min(row, len(self._names) - 1))

    # -- updates from the App ----------------------------------------------------------------

    def show_alerts(self, badges: Mapping[str, tuple[AlertLevel, int]]) -> None:
        """Each connection's worst active alert level and count of active alerts, shown at
        the next :meth:`sync` (the column itself comes with :meth:`set_extra_columns`)."""
        self._badges = badges

    def sync(self, clients: dict[str, WsClient]) -> None:
        """Add and remove rows to match ``clients``; bring the rows on screen up to date.

        Every row's rate is sampled; only the rows on screen are formatted, and only the
        lines whose cells changed are redrawn. A row off screen keeps its last cells and is
        brought up to date as it comes into view.
        """
        self._clients = clients
        now = self._clock()
        if clients.keys() != self._index.keys():
            self._set_rows(clients, now)
        rates = self._rates
        for name, client in clients.items():
            stats = client.stats
            rates[name].sample(stats.msgs_in + stats.msgs_out, stats.last_activity, now)
        self._update_visible()

    def set_extra_columns(
        self,
        fields: Sequence[str],
        response: bool,
        alert: bool = False,
        sparklines: Sequence[str] = (),
    ) -> None:
        """Show these field columns, a sparkline column after each of ``sparklines`` (and
        the response column, with ``response``; the alert column, with ``alert``)."""
        columns, priority = with_extra(fields, response, alert, sparklines)
        extra = tuple(column for column in columns if column not in COLUMNS)
        if extra == self._extra:
            return
        self._extra = extra
        old = dict(zip(self._columns, self._widths, strict=True))
        self._columns, self._priority = columns, priority
        self._widths = [old.get(column, cell_len(column)) for column in self._columns]
        self._shown = list(range(len(self._columns)))
        self._cells.clear()  # every row is formatted again, with the new columns
        self._strips.clear()
        now, now_mono = self._clock(), time.monotonic()
        for name, client in self._clients.items():
            if name in self._index:
                self._show_cells(name, self._format(client, now, now_mono))
        self._refit()
        self._resize_virtual()
        self.refresh()

    def _set_rows(self, clients: dict[str, WsClient], now: float) -> None:
        """New rows go last (in ``clients``' order), removed ones go; the selection stays."""
        selected = self.selected
        kept = [name for name in self._names if name in clients]
        names = kept + [name for name in clients if name not in self._index]
        for name in [name for name in self._index if name not in clients]:
            self._rates.pop(name, None)
            self._cells.pop(name, None)
            self._strips.pop(name, None)
        now_mono = time.monotonic()
        for name in names[len(kept) :]:
            self._rates[name] = _Rate()
            self._show_cells(name, self._format(clients[name], now, now_mono))
        self._names = names
        self._index = {name: row for row, name in enumerate(names)}
        self._resize_virtual()
        self.refresh()
        if selected in self._index:
            self.move_cursor(row=self._index[selected])
        else:
            self.move_cursor(row=self.cursor_row)

    def _update_visible(self) -> None:
        """Format the rows on screen again; redraw the lines whose cells changed."""
        clients = self._clients
        now_wall, now_mono = self._clock(), time.monotonic()
        names = self._names
        top = int(self.scroll_y)
        for row in range(top, min(len(names), top + self._rows_on_screen())):
            client = clients.get(names[row])
            if client is not None and self._show_cells(
                client.name, self._format(client, now_wall, now_mono)
            ):
                self.refresh_line(row + self.HEADER_HEIGHT)

    def _show_cells(self, name: str, cells: list[tuple[str, str]]) -> bool:
        """Keep ``cells`` as what ``name``'s row shows; whether anything changed."""
        if self._cells.get(name) == cells:
            return False
        self._cells[name] = cells
        self._strips.pop(name, None)
        widths = self._widths
        for column, (text, _) in enumerate(cells):
            if cell_len(text) > widths[column]:
                # A column takes the width of its widest cell; growing counters would be
                # cut off. It never narrows: steady columns read better.
                widths[column] = cell_len(text)
                self._strips.clear()
                self._refit()
                self._resize_virtual()
                self.refresh()
        return True

    def _refit(self) -> None:
        """Show the columns that fit the table's width whole; say so when they change."""
        width = self.scrollable_content_region.width or self.app.size.width
        widths = dict(zip(self._columns, self._widths, strict=True))
        fitted = fit_columns(width, widths, columns=self._columns, priority=self._priority)
        shown = [index for index, column in enumerate(self._columns) if column in fitted]
        if shown != self._shown:
            self._shown = shown
            self._strips.clear()
            self._resize_virtual()
            self.refresh()
            self.post_message(self.ColumnsChanged(self))

    def _format(self, client: WsClient, now_wall: float, now_mono: float) -> list[tuple[str, str]]:
        stats = client.stats
        text, state_class = badge(client, now_mono)
        warn = "" if client.settings.tls_verified else " ⚠"
        last = None if stats.last_activity is None else max(0.0, now_wall - stats.last_activity)
        rate = self._rates.get(client.name)
        cells = {
            "name": (printable(client.name, 24), ""),
            "state": (text + warn, state_class),
            "in": (f"{stats.msgs_in} / {human_bytes(stats.bytes_in)}", ""),
            "out": (f"{stats.msgs_out} / {human_bytes(stats.bytes_out)}", ""),
            "rate": ("-" if rate is None else rate.label(), ""),
            "alert": alert_badge(self._badges.get(client.name)),
            "last": (age(last), ""),
            "latency": (round_trip(client.latency), ""),
            "url": (printable(client.url, 40), ""),  # the final URL after redirects
        }
        if not self._extra or self.extra_cells is None:
            return [cells[column] for column in self._columns]
        extra = self.extra_cells(client.name)
        return [cells.get(column) or (extra.get(column, ""), "") for column in self._columns]

    # -- cursor and scrolling ----------------------------------------------------------------

    def watch_cursor_row(self, old: int, new: int) -> None:
        self.refresh_line(old + self.HEADER_HEIGHT)
        self.refresh_line(new + self.HEADER_HEIGHT)
        self._scroll_to_cursor()

    def _scroll_to_cursor(self) -> None:
        rows = self._rows_on_screen()
        top = int(self.scroll_y)
        row = self.cursor_row
        if row < top:
            self.scroll_to(y=row, animate=False, immediate=True)
        elif rows and row >= top + rows:
            self.scroll_to(y=row - rows + 1, animate=False, immediate=True)

    def _rows_on_screen(self) -> int:
        return max(0, self.scrollable_content_region.height - self.HEADER_HEIGHT)

    def _resize_virtual(self) -> None:
        width = sum(self._widths[index] + 2 for index in self._shown)
        self.virtual_size = Size(width, len(self._names) + self.HEADER_HEIGHT)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._update_visible()  # rows scrolled into view must not show old counters

    def on_resize(self) -> None:
        self._refit()
        self._update_visible()  # a taller table shows rows that sync skipped
        self._scroll_to_cursor()

    def action_cursor_down(self) -> None:
        self.move_cursor(row=self.cursor_row + 1)

    def action_cursor_up(self) -> None:
        self.move_cursor(row=self.cursor_row - 1)

    def action_page_down(self) -> None:
        self.move_cursor(row=self.cursor_row + max(1, self._rows_on_screen()))

    def action_page_up(self) -> None:
        self.move_cursor(row=self.cursor_row - max(1, self._rows_on_screen()))

    def action_first(self) -> None:
        self.move_cursor(row=0)

    def action_last(self) -> None:
        self.move_cursor(row=len(self._names) - 1)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < self.HEADER_HEIGHT:
            return
        row = int(self.scroll_y) + offset.y - self.HEADER_HEIGHT
        if row < len(self._names):
            self.move_cursor(row=row)

    def on_focus(self) -> None:
        self._restyle()  # the cursor's colours follow the focus

    def on_blur(self) -> None:
        self._restyle()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._restyle()

    def _restyle(self) -> None:
        self._styles.clear()
        self._strips.clear()
        self.refresh()

    # -- drawing -----------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        scroll_x = int(self.scroll_x)
        if y < self.HEADER_HEIGHT:
            columns = self._columns
            strip = self._line(list(columns), [""] * len(columns), self._style("header"))
        else:
            row = int(self.scroll_y) + y - self.HEADER_HEIGHT
            if row >= len(self._names):
                return Strip.blank(width, self.rich_style)
            name = self._names[row]
            cells = self._cells[name]
            if row == self.cursor_row:
                strip = self._row_line(cells, self._style("cursor"))
            else:
                cached = self._strips.get(name)
                if cached is None:
                    cached = self._strips[name] = self._row_line(cells, self._style("row"))
                strip = cached
        return strip.crop_extend(scroll_x, scroll_x + width, self.rich_style)

    def _row_line(self, cells: list[tuple[str, str]], base: Style) -> Strip:
        return self._line([text for text, _ in cells], [state for _, state in cells], base)

    def _line(self, texts: list[str], states: list[str], base: Style) -> Strip:
        """One line of cells, each padded by one space either side, then the row's colour."""
        segments = []
        widths = self._widths
        for index in self._shown:
            text, state, width = texts[index], states[index], widths[index]
            padded = f" {text}{' ' * (width - cell_len(text))} "
            style = base + self._state_style(state) if state else base
            segments.append(Segment(padded, style))
        # The row's colour (the cursor's, the header's) runs to the right edge.
        segments.append(Segment(" " * max(0, self.size.width), base))
        return Strip(segments)

    def _style(self, part: str) -> Style:
        style = self._styles.get(part)
        if style is None:
            if part == "row":
                style = self.rich_style
            elif part == "header":
                # Its own background over the table's (tinted again while focused).
                style = self.get_component_styles("connection-table--header").rich_style
            else:
                style = self.rich_style + self.get_component_rich_style(
                    f"connection-table--{part}", partial=True
                )
            self._styles[part] = style
        return style

    def _state_style(self, state_class: str) -> Style:
        key = f"state:{state_class}"
        style = self._styles.get(key)
        if style is None:
            spec = self.STATE_STYLES.get(state_class, "")
            variables = self.app.theme_variables
            resolved = " ".join(
                variables.get(word[1:], "") if word.startswith("$") else word
                for word in spec.split()
            )
            # An unknown style (a theme variable like "auto 60%") draws unstyled.
            style = self.app.console.get_style(resolved, default=Style.null())
            self._styles[key] = style
        return style
