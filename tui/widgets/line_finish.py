"""A widget's content lines finished as Textual's styles cache finishes them, without it.

Textual 8.2 (``textual>=8.2.8,<8.3`` in ``pyproject.toml``) draws each line of a widget
through ``StylesCache.render_line`` (``textual/_styles_cache.py``): it reads the border,
outline, padding, hatch, tint and opacity styles, pads the line to the content width (a
new Strip), wraps it in another, then ``StylesCache.render`` runs the App's line filters
over it (a third); the compositor cuts the padding under the scrollbar off again (two
more). A Strip costs ~1.2 µs to build (seven small caches each). Under fan-in the feed
draws ~27 new lines 11 times a second, and that finishing was about half of each line's
cost, more than building the row itself.

For a widget whose styles leave its content lines alone (no side border, no outline,
hatch or tint, full opacity, no horizontal scrollbar), all that finishing does to a
content line is pad its sides and map each segment's style through the App's line
filters, which are Textual's own per-segment style maps. :class:`LineFinish` does that
mapping once per style, so a widget can build its lines with the finished styles directly:
one Strip a line, as wide as the scrollbar leaves (the compositor then has nothing to cut:
the scrollbar draws its own cells, in front). Lines of the border and padding above or
below the content are still drawn by Textual.

:func:`line_finish` says whether a widget qualifies, checked at every repaint; anything
else (a border on the side, an unknown filter, a Textual whose ``StylesCache`` does more
than this) is drawn by Textual as before.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.segment import Segment
from rich.style import Style
from textual._styles_cache import StylesCache
from textual.color import Color
from textual.filter import ANSIToTruecolor, DimFilter, LineFilter, Monochrome, NoColor
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

__all__ = ["LineFinish", "line_finish"]

FILTERS = (ANSIToTruecolor, DimFilter, Monochrome, NoColor)
"""Textual 8.2's line filters: each maps every segment's style on its own (from the style
and the background), whatever the text."""

# Names the code of Textual 8.2's StylesCache.render and render_line use (a cheap check of
# their shape: a Textual that finishes or keeps lines differently is left to do it).
_SHAPE = frozenset(
    {
        "adjust_cell_length",
        "apply_filter",
        "column_span",
        "gutter",
        "outline",
        "text_opacity",
        "_cache",
        "_dirty_lines",
        "_width",
    }
)
_CODE_NAMES = frozenset(StylesCache.render.__code__.co_names) | frozenset(
    StylesCache.render_line.__code__.co_names
)
SHAPE_KNOWN = _SHAPE <= _CODE_NAMES
"""Whether Textual's styles cache is the one this module stands in for."""

_RARE_RULES = (
    "border_left",
    "border_right",
    "outline_top",
    "outline_right",
    "outline_bottom",
    "outline_left",
    "tint",
    "text_opacity",
    "hatch",
    "scrollbar_visibility",
)
_MAX_STYLES = 1024  # finished styles kept (a feed uses a few dozen)


