"""One feed row: an event's columns as a ``rich.text.Text`` built from plain strings.

Payloads never reach a markup parser: every column is appended as a plain string with a
style object, after :func:`tui.core.display.printable` has escaped control characters.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len, set_cell_size
from rich.style import Style
from rich.text import Text

from tui.core.display import GLYPHS, clock, printable, summary
from tui.core.events import Event, PayloadEvent

NAME_WIDTH = 12
"""Cells of the connection-name column."""
SIZE_WIDTH = 8
"""Cells of the payload-size column (``9999 B``, ``9999 KiB``, ``12 MiB``)."""
PREFIX_WIDTH = len("00:00:00.000") + 1 + NAME_WIDTH + 1 + 1 + 1 + SIZE_WIDTH + 1
"""Cells before the preview starts."""


def size_label(size: int) -> str:
    """A payload size that fits :data:`SIZE_WIDTH` cells."""
    if size < 10_000:
        return f"{size} B"
    if size < 10_000 * 1024:
        return f"{size // 1024} KiB"
    return f"{size // (1024 * 1024)} MiB"


def fit(text: str, width: int) -> str:
    """``text`` padded or cut (with ``…``) to exactly ``width`` cells."""
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(text, width - 1) + "…"


@dataclass(frozen=True, slots=True)
class RowStyles:
    """The resolved component styles a row is drawn with."""

    base: Style
    time: Style
    name: Style
    size: Style
    kinds: dict[str, Style]
    cursor: Style


def row_text(
    event: Event,
    width: int,
    styles: RowStyles,
    *,
    view: str = "hex",
    utc: bool = False,
    cursor: bool = False,
) -> Text:
    """The row for ``event``: time, name, glyph, size, preview; exactly ``width`` cells.

    Five styled runs, each column carrying the space after it and the preview the padding:
    a terminal gets every run as its own colour sequence (~35 bytes in truecolour), so a
    run per separator nearly doubled the bytes of a repaint (what an SSH link carries),
    for spaces whose foreground colour nobody can see.
    """
    kind_style = styles.kinds.get(event.EVENT, Style.null())
    text = Text(style=styles.base, no_wrap=True, end="")
    text.append(clock(event.ts, utc) + " ", styles.time)
    text.append(fit(printable(event.connection), NAME_WIDTH) + " ", styles.name)
    text.append(GLYPHS.get(event.EVENT, "?") + " ", kind_style + Style(bold=True))
    size = size_label(event.size) if isinstance(event, PayloadEvent) else ""
    text.append(size.rjust(SIZE_WIDTH) + " ", styles.size)
    room = width - PREFIX_WIDTH
    if room > 0:
        text.append(fit(summary(event, view, limit=room), room), kind_style)
    text.truncate(width, overflow="ellipsis", pad=True)
    if cursor:
        text.stylize(styles.cursor)
    return text
