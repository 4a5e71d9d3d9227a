"""Tables that end in a column of free text (an alert's message, an automation detail).

Such a column is as wide as its longest text, so at 80 columns the table grew wider than the
screen: a horizontal scrollbar took a row and the text ran off the right edge, with no sign
it was cut. :func:`fill` cuts the last cell of each row to the room the other columns leave,
with an ellipsis, and leaves the column out when that room is too small to read (then other
columns the screen can spare, whole); the screen shows the selected row's whole text under
the table either way.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import DataTable

__all__ = ["MIN_TEXT", "fill"]

MIN_TEXT = 12
"""The fewest cells the text column is shown in; with less room it is left out."""

SCROLLBAR = 2
"""Cells kept for the vertical scrollbar, which comes when the rows outgrow the screen."""


def fill(
    table: DataTable[Text],
    headers: Sequence[str],
    rows: Sequence[Sequence[Text]],
    width: int,
    spare: Sequence[str] = (),
) -> None:
    """Replace the rows of ``table`` (``width`` cells wide) with ``rows``, fitted.

    Args:
        table: The table; its columns are set to those of ``headers`` that fit.
        headers: The column labels.
        rows: The cells of each row, one per header; a shorter row (a message in the first
            cell) is added as it is.
        width: The cells the table has.
        spare: Columns left out, in this order, while the table is still too wide once the
            text column is (a column is shown whole or not at all).
    """
    count, pad = len(headers), 2 * table.cell_padding
    widths = [len(header) for header in headers]
    for row in rows:
        if len(row) == count:
            for index, cell in enumerate(row[:-1]):
                widths[index] = max(widths[index], cell.cell_len)
    text = count - 1
    widths[text] = max(MIN_TEXT, widths[text])  # the least it is shown in
    shown = list(range(count))
    for column in (text, *(headers.index(name) for name in spare)):
        if sum(widths[i] + pad for i in shown) + SCROLLBAR <= width:
            break
        shown.remove(column)
    labels = tuple(headers[i] for i in shown)
    if tuple(str(column.label) for column in table.columns.values()) == labels:
        table.clear()
    else:
        table.clear(columns=True)
        table.add_columns(*labels)
    room = width - sum(widths[i] + pad for i in shown if i != text) - pad - SCROLLBAR
    for row in rows:
        if len(row) != count:
            table.add_row(*row)
            continue
        cells = [row[i] for i in shown]
        if text in shown and cells[-1].cell_len > room:
            cells[-1] = cells[-1].copy()
            cells[-1].truncate(room, overflow="ellipsis")
        table.add_row(*cells)
