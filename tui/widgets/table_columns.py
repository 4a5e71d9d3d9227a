"""Which columns of the connection table fit the terminal: whole columns, by priority.

A column is shown whole or not at all, so a value never loses its unit and a header is
never cut mid-word (``laten``). At 80 columns the table keeps name, state, in, out and
rate; wider terminals add latency, last activity and the URL (which the selected bar
shows whenever the table leaves it out).

Fields (issue 14) add a column each, named after the field, shown right after the state;
they claim room after the rate (the first question during an incident) and the ``alert``
badge (the worst active alert, while some connection has watches), so at 80 columns a
field or two show only where the columns the layout keeps leave room. The ``response``
column (median and 99th percentile of the round trips of paired requests) joins once a
request has been answered, shown after the rate, claiming room after the fields.

A field with a sparkline (``sparkline`` in its connection's settings) has a second column
right after its own, headed ``temp ▁▄█``: its last values as bars. Sparkline columns claim
room after every field's value column.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

__all__ = [
    "ALERT",
    "COLUMNS",
    "PRIORITY",
    "RESPONSE",
    "SPARK_BARS",
    "fit_columns",
    "spark_column",
    "with_extra",
]

COLUMNS: tuple[str, ...] = ("name", "state", "in", "out", "rate", "last", "latency", "url")
"""Every column in display order: the URL last, as the widest and least needed."""

PRIORITY: tuple[str, ...] = ("name", "state", "in", "out", "rate", "latency", "last", "url")
"""The order in which columns claim room; the name is always shown."""


RESPONSE = "response"
"""The column of the round trips of paired requests (p50 / p99)."""


ALERT = "alert"
"""The column of each connection's worst active alert (issue 13)."""

SPARK_BARS = 8
"""Bars of a sparkline column: the field's last 8 points (one per half second at most)."""


def spark_column(field: str) -> str:
    """The key and header of ``field``'s sparkline column. Its no-break space cannot be in a
    field's name, so no field can take it."""
    return f"{field}\u00a0▁▄█"


def with_extra(
    fields: Sequence[str],
    response: bool,
    alert: bool = False,
    sparklines: Sequence[str] = (),
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The columns in display order and in priority order: ``fields`` shown after the
    state, each of ``sparklines`` (some of the fields) followed by its sparkline column,
    ``response`` (the response column) and ``alert`` (the alert column) after the rate;
    room goes to the rate, then the alert, the fields, their sparklines and the response
    column."""
    sparks = {field: spark_column(field) for field in sparklines}
    extra = tuple(key for field in fields for key in (field, sparks.get(field)) if key)
    responses, alerts = (RESPONSE,) * response, (ALERT,) * alert
    columns = (*COLUMNS[:2], *extra, *COLUMNS[2:5], *responses, *alerts, *COLUMNS[5:])
    ranked = (*fields, *(sparks[field] for field in fields if field in sparks))
    priority = (*PRIORITY[:5], *alerts, *ranked, *responses, *PRIORITY[5:])
    return columns, priority


def fit_columns(
    width: int,
    widths: Mapping[str, int],
    padding: int = 2,
    *,
    columns: Sequence[str] = COLUMNS,
    priority: Sequence[str] = PRIORITY,
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
        columns: Every column in display order (see :func:`with_extra`).
        priority: The same columns in the order they claim room.
    """
    chosen = {priority[0]}
    used = widths.get(priority[0], len(priority[0])) + padding
    for key in priority[1:]:
        used += widths.get(key, len(key)) + padding
        if used > width:
            break
        chosen.add(key)
    return tuple(key for key in columns if key in chosen)
