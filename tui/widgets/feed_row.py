"""One feed row: an event's columns as styled segments built from plain strings.

Payloads never reach a markup parser: every column is a plain string with a
style object, after :func:`tui.core.display.printable` has escaped control characters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from tui.core.display import GLYPHS, clock, printable, summary
from tui.core.events import Event, PayloadEvent

NAME_WIDTH = 12
"""Cells of the connection-name column at most (it narrows to the longest name, so that
an 80-column terminal has more room for the payload)."""
SIZE_WIDTH = 8
"""Cells of the payload-size column (``9999 B``, ``9999 KiB``, ``12 MiB``)."""


def prefix_width(name_width: int = NAME_WIDTH) -> int:
    """Cells before the preview starts, with a name column of ``name_width`` cells."""
    return len("00:00:00.000") + 1 + name_width + 1 + 1 + 1 + SIZE_WIDTH + 1


PREFIX_WIDTH = prefix_width()
"""Cells before the preview starts with the widest name column."""
BINARY_TAG = "bin "
"""Starts the preview of a binary frame."""


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
    if text.isascii() and text.isprintable():
        # One cell per character (most payloads): no cell widths to measure.
        return text.ljust(width) if len(text) <= width else text[: width - 1] + "…"
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(text, width - 1) + "…"


def fit_name(name: str, width: int) -> str:
    """A connection name in exactly ``width`` cells, cut (with ``…``) where names differ.

    A path-like name (``prod/eu/orders``) that does not fit keeps its end, ``…/eu/orders``:
    such names usually share their start. Other names keep their start, as :func:`fit` does.
    """
    if "/" not in name or cell_len(name) <= width or width <= 1:
        return fit(name, width)
    tail = name
    while cell_len(tail) > width - 1:
        tail = tail[1:]
    return set_cell_size("…" + tail, width)


@lru_cache(maxsize=8192)
def _name_cell(name: str, width: int) -> str:
    """A connection's name column with the space after it: the same few names fill every
    row, and escaping and measuring one took a tenth of a row's time."""
    return fit_name(printable(name), width) + " "


_BOLD = Style(bold=True)
_DIM = Style(dim=True)


@dataclass(frozen=True, slots=True)
class RowStyles:
    """The resolved component styles a row is drawn with."""

    base: Style
    time: Style
    name: Style
    size: Style
    kinds: dict[str, Style]
    cursor: Style
    finish: Callable[[Style], Style] | None = None
    """Turns each style as drawn into the one that reaches the screen (the App's line
    filters, see :mod:`tui.widgets.line_finish`); ``None``: Textual does that later."""
    _drawn: dict[tuple[str, bool, bool], tuple[Style, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def drawn(self, kind: str, cursor: bool, dropped: bool) -> tuple[Style, ...]:
        """The styles of a row's runs as drawn: time, name, glyph, size, binary tag and
        preview, each over the base and under the cursor's (or a dropped row's dimming).

        Worked out once per kind of row: adding styles, even through rich's cache, was
        half of each row's cost (eleven additions a row).
        """
        key = (kind, cursor, dropped)
        found = self._drawn.get(key)
        if found is None:
            kind_style = self.kinds.get(kind, Style.null())
            over = self.cursor if cursor else Style.null()
            if dropped:
                over = _DIM + over
            runs = (self.time, self.name, kind_style + _BOLD, self.size, kind_style + _BOLD)
            found = tuple(self.base + style + over for style in (*runs, kind_style))
            if self.finish is not None:
                found = tuple(map(self.finish, found))
            self._drawn[key] = found
        return found


def row_strip(
    event: Event,
    width: int,
    styles: RowStyles,
    *,
    view: str = "hex",
    utc: bool = False,
    cursor: bool = False,
    dropped: bool = False,
    name_width: int = NAME_WIDTH,
    lead: str = "",
    text: str | None = None,
) -> Strip:
    """The row for ``event``: time, name, glyph, size, preview; exactly ``width`` cells.

    ``lead`` starts the preview (a pairing mark, ``↩ 12 ms``); ``text`` replaces the
    payload's summary (the fields view). Both must be printable already.

    A binary frame's preview starts with :data:`BINARY_TAG`. A ``dropped`` row (kept on a
    paused screen after the ring evicted its event) is dimmed and says ``dropped`` in the
    size column.

    Five styled runs, each column carrying the space after it and the preview the padding:
    a terminal gets every run as its own colour sequence (~35 bytes in truecolour), so a
    run per separator nearly doubled the bytes of a repaint (what an SSH link carries),
    for spaces whose foreground colour nobody can see.

    The segments are the ones a ``rich.text.Text`` of these runs would render (base style,
    then the run's, then the cursor's), built directly: a following feed renders a few
    hundred rows a second under load, and the ``Text`` round trip was most of each.
    """
    time_style, name_style, glyph_style, size_style, tag_style, preview_style = styles.drawn(
        event.EVENT, cursor, dropped
    )
    size = size_label(event.size) if isinstance(event, PayloadEvent) else ""
    if dropped:
        size = "dropped"
    runs = [
        (clock(event.ts, utc) + " ", time_style),
        (_name_cell(event.connection, name_width), name_style),
        (GLYPHS.get(event.EVENT, "?") + " ", glyph_style),
        (size.rjust(SIZE_WIDTH) + " ", size_style),
    ]
    room = width - prefix_width(name_width)
    if room > 0:
        if isinstance(event, PayloadEvent) and isinstance(event.data, bytes):
            # Tagged whatever the view: in the "text" view a binary frame reads like text.
            tag = fit(BINARY_TAG, min(room, len(BINARY_TAG)))
            runs.append((tag, tag_style))
            room -= len(tag)
        if room > 0:
            preview = summary(event, view, limit=room) if text is None else text
            runs.append((fit(lead + preview, room), preview_style))
    else:
        runs = _truncate(runs, width)
    return Strip([Segment(text, style) for text, style in runs if text], width)


def _truncate(runs: list[tuple[str, Style]], width: int) -> list[tuple[str, Style]]:
    """Cut runs wider than ``width`` to ``width - 1`` cells and an ellipsis, like
    ``Text.truncate(overflow="ellipsis")``: the ellipsis takes the style of the run it ends."""
    plain = "".join(text for text, _ in runs)
    if cell_len(plain) <= width:
        return runs
    cut = set_cell_size(plain, width - 1) + "…"
    kept: list[tuple[str, Style]] = []
    start = 0
    for text, style in runs:
        end = start + len(text)
        if start < len(cut):
            kept.append((cut[start : min(end, len(cut))], style))
        start = end
    return kept