class LineFinish:
    """How a plain widget's content lines are finished, at one repaint: the App's line
    filters and the background they blend with; which lines are content (``top`` and
    ``height``), how wide the content is (``width``: what the padding and the scrollbar
    leave), the side padding and its style (``inner``, as Textual pads).

    Two are equal when they finish lines alike (a widget keeps lines built with an equal
    one); each keeps the styles it has finished.
    """

    __slots__ = (
        "_key",
        "_styles",
        "background",
        "filters",
        "height",
        "inner",
        "pad_left",
        "pad_right",
        "top",
        "width",
    )

    def __init__(
        self,
        filters: tuple[LineFilter, ...],
        background: Color,
        top: int,
        height: int,
        width: int,
        pad_left: int = 0,
        pad_right: int = 0,
        inner: Style | None = None,
    ) -> None:
        self.filters = filters
        self.background = background
        self.top = top
        self.height = height
        self.width = width
        self.pad_left = pad_left
        self.pad_right = pad_right
        self.inner = Style.null() if inner is None else inner
        self._key = (filters, background, top, height, width, pad_left, pad_right, self.inner)
        self._styles: dict[Style, Style] = {}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LineFinish) and other._key == self._key

    def __hash__(self) -> int:
        return hash(self._key)

    def style(self, style: Style) -> Style:
        """``style`` as the App's line filters turn it."""
        found = self._styles.get(style)
        if found is None:
            segments = [Segment(" ", style)]
            for line_filter in self.filters:
                segments = line_filter.apply(segments, self.background)
            found = segments[0].style or Style.null()
            if len(self._styles) >= _MAX_STYLES:
                self._styles.clear()
            self._styles[style] = found
        return found

    def padded(self, segments: list[Segment], cell_length: int) -> Strip:
        """A content line of finished ``segments`` (``cell_length`` cells, at most
        :attr:`width`) with the side padding, and the room to the width, in the padding's
        style."""
        left, right = self.pad_left, self.pad_right + self.width - cell_length
        if not (left or right):
            return Strip(segments, cell_length)
        blank = self.style(self.inner)
        line = [Segment(" " * left, blank), *segments] if left else segments
        if right:
            line.append(Segment(" " * right, blank))
        return Strip(line, left + cell_length + right)

    def strip(self, strip: Strip) -> Strip:
        """``strip`` with every segment's style finished."""
        style = self.style
        return Strip(
            [
                Segment(text, style(seg_style) if seg_style else seg_style)
                for text, seg_style, _ in strip
            ],
            strip.cell_length,
        )

    def lines(
        self, widget: Widget, crop: Region, render_line: Callable[[int], Strip]
    ) -> list[Strip]:
        """The lines of ``widget`` inside ``crop``: content lines from ``render_line``
        (finished already, with the side padding), the others drawn by Textual.

        Content lines are kept in the widget's own styles cache, by line, as Textual keeps
        them: until a refresh marks them dirty (a repaint of a region beside them, such as
        the scrollbar's, reuses them).
        """
        cache = widget._styles_cache
        kept, dirty = cache._cache, cache._dirty_lines
        width = widget.region.width
        if width != cache._width:  # as StylesCache.render
            cache.clear()
            cache._width = width
        top, bottom = self.top, self.top + self.height
        lines: list[Strip] = []
        for y in crop.line_range:
            if not top <= y < bottom:  # a border or padding line
                line = Widget.render_lines(widget, Region(0, y, width, 1))[0]
            elif y in dirty or (found := kept.get(y)) is None:
                line = kept[y] = render_line(y - top)
            else:
                line = found
            lines.append(line)
        dirty.difference_update(crop.line_range)
        x1, x2 = crop.column_span
        if x1 or x2 < width:
            lines = [line.crop(x1, x2) for line in lines]
        return lines


def line_finish(widget: Widget) -> LineFinish | None:
    """How ``widget``'s content lines are finished, if its styles leave them alone (see
    the module's docstring); ``None``: Textual's styles cache must draw them."""
    if not SHAPE_KNOWN:
        return None
    filters = tuple(widget.get_line_filters())
    if any(type(line_filter) not in FILTERS for line_filter in filters):
        return None
    styles = widget.styles
    # Their defaults leave lines alone: their values are read only when they are set
    # (each read looks through the widget's inline and CSS rules).
    if styles.has_any_rules(*_RARE_RULES):
        border = styles.border
        if border.left[0] or border.right[0]:
            return None
        if any(edge for edge, _ in styles.outline) or styles.tint.a:
            return None
        if styles.text_opacity != 1.0:
            return None
        if styles.has_rule("hatch") and styles.hatch != "none":
            return None
        if styles.scrollbar_visibility != "visible":
            return None
    if widget.opacity != 1.0:
        return None
    padding = styles.padding
    content, shown = widget.content_region, widget.scrollable_content_region
    if shown.height != content.height:
        return None  # a horizontal scrollbar
    gap = content.width - shown.width
    if gap and not (widget.show_vertical_scrollbar and gap == widget.scrollbar_size_vertical):
        return None  # room kept for a scrollbar that is not drawn there
    base_background, background = widget.background_colors
    inner = None
    if padding.left or padding.right:
        inner = widget._styles_cache.get_inner_outer(base_background, background)[0].rich_style
    return LineFinish(
        filters,
        background,
        styles.gutter.top,
        content.height,
        shown.width,
        padding.left,
        padding.right,
        inner,
    )
