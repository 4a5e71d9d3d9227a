"""The connections table: one row per connection with its state badge and counters."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

from tui.core.client import State, WsClient
from tui.core.display import printable
from tui.widgets.table_columns import COLUMNS, fit_columns

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


def human_bytes(count: int) -> str:
    """``512 B``, ``1.5 KiB``, ``3.2 MiB``."""
    size = float(count)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GiB"


def round_trip(seconds: float | None) -> str:
    """``-``, ``0.3 ms``, ``42 ms``: a loopback ping is well under a millisecond."""
    if seconds is None:
        return "-"
    ms = seconds * 1000
    return f"{ms:.1f} ms" if ms < 10 else f"{ms:.0f} ms"


def age(seconds: float | None) -> str:
    """``-``, ``3s``, ``4m``, ``2h`` since the last activity."""
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.0f}s"
    if seconds < 3600:
        return f"{seconds / 60:.0f}m"
    return f"{seconds / 3600:.0f}h"


class Cell:
    """One table cell: plain text in one style, rendered as a single segment.

    The table re-renders every visible cell whenever any cell changes (at every state
    refresh under load); a rich ``Text``'s wrapping and span machinery was a quarter of that for
    what is always one run. Renders as ``Text(plain, style=style)`` does in a cell.
    """

    __slots__ = ("plain", "style")

    def __init__(self, plain: str, style: str = "") -> None:
        self.plain = plain
        self.style = style

    def __str__(self) -> str:
        return self.plain

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        # An unknown style (a theme variable like "auto 60%") renders unstyled, as in Text.
        style = console.get_style(self.style, default=Style.null()) if self.style else None
        yield Segment(self.plain, style)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        width = cell_len(self.plain)
        return Measurement(width, width)


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
    """Messages per bucket index (``int(time // BUCKET)``); only the last ``BARS + 1`` kept."""

    def sample(self, total: int, activity: float | None, now: float) -> None:
        """Note the counters at one refresh (``activity``: the time of the last message).

        Runs for every row at every refresh, so this stays cheap.
        """
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
        for index in [i for i in self.buckets if i < int(now // self.BUCKET) - self.BARS]:
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


class ConnectionTable(DataTable[Cell]):
    """Shows connections; the App calls :meth:`sync` a few times a second."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", id="connections.down", show=False),
        Binding("k", "cursor_up", "Up", id="connections.up", show=False),
    ]

    STATE_STYLES: ClassVar[dict[str, str]] = {
        "open": "bold $success",
        "connecting": "$warning",
        "closing": "$warning",
        "reconnecting": "bold $warning",
        "stopped": "dim",  # $text-muted is "auto 60%": no colour Rich can draw
        "failed": "bold $error",
    }

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
        super().__init__(id=id, cursor_type="row", zebra_stripes=False)
        self._clock = clock
        self._clients: dict[str, WsClient] = {}
        self._rates: dict[str, _Rate] = {}
        # Every column's cells as last computed, shown or not (a column shown later
        # starts from them), and each column's widest cell or header.
        self._shown: dict[str, list[tuple[str, str]]] = {}
        self._widths: dict[str, int] = {key: len(key) for key in COLUMNS}
        self._columns: tuple[str, ...] = COLUMNS
        self._refit_pending = False
        self._rebuilding = False

    @property
    def columns_shown(self) -> tuple[str, ...]:
        """The columns on screen, in display order (see :func:`fit_columns`)."""
        return self._columns

    def on_mount(self) -> None:
        # The table's own width is not known before the first layout: the screen's is close.
        self._columns = fit_columns(self.app.size.width, self._widths)
        for column in self._columns:
            self.add_column(column, key=column)

    @property
    def selected(self) -> str | None:
        """The name of the connection under the cursor."""
        if not self.row_count:
            return None
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return None if row_key.value is None else str(row_key.value)

    def select(self, name: str) -> None:
        """Move the cursor to ``name``'s row."""
        if name in self.rows:
            self.move_cursor(row=self.get_row_index(name))

    def sync(self, clients: dict[str, WsClient]) -> None:
        """Add and remove rows to match ``clients``; bring the rows on screen up to date.

        Rows off screen keep their last cells (only their rate is sampled): with 500
        connections, formatting every row took 23 ms a refresh (then 4 a second) for
        the 6 or so that can be seen. A row is brought up to date as it comes into view.
        """
        self._clients = clients
        if self._rebuilding:
            return  # _refit adds the rows
        now = self._clock()
        now_mono = time.monotonic()
        for key in [k for k in self.rows if k.value not in clients]:
            self.remove_row(key)
            self._rates.pop(str(key.value), None)
            self._shown.pop(str(key.value), None)
        rates = self._rates
        for name, client in clients.items():
            rate = rates.get(name)
            if rate is None:
                rate = rates[name] = _Rate()
            stats = client.stats
            rate.sample(stats.msgs_in + stats.msgs_out, stats.last_activity, now)
            if name not in self.rows:
                cells = self._cells(client, now, now_mono)
                self._note_widths(cells)
                self.add_row(*self._on_screen(cells), key=name)
                self._shown[name] = [(cell.plain, cell.style) for cell in cells]
        self._update_visible()

    def _on_screen(self, cells: list[Cell]) -> list[Cell]:
        """The cells of the columns shown."""
        shown = self._columns
        return [cell for key, cell in zip(COLUMNS, cells, strict=True) if key in shown]

    def _note_widths(self, cells: list[Cell]) -> bool:
        """Widen the columns ``cells`` outgrow (never narrow); returns whether any grew."""
        grew = False
        widths = self._widths
        for key, cell in zip(COLUMNS, cells, strict=True):
            width = cell_len(cell.plain)
            if width > widths[key]:
                widths[key] = width
                grew = True
        if grew and not self._refit_pending:
            # After this refresh: a refit rebuilds the rows, which must not happen while
            # sync walks them.
            self._refit_pending = True
            self.call_after_refresh(self._refit)
        return grew

    def _refit(self) -> None:
        """Show the columns that fit the table's width now; rebuild the rows if they changed."""
        self._refit_pending = False
        width = self.scrollable_content_region.width or self.app.size.width
        columns = fit_columns(width, self._widths)
        if columns == self._columns:
            return
        self._columns = columns
        selected = self.selected
        # Clearing moves the cursor, whose watchers sync the table: not while it is half built.
        self._rebuilding = True
        try:
            self.clear(columns=True)
            for column in columns:
                self.add_column(column, key=column)
            for name in self._clients:
                cells = [Cell(plain, style) for plain, style in self._shown.get(name, [])]
                if len(cells) == len(COLUMNS):
                    self.add_row(*self._on_screen(cells), key=name)
        finally:
            self._rebuilding = False
        if selected is not None:
            self.select(selected)
        self.post_message(self.ColumnsChanged(self))

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._update_visible()  # rows scrolled into view must not show old counters

    def on_resize(self) -> None:
        self._refit()
        self._update_visible()  # a taller table shows rows that sync skipped

    def _visible_rows(self) -> range:
        """Indices of the rows on screen (every row is one line high)."""
        header = self.header_height if self.show_header else 0
        top = int(self.scroll_y)
        return range(top, min(self.row_count, top + max(0, self.size.height - header)))

    def _update_visible(self) -> None:
        now_wall, now_mono = self._clock(), time.monotonic()
        for index in self._visible_rows():
            row_key, _ = self.coordinate_to_cell_key(Coordinate(index, 0))
            client = self._clients.get(str(row_key.value))
            if client is not None:
                self._update_row(client, now_wall, now_mono)

    def _update_row(self, client: WsClient, now_wall: float, now_mono: float) -> None:
        """Update the cells whose text or style changed (each update repaints the table)."""
        name = client.name
        cells = self._cells(client, now_wall, now_mono)
        keys = [(cell.plain, cell.style) for cell in cells]
        shown = self._shown.get(name, [])
        columns = self.columns
        self._note_widths(cells)
        visible = self._columns
        for index, (column, cell) in enumerate(zip(COLUMNS, cells, strict=True)):
            if column not in visible or column == "name":
                continue
            if index >= len(shown) or shown[index] != keys[index]:
                # A column takes the width of its widest cell when a row is added; growing
                # counters would be cut off. Widen it when a cell outgrows it, never narrow
                # it: narrowing measures the whole column, and steady columns read better.
                wider = cell_len(cell.plain) > columns[ColumnKey(column)].content_width
                self.update_cell(name, column, cell, update_width=wider)
        self._shown[name] = keys

    def _cells(self, client: WsClient, now_wall: float, now_mono: float) -> list[Cell]:
        stats = client.stats
        text, state_class = badge(client, now_mono)
        style = self.STATE_STYLES.get(state_class, "")
        warn = "" if client.settings.tls_verified else " ⚠"
        latency = client.latency
        last = None if stats.last_activity is None else max(0.0, now_wall - stats.last_activity)
        rate = self._rates.get(client.name)
        return [
            Cell(printable(client.name, 24)),
            Cell(text + warn, self._style(style)),
            Cell(f"{stats.msgs_in} / {human_bytes(stats.bytes_in)}"),
            Cell(f"{stats.msgs_out} / {human_bytes(stats.bytes_out)}"),
            Cell("-" if rate is None else rate.label()),
            Cell(age(last)),
            Cell(round_trip(latency)),
            Cell(printable(client.url, 40)),  # the final URL after redirects
        ]

    def _style(self, spec: str) -> str:
        """Resolve ``$variable`` names of the current theme into a Rich style."""
        variables = self.app.theme_variables
        return " ".join(
            variables.get(word[1:], "") if word.startswith("$") else word for word in spec.split()
        )
