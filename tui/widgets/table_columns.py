"""Which columns of the connection table fit the terminal: whole columns, by priority.

A column is shown whole or not at all, so a value never loses its unit and a header is
never cut mid-word (``laten``). At 80 columns the table keeps name, state, in, out and
rate; wider terminals add the alert badge (only while some connection has watches),
latency, last activity and the URL (which the selected bar shows whenever the table
leaves it out).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

__all__ = ["COLUMNS", "PRIORITY", "fit_columns"]

COLUMNS: tuple[str, ...] = (
    "name",
    "state",
    "in",
    "out",
    "rate",
    "alert",
    "last",
    "latency",
    "url",
)
"""Every column in display order: the URL last, as the widest and least needed."""

PRIORITY: tuple[str, ...] = (
    "name",
    "state",
    "in",
    "out",
    "rate",
    "alert",
    "latency",
    "last",
    "url",
)
"""The order in which columns claim room; the name is always shown."""


def fit_columns(
    width: int, widths: Mapping[str, int], padding: int = 2, hidden: Collection[str] = ()
) -> tuple[str, ...]:
    """The columns to show in ``width`` cells, in display order.

    Columns claim room in :data:`PRIORITY` order while they fit whole; the first that does
    not fit ends the choice (a narrow low-priority column never jumps a wide one, so a
    column's place does not depend on a neighbour's width).

    Args:
        width: The cells the table has.
        widths: Each column's content width (its widest cell or header); a column not in it
            is as wide as its header.
        padding: Cells each column adds around its content.
        hidden: Columns that take no room and are not shown (the alert badge while no
            connection has watches).
    """
    chosen = {PRIORITY[0]}
    used = widths.get(PRIORITY[0], len(PRIORITY[0])) + padding
    for key in PRIORITY[1:]:
        if key in hidden:
            continue
        used += widths.get(key, len(key)) + padding
        if used > width:
            break
        chosen.add(key)
    return tuple(key for key in COLUMNS if key in chosen)
