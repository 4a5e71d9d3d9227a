"""A SelectionList whose boxes show on and off by shape (``▐✔▌`` / ``▐ ▌``), not by colour.

Textual draws the same ``X`` in every box and tells them apart by its colour: in 16 colours,
under ``NO_COLOR`` or in monochrome every box read as ticked.
"""

from __future__ import annotations

from typing import TypeVar

from rich.segment import Segment
from textual.strip import Strip
from textual.widgets import SelectionList
from textual.widgets.option_list import OptionDoesNotExist

T = TypeVar("T")

ON = "✔"
OFF = " "


class CheckList(SelectionList[T]):
    """A :class:`SelectionList` with a tick in the boxes that are on and none in the others."""

    def render_line(self, y: int) -> Strip:
        line = super().render_line(y)
        try:
            selection = self.get_option_at_index(int(self.scroll_offset.y) + y)
        except OptionDoesNotExist:
            return line
        segments = list(line)
        # SelectionList draws left side, box, right side, space, then the prompt.
        if len(segments) < 4:
            return line
        inner = segments[1]
        mark = ON if selection.value in self._selected else OFF
        segments[1] = Segment(mark, inner.style, inner.control)
        return Strip(segments, line.cell_length)
