"""The recorded connections of a review (``wsdeck open``): one row each, with their counts.

A recording holds a handful of connections, so Textual's ``DataTable`` is enough here (the
live table draws thousands of rows itself). Names come from the file: they are shown as
text, escaped, never as markup.
"""

from __future__ import annotations

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

    def on_mount(self) -> None:
        for column in COLUMNS:
            self.add_column(column, key=column)

    @property
    def selected(self) -> str | None:
        """The connection under the cursor."""
        names = list(self._shown)
        return names[self.cursor_row] if 0 <= self.cursor_row < len(names) else None

    def select(self, name: str) -> None:
        """Move the cursor to ``name``'s row."""
        if name in self._shown:
            self.move_cursor(row=list(self._shown).index(name))

    def sync(self, counts: dict[str, ConnectionCounts]) -> None:
        """Add the connections seen since the last call and update the changed counts."""
        for name, count in counts.items():
            cells = (
                printable(name, 24),
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
                for column, (old, new) in zip(COLUMNS, zip(shown, cells, strict=True), strict=True):
                    if old != new:
                        self.update_cell(name, column, Text(new))
            self._shown[name] = cells
