"""A Rich renderable drawn once per width and kept, for content that opens again and again.

Help lays its keys out in Rich tables. Drawn through ``Static`` they were laid out again at
every opening (once to measure the height, again to draw), ~60 ms of the ~230 ms of CPU an
opening cost at 120x40; under a loaded machine that held the feed's repaint up for most of a
second (``benchmarks/bench_soak.py`` opens help every 30 s). :class:`RenderedLines` keeps the
lines of the last few (key, width) pairs: the same help opened again draws from the kept
lines. Only segments are kept (no widget): the widget's own colours go on as it draws.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from rich.console import RenderableType
from rich.segment import Segment
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget

__all__ = ["RenderedLines", "clear_rendered"]

KEPT = 8
"""How many (key, width) renderings are kept: a few help variants (the focused pane's keys
first) at the terminal's width, and one more width after a resize."""

_kept: dict[tuple[Hashable, int], list[Strip]] = {}


def clear_rendered() -> None:
    """Forget every kept rendering."""
    _kept.clear()


class RenderedLines(Widget):
    """Shows ``build()``'s renderable, drawn once per width for every widget of equal ``key``.

    ``key`` must identify the content completely: two widgets with the same key show the
    lines the first one drew.
    """

    DEFAULT_CSS = """
    RenderedLines {
        height: auto;
    }
    """

    def __init__(
        self,
        key: Hashable,
        build: Callable[[], RenderableType],
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self._key = key
        self._build = build

    def lines(self, width: int) -> list[Strip]:
        """The content drawn ``width`` cells wide (from what is kept, if it is)."""
        found = _kept.get((self._key, width))
        if found is not None:
            return found
        if width <= 0:  # not laid out yet
            return []
        console = self.app.console
        options = self.app.console_options.update(highlight=False, width=width, height=None)
        segments = console.render(self._build(), options)
        found = [
            Strip(line)  # as Static draws a Rich renderable: padded as it is drawn
            for line in Segment.split_and_crop_lines(
                segments, width, include_new_lines=False, pad=False
            )
        ]
        while len(_kept) >= KEPT:
            del _kept[next(iter(_kept))]  # the oldest
        _kept[self._key, width] = found
        return found

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.lines(width))

    def render_line(self, y: int) -> Strip:
        width = self.content_size.width
        lines = self.lines(width)
        style = self.rich_style
        if y >= len(lines):
            return Strip.blank(width, style)
        return lines[y].apply_style(style).extend_cell_length(width, style)
