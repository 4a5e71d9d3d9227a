"""The recorded connections of a review (``wsdeck open``): one row each, with their counts.

A recording holds a handful of connections, so Textual's ``DataTable`` is enough here (the
live table draws thousands of rows itself). Names come from the file: they are shown as
text, escaped, never as markup. After the counts come the connections' fields (issue 14),
a column each, with their value in the connection's last recorded message.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import DataTable

from tui.core.display import printable
from tui.review_store import ConnectionCounts
from tui.widgets.connection_table import human_bytes

__all__ = ["RecordedTable"]

COLUMNS = ("name", "events", "in", "out", "errors", "first", "last")


def _clock(ts: str) -> str:
    """``2026-11-25T20:25:28.123456Z`` → ``11-25 20:25:28`` (as recorded: UTC); the year
    is left out so that the table's columns fit 80 columns."""
    return ts[5:19].replace("T", " ")


class RecordedTable(DataTable[Text]):
    """One row per recorded connection; :meth:`sync` brings the counts up to date."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False)
        self._shown: dict[str, tuple[str, ...]] = {}
        self.fields_shown: tuple[str, ...] = ()
        """The field columns, in order (after the name: at 80 columns they stay in view)."""
        self._keys: tuple[str, ...] = ()  # every column's key, in order
        self._widths: dict[str, int] = {}  # each field column's width
        self._reselect: str | None = None  # the row to select again once the rows are back

    def on_mount(self) -> None:
        if not self._keys:  # else a sync ran first and laid the columns out
            self._set_columns({})

    def _set_columns(self, fields: dict[str, int]) -> None:
        """Lay the table out again with these field columns and widths (rows come back at
        the sync)."""
        selected = self.selected
        self.clear(columns=True)
        self._shown.clear()
        self.fields_shown = tuple(fields)
        self._widths = fields
        # A field may be called "events": its column's key cannot be the counter's.
        self._keys = (COLUMNS[0], *(f"field:{field}" for field in fields), *COLUMNS[1:])
        self.add_column(COLUMNS[0], key=COLUMNS[0])
        for field, width in fields.items():
            # Field names are the settings' or the palette's: shown as text.
            self.add_column(Text(printable(field, 24)), key=f"field:{field}", width=width)
        for column in COLUMNS[1:]:
            self.add_column(column, key=column)
        self._reselect = selected

    @property
    def selected(self) -> str | None:
        """The connection under the cursor."""
        names = list(self._shown)
        return names[self.cursor_row] if 0 <= self.cursor_row < len(names) else None

    def select(self, name: str) -> None:
        """Move the cursor to ``name``'s row."""
        if name in self._shown:
            self.move_cursor(row=list(self._shown).index(name))

    def sync(self, counts: dict[str, ConnectionCounts], fields: dict[str, dict[str, str]]) -> None:
        """Add the connections seen since the last call and update the changed cells;
        ``fields``: each connection's field columns and their texts."""
        # A field's column is as wide as its widest value so far: set here rather than
        # widened by DataTable when idle, so that it never narrows and widens as values
        # change, and is drawn at its width from the first frame that shows the value.
        widths: dict[str, int] = {}
        for texts in fields.values():
            for column, text in texts.items():
                known = widths.get(column) or self._widths.get(column, 0)
                label = cell_len(printable(column, 24))
                widths[column] = max(known, label, cell_len(text))
        # The indexing poll can sync before this table is mounted: lay it out then.
        if widths != self._widths or not self._keys:
            self._set_columns(widths)
        wanted = self.fields_shown
        for name, count in counts.items():
            values = fields.get(name, {})
            cells = (
                printable(name, 24),
                *(values.get(field, "") for field in wanted),
                f"{count.events}",
                f"{count.msgs_in} / {human_bytes(count.bytes_in)}",
                f"{count.msgs_out} / {human_bytes(count.bytes_out)}",
                f"{count.errors}",
                _clock(count.first),
                _clock(count.last),
            )
            shown = self._shown.get(name)
            if shown == cells:
                continue
            if shown is None:
                self.add_row(*(Text(cell) for cell in cells), key=name)
            else:
                for key, old, new in zip(self._keys, shown, cells, strict=True):
                    if old != new:
                        # The counters' columns widen by themselves as they grow.
                        self.update_cell(name, key, Text(new), update_width=True)
            self._shown[name] = cells
        if self._reselect is not None:
            self.select(self._reselect)
            self._reselect = None
